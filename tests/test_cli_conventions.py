"""The command-line conventions people expect: --version, completion, the knowledge base found from where
you stand, --kb and --json everywhere, SARIF, fmt's exit code, whole ids, and failures that are failures."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from eligo.cli.main import app
from eligo.version import __version__

FIXTURE = Path(__file__).parent / "fixtures" / "kb"
SELECTION = Path("demo") / "selection" / "1.0.0.eligo"


def run(*args: str, stdin: str | None = None) -> Result:
    result = CliRunner().invoke(app, list(args), input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.fixture()
def kb(tmp_path: Path) -> Path:
    target = tmp_path / "work" / "knowledge"
    shutil.copytree(FIXTURE, target)
    (target / "eligo.toml").write_text("", encoding="utf-8")
    return target


def test_version_and_completion() -> None:
    result = run("--version")
    assert (result.exit_code, result.stdout) == (0, f"eligo {__version__}\n")
    help_text = run("--help").stdout
    assert "--install-completion" in help_text and "--show-completion" in help_text


def test_the_knowledge_base_is_found_by_walking_up(kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(kb / "demo" / "selection")
    whole = run("check")
    assert (whole.exit_code, whole.stdout) == (0, "checked 2 files: 0 errors, 0 warnings\n")
    one = run("check", "1.0.0.eligo")
    assert (one.exit_code, one.stdout) == (0, "checked 1 file: 0 errors, 0 warnings\n"), one.stderr
    assert run("list", "--json").exit_code == 0
    assert "surgery" in run("eval", "demo.selection", "--case", "-", stdin='{"lesion_count": 2}').stdout


def test_one_file_is_checked_in_context_not_alone(kb: Path, tmp_path: Path) -> None:
    in_context = run("check", str(kb / SELECTION))
    assert in_context.exit_code == 0 and in_context.stdout == "checked 1 file: 0 errors, 0 warnings\n"
    alone = tmp_path / "alone.eligo"
    shutil.copy(kb / SELECTION, alone)
    result = run("check", str(alone))
    assert result.exit_code == 1 and "error[E120]: there is no module `core.lesions`" in result.stderr


def test_only_the_asked_files_diagnostics_are_reported(kb: Path) -> None:
    lesions = kb / "core" / "lesions" / "1.0.0.eligo"
    lesions.write_text(lesions.read_text(encoding="utf-8") + "define unused_thing: lesion_count > 1\n", encoding="utf-8")
    other = run("check", str(kb / SELECTION))
    assert other.exit_code == 0 and "W151" not in other.stderr
    own = run("check", str(lesions))
    assert own.exit_code == 0 and "warning[W151]" in own.stderr and own.stdout.endswith("0 errors, 1 warning\n")


def test_without_a_marker_or_knowledge_folder_the_error_says_what_to_do(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("list")
    assert result.exit_code == 2
    assert "error: no knowledge base here: no eligo.toml in this folder or above it, and no knowledge/ folder" \
        in result.stderr


@pytest.mark.parametrize("command", ["check", "fmt", "list", "eval", "test", "cases", "diff", "graph"])
def test_every_command_takes_kb(command: str) -> None:
    assert "--kb" in run(command, "--help").stdout


@pytest.mark.parametrize("command", ["check", "fmt", "list", "eval", "test", "cases", "diff"])
def test_every_reporting_command_takes_json(command: str) -> None:
    assert "--json" in run(command, "--help").stdout


def test_check_json_lists_every_diagnostic_with_its_place(kb: Path) -> None:
    path = kb / SELECTION
    path.write_text(path.read_text(encoding="utf-8").replace("dfi > 12 months", "dfi > 12 mnths"), encoding="utf-8")
    result = run("check", "--kb", str(kb), "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["files"], report["errors"], report["warnings"]) == (2, 1, 0)
    [diagnostic] = report["diagnostics"]
    assert diagnostic == {"code": "E104", "severity": "error", "message": "unknown unit `mnths`",
                          "hints": ["did you mean `months`?"], "path": str(path), "line": 20, "column": 34,
                          "end_line": 20, "end_column": 39}


def test_check_sarif_is_a_sarif_2_1_0_log(kb: Path) -> None:
    path = kb / SELECTION
    path.write_text(path.read_text(encoding="utf-8").replace("dfi > 12 months", "dfi > 12 mnths"), encoding="utf-8")
    result = run("check", "--kb", str(kb), "--sarif")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    [sarif_run] = log["runs"]
    assert sarif_run["tool"]["driver"]["name"] == "eligo"
    assert [r["id"] for r in sarif_run["tool"]["driver"]["rules"]] == ["E104"]
    assert sarif_run["tool"]["driver"]["rules"][0]["shortDescription"]["text"] == "a unit Eligo does not know"
    [finding] = sarif_run["results"]
    assert finding["ruleId"] == "E104" and finding["level"] == "error" and finding["ruleIndex"] == 0
    assert finding["message"]["text"] == "unknown unit `mnths`\nhint: did you mean `months`?"
    location = finding["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "demo/selection/1.0.0.eligo"
    assert location["region"] == {"startLine": 20, "startColumn": 34, "endLine": 20, "endColumn": 39}
    assert run("check", "--json", "--sarif").exit_code == 2


def test_fmt_exits_0_after_reformatting_and_1_only_with_check(kb: Path) -> None:
    path = kb / SELECTION
    path.write_text(path.read_text(encoding="utf-8").replace("input treatment_completed: date",
                                                             "input   treatment_completed:   date"), encoding="utf-8")
    would = run("fmt", "--check", str(path))
    assert would.exit_code == 1 and f"would reformat {path}" in would.stderr
    done = run("fmt", str(path))
    assert done.exit_code == 0 and done.stdout == f"reformatted {path}\n"
    assert run("fmt", "--check", str(path)).exit_code == 0
    assert run("fmt", "--kb", str(kb)).exit_code == 0 and run("fmt", "--check", "--kb", str(kb)).exit_code == 0


def test_ids_are_never_truncated_in_tables(tmp_path: Path) -> None:
    name = "very_long_area_name_for_testing." + "an_exceedingly_long_guideline_identifier_" * 3 + "end"
    root = tmp_path / "kb"
    folder = root.joinpath(*name.split("."))
    folder.mkdir(parents=True)
    (folder / "1.0.0.eligo").write_text(
        f'guideline {name}\n  version 1.0.0\n  title "{"A long title " * 12}"\n  status draft\n\n'
        "input n: count\ndecision d: a | b\n  rule few: when n < 2 then a\n  otherwise b\n", encoding="utf-8")
    case_folder = root / "cases" / name
    case_folder.mkdir(parents=True)
    case_name = "a_case_file_whose_name_is_itself_quite_long_to_see_whether_it_survives_the_table"
    (case_folder / f"{case_name}.json").write_text('{"n": 1}', encoding="utf-8")
    listed = run("list", "--kb", str(root))
    assert listed.exit_code == 0 and name in listed.stdout
    cases = run("cases", str(root))
    assert cases.exit_code == 0 and name in cases.stdout and case_name in cases.stdout


def test_cases_with_no_case_folders_is_not_an_error(kb: Path) -> None:
    result = run("cases", str(kb))
    assert result.exit_code == 0
    assert result.stdout == f"no case folders under {kb / 'cases'} (cases go in {kb / 'cases'}/<guideline id>/*.json)\n"
    assert json.loads(run("cases", "--kb", str(kb), "--json").stdout) == {"refused": 0, "decisions": []}


def test_several_syntax_errors_are_reported_in_one_run(kb: Path) -> None:
    path = kb / SELECTION
    text = path.read_text(encoding="utf-8")
    text = text.replace("input recurrence_detected: date, optional", "input recurrence_detected date, optional")
    text = text.replace("  rule favourable: when dfi > 12 months then candidate", "  rule favourable: when dfi > 12 months")
    text += 'example "Broken":\n  given lesion_count 2,\n  expect surgery == candidate\n'
    path.write_text(text, encoding="utf-8")
    result = run("check", str(path))
    assert result.exit_code == 1
    codes = [line.split("[", 1)[1].split("]", 1)[0] for line in result.stderr.splitlines() if f"{path}:" in line]
    assert len(codes) >= 3, result.stderr


def test_test_on_a_guideline_that_does_not_compile_fails(kb: Path) -> None:
    """A broken guideline with no examples used to be skipped, and `eligo test` said 0 passed, 0 failed."""
    lesions = kb / "core" / "lesions" / "1.0.0.eligo"
    lesions.write_text(lesions.read_text(encoding="utf-8").replace("lesion_count <= 5", "lesion_cuont <= 5"),
                       encoding="utf-8")
    result = run("test", str(lesions))
    assert result.exit_code == 1
    assert "FAILED core.lesions 1.0.0: the guideline has errors, so none of its 0 examples ran" in result.stderr
    assert result.stdout.splitlines()[-1] == "0 passed, 1 failed"
    whole = run("test", "--kb", str(kb), "--json")
    assert whole.exit_code == 1 and json.loads(whole.stdout)["passed"] == 0


def test_test_on_no_sources_is_an_error_not_a_pass(tmp_path: Path) -> None:
    result = run("test", str(tmp_path))
    assert result.exit_code == 2 and f"error: no .eligo files in {tmp_path}" in result.stderr


def test_eval_ignores_fields_that_are_not_inputs_on_request(kb: Path) -> None:
    case = '{"patient_id": "P-1", "lesion_count": 9, "organ_count": 1, "treatment_completed": "2024-01-10"}'
    assert run("eval", "demo.selection", "--kb", str(kb), "--case", "-", stdin=case).exit_code == 2
    result = run("eval", "demo.selection", "--kb", str(kb), "--case", "-", "--ignore-unknown", stdin=case)
    assert (result.exit_code, result.stdout) == (0, "surgery: not_candidate by rule too_many\n")


def test_as_of_is_read_by_the_one_date_reader(kb: Path) -> None:
    result = run("eval", "demo.selection", "--kb", str(kb), "--case", "-", "--as-of", "20250101", stdin="{}")
    assert result.exit_code == 2 and "--as-of '20250101' is not a date written YYYY-MM-DD" in result.stderr


def test_test_fails_a_file_whose_version_is_declared_twice(kb: Path) -> None:
    copy = kb / "demo" / "copy" / "1.0.0.eligo"
    copy.parent.mkdir()
    shutil.copy(kb / SELECTION, copy)
    result = run("test", str(kb))
    assert result.exit_code == 1
    assert f"FAILED {kb / SELECTION}: demo.selection 1.0.0 is also declared in {copy}, so none of this file's " \
           "examples ran" in result.stderr
    assert result.stdout.splitlines()[-1] == "3 passed, 3 failed"


def test_diff_json_is_the_diff_as_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path(__file__).parent.parent)
    result = run("diff", "sarcoma.pulmonary_metastasectomy", "1.0.0", "2.0.0", "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert (report["id"], report["old_version"], report["new_version"]) == ("sarcoma.pulmonary_metastasectomy", "1.0.0",
                                                                            "2.0.0")
    assert {"action": "changed", "subject": "effective", "detail": "2025-01-01 → 2026-03-01", "before": None,
            "after": None} in report["changes"]
    assert report["cases_compared"] > 0 and report["case_changes"]


def test_fmt_json_names_the_files_it_changes_or_would(kb: Path) -> None:
    path = kb / SELECTION
    path.write_text(path.read_text(encoding="utf-8").replace("input treatment_completed: date",
                                                             "input  treatment_completed: date"), encoding="utf-8")
    would = run("fmt", "--check", "--json", str(path))
    assert would.exit_code == 1 and json.loads(would.stdout) == {"would_change": [str(path)], "problems": []}
    done = run("fmt", "--json", str(path))
    assert done.exit_code == 0 and json.loads(done.stdout) == {"changed": [str(path)], "problems": []}
    path.write_text("guideline broken\n", encoding="utf-8")
    broken = run("fmt", "--json", str(path))
    assert broken.exit_code == 2 and json.loads(broken.stdout)["problems"]


def test_author_text_and_file_names_are_never_read_as_markup(kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A title such as `a [/x] b` made `eligo list` raise Rich's MarkupError."""
    import io

    from rich.console import Console

    from eligo.cli import app as shared

    path = kb / SELECTION
    path.write_text(path.read_text(encoding="utf-8").replace('title "Demo selection"', 'title "Demo [/x] [bold]b"'),
                    encoding="utf-8")
    (kb / "cases" / "demo.selection").mkdir(parents=True)
    (kb / "cases" / "demo.selection" / "[red]x.json").write_text('{"lesion_count": 9}', encoding="utf-8")
    listed = run("list", "--kb", str(kb))
    assert listed.exit_code == 0 and "Demo [/x] [bold]b" in listed.stdout
    cases = run("cases", str(kb))
    assert cases.exit_code == 0 and "[red]x" in cases.stdout
    terminal = Console(file=io.StringIO(), force_terminal=True, width=120, highlight=False)
    monkeypatch.setattr(shared, "err", terminal)
    assert shared.fail("no guideline `demo[/x]`").exit_code == 2
    assert "no guideline `demo[/x]`" in terminal.file.getvalue()  # type: ignore[attr-defined]
