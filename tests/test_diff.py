"""eligo.diff: the semantic diff between two versions of a guideline, and the cases that change decision."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import eligo
from eligo import dsl
from eligo.tools.diff import Change, GuidelineDiff, Scope, diff_modules, diff_versions, expand, source_of, value_changes

HEAD = "guideline lung.metastasectomy\n  version {version}\n  status approved\n  effective {effective}\n"

OLD = HEAD.format(version="1.0.0", effective="2025-01-01") + """\
  committee "Thoracic board"

kind site: colorectal | renal_cell | sarcoma

input lesions: count from 0 to 50 "Lung metastases on CT"
input r0_feasible: yes/no
input primary_site: site
input interval: duration in months

table threshold by primary_site -> duration
  colorectal   12 months
  renal_cell   24 months
  otherwise    12 months

define long_interval: interval > threshold[primary_site]

decision metastasectomy: candidate > discuss > not_candidate, first match
  rule too_many: when lesions > 5 then not_candidate
  rule not_resectable: when not r0_feasible then not_candidate
  rule short: when not long_interval then discuss
  otherwise candidate

example "Two lesions":
  given lesions 2, r0_feasible yes, primary_site colorectal, interval 18 months
  expect metastasectomy = candidate
"""

NEW = HEAD.format(version="2.0.0", effective="2026-01-01") + """\
  committee "Thoracic board"
  supersedes 1.0.0

kind site: colorectal | renal_cell | sarcoma | pancreas

input lesions: count from 0 to 30 "Lung metastases on CT"
input r0_feasible: yes/no
input primary_site: site
input interval: duration in months
input fit: yes/no, optional

table threshold by primary_site -> duration
  colorectal   24 months
  renal_cell   24 months
  otherwise    12 months

define long_interval: interval >= threshold[primary_site]

decision metastasectomy: candidate > discuss > not_candidate, first match
  rule not_resectable: when not r0_feasible then not_candidate
  rule too_many: when lesions > 3 then not_candidate
  rule short: when not long_interval then not_candidate
  rule unfit: when fit = no then not_candidate
  otherwise candidate

example "Two lesions":
  given lesions 2, r0_feasible yes, primary_site colorectal, interval 18 months
  expect metastasectomy = not_candidate
