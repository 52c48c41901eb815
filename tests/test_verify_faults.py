"""Seeded faults: each faulty guideline is caught with its diagnostic, and its counterexample,
evaluated again here, really shows the fault."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import pytest

import eligo
from eligo.verify import Finding, VerifyReport, verify_guideline
from tests.eligo_helpers import guideline

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
    ("needless_unknown", ["V208"]),
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


def test_an_outcome_is_never_decided_by_data_that_has_not_arrived() -> None:
    """The seeded fault of the first verifier (`is none` of a threshold not looked up answered "no", so the decision
    was made before the site arrived, V207) cannot happen any more: `is none` of an unknown value is unknown, and
    every completion is tried. Nothing for verify to find; the answer is exact."""
    g, report = load("none_test")
    assert [f.diagnostic.code for f in report.findings] == []
    before = g.evaluate({})["metastasectomy"]
    assert (before.status, before.possible, before.missing) == \
        ("unknown", ("discuss_at_tumour_board", "not_candidate"), ("primary_site",))
    after = g.evaluate({"primary_site": "pancreas"})["metastasectomy"]
    assert (after.status, after.value) == ("decided", "not_candidate")


def test_unknown_that_no_value_could_change() -> None:
    g, report = load("needless_unknown")
    finding = only(report, "V208")
    assert finding.diagnostic.message.startswith(
        "decision `metastasectomy` is unknown for want of `treatment_completed` and `recurrence_detected`, but they "
        "give not_candidate in every one of ")  # the interval measured two ways: no exact sweep, fillings tried
    assert finding.case == {}
    result = g.evaluate(finding.case)["metastasectomy"]
    assert result.status == "unknown" and not result.exact
    assert result.missing == ("treatment_completed", "recurrence_detected")
    start = dt.date(2024, 1, 10)
    days = (0, 1, 30, 300, 365, 366, 1000, 5000)
    assert {g.evaluate({"treatment_completed": start.isoformat(),
                        "recurrence_detected": (start + dt.timedelta(days=d)).isoformat()})["metastasectomy"].value
            for d in days} == {"not_candidate"}
    # one date recorded: the other is cut where each measure crosses its threshold, and every cut decides
    assert g.evaluate({"treatment_completed": start.isoformat()})["metastasectomy"].value == "not_candidate"


def test_a_needless_unknown_over_the_time_between_two_missing_dates_is_decided_exactly() -> None:
    """The previous seeded fault of this kind (`dfi <= 12 months or dfi > 12 months`, both dates missing) is decided
    now: the two dates are read only as the time between them, which is split on its own classes."""
    g = guideline("""
        input treatment_completed: date, optional
        input recurrence_detected: date, optional
        define dfi: months between treatment_completed and recurrence_detected
        decision metastasectomy: candidate > not_candidate, first match
          rule any_interval: when dfi <= 12 months or dfi > 12 months then not_candidate
          otherwise candidate
        decision long_interval: yes_ | no_
          rule long: when dfi > 24 months then yes_
          otherwise no_
    """)
    result = g.evaluate({})
    assert (result["metastasectomy"].status, result["metastasectomy"].value) == ("decided", "not_candidate")
    both = result["long_interval"]
    assert (both.status, both.possible, both.missing, both.exact) == \
        ("unknown", ("yes_", "no_"), ("treatment_completed", "recurrence_detected"), True)


def test_a_needless_unknown_over_classes_of_values_is_decided_exactly() -> None:
    """The first seeded fault of this kind (`liver_lesions <= 5 or liver_lesions > 5`, V208) is decided now: every
    completion of the count is tried, and all give not_candidate."""
    g = guideline("""
        input liver_lesions: count from 0 to 100, optional
        decision metastasectomy: candidate > not_candidate, first match
          rule any_count: when liver_lesions <= 5 or liver_lesions > 5 then not_candidate
          otherwise candidate
    """)
    result = g.evaluate({})["metastasectomy"]
    assert (result.status, result.value, result.missing) == ("decided", "not_candidate", ())

