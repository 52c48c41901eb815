"""Seeded faults: each faulty guideline is caught with its diagnostic, and its counterexample,
evaluated again here, really shows the fault."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

import eligo
from eligo.verify import Finding, VerifyReport, verify_guideline

FAULTY = Path(__file__).parent / "fixtures" / "faulty"


@cache
def load(name: str) -> tuple[eligo.Guideline, VerifyReport]:
    kb = eligo.load(FAULTY / name)
    guideline = kb.guideline(f"faulty.{name}", allow_draft=True)
    return guideline, verify_guideline(guideline)


def only(report: VerifyReport, code: str) -> Finding:
    found = [f for f in report.findings if f.diagnostic.code == code]
    assert len(found) == 1, [f.diagnostic.headline() for f in report.findings]
    return found[0]


def at(finding: Finding) -> str:
    span = finding.diagnostic.span
    return f"{Path(span.path).name}:{span.line}:{span.column}"


@pytest.mark.parametrize(("name", "codes"), [
    ("gap", ["V201"]),
    ("gap_response", ["V201"]),
    ("overlap", ["V202"]),
    ("dead_rule", ["V203"]),
    ("masked_rule", ["V204"]),
    ("none_test", ["V207"]),
    ("needless_unknown", ["V208", "V215"]),
    ("non_monotone", ["V209"]),
    ("depends", ["V210"]),
    ("implication", ["V211"]),
    ("dead_row", ["V213"]),
])
def test_each_seeded_fault_is_caught_and_nothing_else(name: str, codes: list[str]) -> None:
    _, report = load(name)
    assert sorted(f.diagnostic.code for f in report.findings) == codes
    assert not report.ok
    failed = [p.id for p in report.properties if p.status == "failed"]
    assert failed and all(f.property_id in failed for f in report.findings if f.diagnostic.is_error)


def test_gap_counterexample_matches_no_rule() -> None:
    g, report = load("gap")
    finding = only(report, "V201")
    assert at(finding) == "1.0.0.eligo:9:1"
    assert finding.diagnostic.message == ("decision `resection` has a gap: no rule applies to this patient and there "
                                          "is no `otherwise`")
    assert finding.case == {"liver_lesions": 4}
    assert finding.given == "liver_lesions 4"
    assert g.evaluate(finding.case)["resection"].status == "unmatched"
    assert "resection: no rule applies and there is no `otherwise`" in finding.explanation
    totality = next(p for p in report.properties if p.id == "totality:resection")
    assert totality.status == "failed"


def test_gap_found_by_generated_cases_is_shrunk() -> None:
    g, report = load("gap_response")
    finding = only(report, "V201")
    assert finding.case is not None
    assert finding.case["lesions_at_diagnosis"] == finding.case["lesions_after_chemotherapy"]
    assert finding.case == {"lesions_at_diagnosis": 0, "lesions_after_chemotherapy": 0}  # hypothesis shrinks to 0
    assert g.evaluate(finding.case)["resection"].status == "unmatched"


def test_overlap_counterexample_satisfies_both_rules() -> None:
    g, report = load("overlap")
    finding = only(report, "V202")
    assert at(finding) == "1.0.0.eligo:13:3"
    assert finding.diagnostic.message == ("rules `few_small` and `some` of unique decision `resection` both apply to "
                                          "this patient")
    assert finding.case == {"liver_lesions": 3, "largest_lesion": "1 mm"}
    result = g.evaluate(finding.case)["resection"]
    assert result.status == "conflict"
    assert result.conflicting == ("few_small", "some")


def test_dead_rule_names_its_unsatisfiable_condition() -> None:
    _, report = load("dead_rule")
    finding = only(report, "V203")
    assert at(finding) == "1.0.0.eligo:11:3"
    assert finding.diagnostic.message == ("rule `contradictory` of `resection` never applies: no patient satisfies "
                                          "`liver_lesions > 8 and liver_lesions < 6`")
    assert finding.case is None  # no patient exists
    statuses = {p.id: p.status for p in report.properties}
    assert statuses["rules-apply:resection"] == "failed"
    assert statuses["examples:resection"] == "failed"  # the rule is unreachable, but no V212 repeats it


def test_masked_rule_counterexample_is_decided_by_the_earlier_rule() -> None:
    g, report = load("masked_rule")
    finding = only(report, "V204")
    assert finding.diagnostic.message == ("rule `very_many` of `resection` never decides: whenever it applies, rule "
                                          "`many` (listed before it) applies first")
    assert finding.case == {"liver_lesions": 11}
    assert finding.case["liver_lesions"] > 10  # the masked rule's condition holds
    assert g.evaluate(finding.case)["resection"].rule == "many"


def test_dead_table_row() -> None:
    _, report = load("dead_row")
    finding = only(report, "V213")
    assert at(finding) == "1.0.0.eligo:17:3"
    assert finding.diagnostic.message == ("row `R0, effective_therapy` of table `consequence_of` is never used: the "
                                          "row on line 15 matches first for every key it covers")


def test_non_monotone_threshold_pair_really_decreases() -> None:
    g, report = load("non_monotone")
    finding = only(report, "V209")
    assert at(finding) == "1.0.0.eligo:30:1"
    assert finding.diagnostic.message.startswith(
        'property "A longer disease-free interval never lowers the recommendation" fails: `metastasectomy` decreases '
        "from candidate to discuss_at_tumour_board as `disease_free_interval` increases from ")
    assert finding.case is not None and finding.other is not None
    before, after = g.evaluate(finding.case), g.evaluate(finding.other)
    dfi_before = before.values["disease_free_interval"]
    dfi_after = after.values["disease_free_interval"]
    assert isinstance(dfi_before, float) and isinstance(dfi_after, float)
    assert dfi_after > dfi_before
    assert dfi_before <= 24 < dfi_after  # the seeded threshold
    order = g.program.decisions[0].outcomes
    assert order.index(after["metastasectomy"].value) > order.index(before["metastasectomy"].value)
    assert "and once changed:" in finding.explanation


def test_dependence_counterexample_differs_only_in_the_salvage_date() -> None:
    g, report = load("depends")
    finding = only(report, "V210")
    assert finding.case is not None and finding.other is not None
    changed = {k for k in finding.case.keys() | finding.other.keys() if finding.case.get(k) != finding.other.get(k)}
    assert changed == {"salvage_surgery_date"}
    first = g.evaluate(finding.case).values["disease_free_survival"]
    second = g.evaluate(finding.other).values["disease_free_survival"]
    assert first != second


def test_implication_counterexample_meets_the_condition_and_not_the_outcome() -> None:
    g, report = load("implication")
    finding = only(report, "V211")
    assert finding.diagnostic.message == ('property "No R0, no metastasectomy" fails: the condition holds but '
                                          "`metastasectomy` is discuss_at_tumour_board, not not_candidate")
    assert finding.case == {"liver_lesions": 3, "r0_resection_feasible": False}
    result = g.evaluate(finding.case)["metastasectomy"]
    assert result.status == "decided" and result.value == "discuss_at_tumour_board"


def test_decided_outcome_that_changes_when_data_arrives() -> None:
    g, report = load("none_test")
    finding = only(report, "V207")
    assert finding.diagnostic.message == ("decision `metastasectomy` is discuss_at_tumour_board while `primary_site` "
                                          "is missing, but not_candidate once it is given")
    assert finding.case == {} and finding.other == {"primary_site": "pancreas"}
    before, after = g.evaluate(finding.case)["metastasectomy"], g.evaluate(finding.other)["metastasectomy"]
    assert (before.status, before.value) == ("decided", "discuss_at_tumour_board")
    assert (after.status, after.value) == ("decided", "not_candidate")


def test_unknown_that_no_value_could_change() -> None:
    g, report = load("needless_unknown")
    finding = only(report, "V208")
    assert finding.diagnostic.message == ("decision `metastasectomy` is unknown for want of `liver_lesions`, but it "
                                          "gives not_candidate whatever their values")
    assert finding.case == {}
    result = g.evaluate(finding.case)["metastasectomy"]
    assert result.status == "unknown" and result.missing == ("liver_lesions",)
    assert {g.evaluate({"liver_lesions": n})["metastasectomy"].value for n in range(0, 101)} == {"not_candidate"}
    warning = only(report, "V215")
    assert not warning.diagnostic.is_error