"""


def test_every_kind_of_change_is_named_with_its_values() -> None:
    changes = diff_modules(dsl.parse(OLD, "old"), dsl.parse(NEW, "new"), OLD, NEW)
    assert [c.headline() for c in changes] == [
        "~ effective: 2025-01-01 → 2026-01-01",
        "~ supersedes: none → 1.0.0",
        "~ kind site: value pancreas added",
        "~ input lesions: range from 0 to 50 → from 0 to 30",
        "+ input fit: yes/no, optional",
        "~ definition long_interval: > → >=",
        "~ table threshold row colorectal: 12 months → 24 months",
        "~ rule metastasectomy.too_many: 5 → 3",
        "~ rule metastasectomy.short: outcome discuss → not_candidate",
        "+ rule metastasectomy.unfit: when fit = no then not_candidate",
        "~ decision metastasectomy: rule order too_many, not_resectable, short → not_resectable, too_many, short",
        '~ example "Two lesions": given or expected values changed',
    ]
    added = next(c for c in changes if c.subject == "rule metastasectomy.unfit")
    assert added == Change("added", "rule metastasectomy.unfit", "when fit = no then not_candidate", None,
                           "rule unfit: when fit = no then not_candidate")
    row = next(c for c in changes if c.subject == "table threshold row colorectal")
    assert (row.before, row.after) == ("colorectal   12 months", "colorectal   24 months")


def test_no_changes_when_only_layout_and_comments_differ() -> None:
    relaid = OLD.replace("rule too_many: when lesions > 5", "rule too_many:   when  lesions>5  # max\n   ").replace(
        "\n   then", " then")
    assert diff_modules(dsl.parse(OLD), dsl.parse(relaid.replace("when  lesions>5  # max\n    then",
                                                                  "when lesions > 5 then"))) == ()


def test_added_and_removed_conditions_are_quoted() -> None:
    old = HEAD.format(version="1.0.0", effective="2025-01-01") + (
        "input a: count\ninput b: yes/no\ndecision d: x | y\n  rule r: when a > 1 and b then x\n  otherwise y\n")
    new = old.replace("when a > 1 and b then", "when a > 1 and b and a < 9 then")
    assert [c.headline() for c in diff_modules(dsl.parse(old), dsl.parse(new), old, new)] == [
        "~ rule d.r: added condition `a < 9`"]
    assert [c.headline() for c in diff_modules(dsl.parse(new), dsl.parse(old), new, old)] == [
        "~ rule d.r: removed condition `a < 9`"]
    other = old.replace("when a > 1 and b then", "when a = 0 then")
    assert [c.headline() for c in diff_modules(dsl.parse(old), dsl.parse(other), old, other)] == [
        "~ rule d.r: condition `a > 1 and b` → `a = 0`"]


def test_value_changes_compares_shapes() -> None:
    def expr(text: str) -> dsl.ast.Expr:
        return dsl.parse(f"guideline a.b\n  version 1.0.0\ndefine d: {text}\n").defines[0].expr

    assert value_changes(expr("x > 12 months"), expr("x > 24 months")) == [("12 months", "24 months")]
    assert value_changes(expr("x <= -50%"), expr("x <= -30%")) == [("-50%", "-30%")]
    assert value_changes(expr("x in {a, b}"), expr("x in {a, b}")) == []
    assert value_changes(expr("x in {a, b}"), expr("x in {a, b, c}")) is None
    assert value_changes(expr("x > 1"), expr("y > 1")) is None


def test_a_renamed_reference_is_followed_to_its_threshold() -> None:
    core = dsl.parse("guideline core.dfi\n  version 1.0.0\ninput dfi: duration in months\n"
                     "define over_12: dfi > 12 months\ndefine over_24: dfi > 24 months\n")
    old_text = "guideline s.x\n  version 1.0.0\nuse core.dfi ^1.0\ndefine favourable: dfi.over_12\n"
    new_text = old_text.replace("over_12", "over_24").replace("1.0.0", "2.0.0")
    old, new = dsl.parse(old_text), dsl.parse(new_text)
    scope = {"dfi": Scope.of(core)}
    changes = diff_modules(old, new, old_text, new_text, Scope.of(old, dict(scope)), Scope.of(new, dict(scope)))
    assert [c.headline() for c in changes] == [
        "~ definition favourable: 12 months → 24 months (`dfi.over_12` → `dfi.over_24`)"]
    assert expand(new.defines[0].expr, Scope.of(new, dict(scope))) == core.defines[1].expr


def test_source_of_a_multi_line_rule_is_dedented() -> None:
    text = ("guideline a.b\n  version 1.0.0\ninput n: count\ndecision d: x | y\n"
            '  rule r: when n > 1 then x\n    because "Many."\n    cite k\n  otherwise y\n')
    rule = dsl.parse(text).decisions[0].rules[0]
    assert source_of(text, rule.span) == 'rule r: when n > 1 then x\n  because "Many."\n  cite k'


# ---------------------------------------------------------------- diff_versions on a knowledge base


def _kb(root: Path) -> Path:
    folder = root / "lung" / "metastasectomy"
    folder.mkdir(parents=True)
    (folder / "1.0.0.eligo").write_text(OLD, encoding="utf-8")
    (folder / "2.0.0.eligo").write_text(NEW, encoding="utf-8")
    cases = root / "cases" / "lung.metastasectomy"
    cases.mkdir(parents=True)
    (cases / "four_lesions.json").write_text(json.dumps(
        {"lesions": 4, "r0_feasible": True, "primary_site": "renal_cell", "interval": "30 months"}), encoding="utf-8")
    (cases / "one_lesion_unfit.json").write_text(json.dumps(
        {"lesions": 1, "r0_feasible": True, "primary_site": "sarcoma", "interval": "13 months", "fit": False}),
        encoding="utf-8")
    (cases / "no_interval.json").write_text(json.dumps(
        {"lesions": 2, "r0_feasible": True, "primary_site": "sarcoma"}), encoding="utf-8")
    (cases / "too_many_lesions.json").write_text(json.dumps(
        {"lesions": 40, "r0_feasible": True, "primary_site": "sarcoma", "interval": "13 months"}), encoding="utf-8")
    return root


def test_diff_versions_evaluates_examples_and_case_files_under_both_versions(tmp_path: Path) -> None:
    kb = eligo.load(_kb(tmp_path / "kb"))
    diff = diff_versions(kb, "lung.metastasectomy", "1.0.0", "2.0.0")
    assert isinstance(diff, GuidelineDiff)
    assert diff.cases_compared == 5  # the example (same givens in both versions, counted once) and four files
    assert [(c.case, c.before, c.after) for c in diff.case_changes] == [
        ('example "Two lesions" (1.0.0)', "candidate", "not_candidate"),
        ("case four_lesions.json", "candidate", "not_candidate"),
        ("case one_lesion_unfit.json", "candidate", "not_candidate"),
        ("case too_many_lesions.json", "not_candidate",
         "refused: lesions: 40 is above the declared range 0 to 30"),
    ]


def test_render_text_is_what_eligo_diff_prints(tmp_path: Path) -> None:
    kb = eligo.load(_kb(tmp_path / "kb"))
    text = diff_versions(kb, "lung.metastasectomy", "1.0.0", "2.0.0").render_text()
    assert text.splitlines()[:3] == ["lung.metastasectomy 1.0.0 → 2.0.0", "", "Changes (12):"]
    assert "  ~ table threshold row colorectal: 12 months → 24 months" in text.splitlines()
    assert text.endswith(
        "Cases not comparable (1 of 5; an answer waits for an input only one version reads, so it is not counted as "
        "a change):\n"
        "  case no_interval.json: metastasectomy not comparable: lacks fit, which 2.0.0 reads\n"  # unknown in both
        "\n"
        "Cases whose definitions change value (1 of 5; 1 not comparable, listed above):\n"
        '  example "Two lesions" (1.0.0): long_interval yes → no\n'
        "\n"
        "Cases whose decision changes (4 of 5; 1 not comparable, listed above):\n"
        '  example "Two lesions" (1.0.0): metastasectomy candidate → not_candidate\n'
        "  case four_lesions.json: metastasectomy candidate → not_candidate\n"
        "  case one_lesion_unfit.json: metastasectomy candidate → not_candidate\n"
        "  case too_many_lesions.json: metastasectomy not_candidate → refused: lesions: 40 is above the declared "
        "range 0 to 30")


def test_unknown_versions_are_refused_by_name(tmp_path: Path) -> None:
    kb = eligo.load(_kb(tmp_path / "kb"))
    with pytest.raises(LookupError, match=r"lung.metastasectomy has no version 3.0.0; it has 1.0.0, 2.0.0"):
        diff_versions(kb, "lung.metastasectomy", "1.0.0", "3.0.0")


def test_the_shipped_sarcoma_guideline_reports_its_threshold_change() -> None:
    kb = eligo.load(Path(__file__).resolve().parents[1] / "knowledge")
    diff = diff_versions(kb, "sarcoma.pulmonary_metastasectomy", "1.0.0", "2.0.0")
    assert any("12 months → 24 months" in c.detail for c in diff.changes)
    assert diff.case_changes, "examples around the threshold change decision"


DEFINITIONS_ONLY = """\
guideline core.thresholds
  version {version}
  status approved
  effective 2025-01-01

