"""Expected answers beside the case files (`expected.toml`): `eligo cases` fails, naming file and line, when a
decision's outcome or rule, an unknown's missing inputs, or a definition's value changes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from eligo.cli.main import app

GUIDELINE = """\
guideline demo.interval
  version 1.0.0
  status approved
  effective 2025-01-01

input treatment_completed: date
input recurrence_detected: date

define dfi: months between treatment_completed and recurrence_detected
define favourable: dfi > 12 months

decision surgery: candidate > discuss
  rule long_interval: when favourable then candidate
  otherwise discuss
"""

EXPECTED = """\
# What each case should give.
[eighteen_months]
surgery = "candidate by rule long_interval"
dfi = "18 months"
favourable = "yes"

[no_recurrence_date]
surgery = "unknown missing recurrence_detected"
"""


def _kb(root: Path, expected: str = EXPECTED) -> Path:
    (root / "demo" / "interval").mkdir(parents=True)
    (root / "demo" / "interval" / "1.0.0.eligo").write_text(GUIDELINE, encoding="utf-8")
    (root / "eligo.toml").write_text("", encoding="utf-8")
    cases = root / "cases" / "demo.interval"
    cases.mkdir(parents=True)
    (cases / "eighteen_months.json").write_text(json.dumps(
        {"treatment_completed": "2024-01-10", "recurrence_detected": "2025-07-10"}), encoding="utf-8")
    (cases / "no_recurrence_date.json").write_text(json.dumps({"treatment_completed": "2024-01-10"}), encoding="utf-8")
    (cases / "expected.toml").write_text(expected, encoding="utf-8")
    return root


def run(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_answers_that_hold_pass(tmp_path: Path) -> None:
    result = run("cases", str(_kb(tmp_path / "kb")))
    assert result.exit_code == 0, result.output
    assert "4 of 4 expected answers hold" in result.output


def test_a_changed_answer_fails_naming_file_line_and_both_values(tmp_path: Path) -> None:
    changed = EXPECTED.replace('dfi = "18 months"', 'dfi = "1 year"').replace("by rule long_interval", "by rule other")
    root = _kb(tmp_path / "kb", changed)
    result = run("cases", str(root), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)["expectations"]
    where = root / "cases" / "demo.interval" / "expected.toml"
    assert report == {"checked": 4, "failures": [
        f"{where}:3: eighteen_months: expected surgery = candidate by rule other, got candidate (rule long_interval)",
        f"{where}:4: eighteen_months: expected dfi = 1 year, got 1.5 years",
    ]}


def test_an_unknown_with_other_missing_inputs_fails(tmp_path: Path) -> None:
    root = _kb(tmp_path / "kb", EXPECTED.replace("missing recurrence_detected", "missing treatment_completed"))
    result = run("cases", str(root), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["expectations"]["failures"] == [
        f"{root / 'cases' / 'demo.interval' / 'expected.toml'}:8: no_recurrence_date: expected surgery = unknown "
        "missing treatment_completed, got unknown (missing recurrence_detected)"]


def test_mistakes_in_the_expectations_are_failures_not_tracebacks(tmp_path: Path) -> None:
    root = _kb(tmp_path / "kb", '[eighteen_month]\nsurgery = "candidate"\n\n[eighteen_months]\nsurgery = "maybe so"\n'
               'dfii = "18 months"\n')
    result = run("cases", str(root), "--json")
    where = root / "cases" / "demo.interval" / "expected.toml"
    assert result.exit_code == 1
    assert json.loads(result.stdout)["expectations"]["failures"] == [
        f"{where}:1: there is no case file eighteen_month.json",
        f"{where}:5: eighteen_months: `maybe so` is not an outcome: write `OUTCOME`, `OUTCOME by rule RULE` or "
        "`unknown missing INPUT, …`",
        f"{where}:6: eighteen_months: `dfii` is neither a decision nor a definition of demo.interval (it has "
        "surgery, dfi, favourable)",
    ]
    broken = _kb(tmp_path / "other", "[eighteen_months\n")
    result = run("cases", str(broken))
    assert result.exit_code == 1
    assert "expected.toml: not valid TOML" in result.output


def test_without_an_expectations_file_the_json_is_unchanged(tmp_path: Path) -> None:
    root = _kb(tmp_path / "kb")
    (root / "cases" / "demo.interval" / "expected.toml").unlink()
    result = run("cases", str(root), "--json")
    assert result.exit_code == 0
    assert set(json.loads(result.stdout)) == {"refused", "decisions"}


THRESHOLDS = """\
guideline core.thresholds
  version {version}
  status approved
  effective {effective}

input interval: duration in months

define threshold: {threshold} months
define long_interval: interval > threshold
"""


def test_a_definitions_only_module_whose_threshold_changes_fails_its_expected_answers(tmp_path: Path) -> None:
    """Issue 12 item 8: a module of definitions only, no decision; its new version (the one `eligo cases` evaluates)
    raises the threshold, and the answers recorded for the old one fail, naming file, line and both values."""
    root = tmp_path / "kb"
    (root / "eligo.toml").parent.mkdir(parents=True)
    (root / "eligo.toml").write_text("", encoding="utf-8")
    cases = root / "cases" / "core.thresholds"
    cases.mkdir(parents=True)
    (cases / "eighteen_months.json").write_text(json.dumps({"interval": "18 months"}), encoding="utf-8")
    (cases / "expected.toml").write_text('[eighteen_months]\nthreshold = "12 months"\nlong_interval = "yes"\n',
                                         encoding="utf-8")
    folder = root / "core" / "thresholds"
    folder.mkdir(parents=True)
    (folder / "1.0.0.eligo").write_text(THRESHOLDS.format(version="1.0.0", effective="2025-01-01", threshold=12),
                                        encoding="utf-8")
    held = run("cases", str(root), "--json")
    assert held.exit_code == 0, held.output
    assert json.loads(held.stdout)["expectations"] == {"checked": 2, "failures": []}
    (folder / "2.0.0.eligo").write_text(THRESHOLDS.format(version="2.0.0", effective="2026-01-01", threshold=24),
                                        encoding="utf-8")
    changed = run("cases", str(root), "--json")
    assert changed.exit_code == 1
    where = cases / "expected.toml"
    assert json.loads(changed.stdout)["expectations"]["failures"] == [
        f"{where}:2: eighteen_months: expected threshold = 12 months, got 24 months",
        f"{where}:3: eighteen_months: expected long_interval = yes, got no",
    ]
