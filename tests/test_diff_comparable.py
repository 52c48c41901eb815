"""`eligo diff` across a change of input set: answers that wait for an input only one version reads are reported as
not comparable, never as changes; inputs gained or lost through a changed `use` are listed with their module."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import eligo
from eligo.cli.main import app
from eligo.tools.diff import diff_versions

HEAD = "guideline {id}\n  version {version}\n  status approved\n  effective 2025-01-01\n"

BURDEN_1 = HEAD.format(id="core.burden", version="1.0.0") + """
input lesion_count: count "Metastatic lesions on imaging"

define few: lesion_count <= 3
"""

BURDEN_2 = HEAD.format(id="core.burden", version="2.0.0") + """
record lesion:
  treatable: yes/no "Amenable to local treatment"

input lesions: list of lesion "Every metastatic lesion on imaging"

define few: count(lesions) <= 3
"""

SURGERY = HEAD.format(id="site.surgery", version="{version}") + """
use core.burden ^{burden} as burden

input fit: yes/no
{ecog}
decision surgery: candidate > not_candidate, first match
  rule unfit: when not fit then not_candidate
{poor}  rule many: when not burden.few then not_candidate
  otherwise candidate
"""

CASES = {
    # gives the count 1.0.0 reads and lacks the list 2.0.0 reads in its place: not comparable
    "counts": {"lesion_count": 2, "fit": True, "ecog": 1},
    # decided by a rule over an input both read: comparable, unchanged
    "unfit": {"fit": False, "lesion_count": 9},
    # 2.0.0 dropped the ECOG criterion: it decides without it, a real change
    "poor_ecog": {"lesions": [{"treatable": True}], "lesion_count": 1, "fit": True, "ecog": 3},
    # lacks an input both versions read: unknown in both, comparable
    "fitness_not_assessed": {"lesion_count": 2, "lesions": [{"treatable": True}], "ecog": 1},
    # lacks what each version reads alone
    "nothing_recorded": {"fit": True, "lesion_count": None},
}


def _kb(root: Path) -> Path:
    for module, version, text in (
            ("core/burden", "1.0.0", BURDEN_1), ("core/burden", "2.0.0", BURDEN_2),
            ("site/surgery", "1.0.0", SURGERY.format(version="1.0.0", burden="1.0", ecog="input ecog: count from 0 to 4\n",
                                                     poor="  rule poor: when ecog > 2 then not_candidate\n")),
            ("site/surgery", "2.0.0", SURGERY.format(version="2.0.0", burden="2.0", ecog="", poor=""))):
        path = root / module / f"{version}.eligo"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    cases = root / "cases" / "site.surgery"
    cases.mkdir(parents=True)
    for name, case in CASES.items():
        (cases / f"{name}.json").write_text(json.dumps(case), encoding="utf-8")
    return root


def test_an_answer_waiting_for_an_input_only_one_version_reads_is_not_comparable(tmp_path: Path) -> None:
    diff = diff_versions(eligo.load(_kb(tmp_path / "kb")), "site.surgery", "1.0.0", "2.0.0")
    assert diff.cases_compared == 5 and diff.cases_not_comparable == 2
    assert [(n.case, n.decisions, n.reason, n.gives, n.lacks) for n in diff.not_comparable] == [
        ("case counts.json", ("surgery",),
         "gives lesion_count, ecog, which 2.0.0 does not read; lacks lesions, which it reads",
         ("lesion_count", "ecog"), ("lesions",)),
        ("case nothing_recorded.json", ("surgery",),
         "lacks lesions, which 2.0.0 reads; lacks lesion_count, ecog, which 1.0.0 reads",
         (), ("lesion_count", "ecog", "lesions")),
    ]
    # the dropped criterion is a change; the case without fitness is unknown in both and unchanged
    assert [(c.case, c.before, c.after) for c in diff.case_changes] == [
        ("case poor_ecog.json", "not_candidate", "candidate")]


def test_inputs_gained_and_lost_through_a_changed_use_are_listed_with_their_module(tmp_path: Path) -> None:
    diff = diff_versions(eligo.load(_kb(tmp_path / "kb")), "site.surgery", "1.0.0", "2.0.0")
    assert [c.headline() for c in diff.changes][:5] == [
        "~ use core.burden: version ^1.0 → ^2.0",
        "- input ecog: count from 0 to 4",
        "- input lesion_count: from core.burden 1.0.0 (count)",
        "+ input lesions: from core.burden 2.0.0 (list of lesion)",
        "- rule surgery.poor: when ecog > 2 then not_candidate",
    ]


def test_the_text_reports_not_comparable_cases_apart_and_counts_them(tmp_path: Path) -> None:
    text = diff_versions(eligo.load(_kb(tmp_path / "kb")), "site.surgery", "1.0.0", "2.0.0").render_text()
    assert text.split("\n\n")[-2:] == [
        "Cases not comparable (2 of 5; an answer waits for an input only one version reads, so it is not counted as "
        "a change):\n"
        "  case counts.json: surgery not comparable: gives lesion_count, ecog, which 2.0.0 does not read; "
        "lacks lesions, which it reads\n"
        "  case nothing_recorded.json: surgery not comparable: lacks lesions, which 2.0.0 reads; "
        "lacks lesion_count, ecog, which 1.0.0 reads",
        "Cases whose decision changes (1 of 5; 2 not comparable, listed above):\n"
        "  case poor_ecog.json: surgery not_candidate → candidate",
    ]


def test_json_keeps_its_fields_and_adds_the_not_comparable_ones(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["diff", "site.surgery", "1.0.0", "2.0.0", "--kb", str(_kb(tmp_path / "kb")),
                                      "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == ["id", "old_version", "new_version", "changes", "case_changes", "cases_compared",
                          "value_changes", "open_questions", "not_comparable", "cases_not_comparable",
                          "decisions_compared"]
    assert data["case_changes"] == [{"case": "case poor_ecog.json", "decision": "surgery",
                                     "before": "not_candidate", "after": "candidate"}]
    assert data["not_comparable"][0] == {
        "case": "case counts.json", "decisions": ["surgery"], "definitions": [],
        "reason": "gives lesion_count, ecog, which 2.0.0 does not read; lacks lesions, which it reads",
        "gives": ["lesion_count", "ecog"], "lacks": ["lesions"]}
    assert (data["cases_compared"], data["cases_not_comparable"], data["decisions_compared"]) == (5, 2, ["surgery"])


def test_a_definitions_only_module_reports_definitions_not_comparable_and_no_decision_line(tmp_path: Path) -> None:
    root = _kb(tmp_path / "kb")
    cases = root / "cases" / "core.burden"
    cases.mkdir()
    (cases / "two.json").write_text(json.dumps({"lesion_count": 2}), encoding="utf-8")
    diff = diff_versions(eligo.load(root), "core.burden", "1.0.0", "2.0.0")
    assert [(n.case, n.decisions, n.definitions, n.reason) for n in diff.not_comparable] == [
        ("case two.json", (), ("few",), "gives lesion_count, which 2.0.0 does not read; lacks lesions, which it reads")]
    assert diff.value_changes == ()
    assert diff.render_text().endswith(
        "No decision is declared by both versions; only definitions are compared, and none changes value in the 1 "
        "cases (1 not comparable, listed above).")
    assert "No decision changes" not in diff.render_text()


def test_the_shipped_colorectal_move_to_the_lesion_list_reports_no_change_to_unknown() -> None:
    kb = eligo.load(Path(__file__).resolve().parents[1] / "knowledge")
    diff = diff_versions(kb, "colorectal.liver_metastasectomy", "1.0.0", "2.0.0")
    assert not [c for c in diff.case_changes if c.after.startswith("unknown") or c.before.startswith("unknown")]
    assert diff.cases_not_comparable == len(diff.not_comparable) > 30
    first = next(n for n in diff.not_comparable if n.case.startswith('example "Exactly five lesions') and "1.0.0" in n.case)
    assert first.reason == ("gives metastatic_lesions, metastatic_organs, all_disease_locally_treatable, which 2.0.0 "
                            "does not read; lacks lesions, which it reads")
    assert "+ input lesions: from core.oligometastatic 2.0.0 (list of lesion)" in [c.headline() for c in diff.changes]


def test_diff_help_says_what_not_comparable_means() -> None:
    result = CliRunner().invoke(app, ["diff", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "not comparable" in text and "only that version reads" in text and "cases_not_comparable" in text