input interval: duration in months

define threshold: {threshold} months
define long_interval: interval > threshold

example "Eighteen months":
  given interval 18 months
  expect long_interval = {expected}
"""


def test_a_definitions_only_module_reports_the_values_that_change(tmp_path: Path) -> None:
    root = tmp_path / "kb"
    for version, threshold, expected in (("1.0.0", 12, "yes"), ("2.0.0", 24, "no")):
        path = root / "core" / "thresholds" / f"{version}.eligo"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(DEFINITIONS_ONLY.format(version=version, threshold=threshold, expected=expected),
                        encoding="utf-8")
    cases = root / "cases" / "core.thresholds"
    cases.mkdir(parents=True)
    (cases / "thirty_months.json").write_text(json.dumps({"interval": "30 months"}), encoding="utf-8")
    diff = diff_versions(eligo.load(root), "core.thresholds", "1.0.0", "2.0.0")
    assert diff.case_changes == ()
    assert [(c.case, c.decision, c.before, c.after) for c in diff.value_changes] == [
        ('example "Eighteen months" (1.0.0)', "threshold", "12 months", "24 months"),
        ('example "Eighteen months" (1.0.0)', "long_interval", "yes", "no"),
        ("case thirty_months.json", "threshold", "12 months", "24 months"),
    ]
    text = diff.render_text()
    assert "Cases whose definitions change value (2 of 2):\n" in text
    assert '  example "Eighteen months" (1.0.0): long_interval yes → no\n' in text
    assert text.endswith("No decision is declared by both versions; only definitions are compared.")
    assert "No decision changes" not in text  # a definitions-only module has no decision to say that of
