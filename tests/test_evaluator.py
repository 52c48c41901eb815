"""The generated evaluator: Kleene logic, `none`, hit policies, unknown propagation, missing lists."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

import eligo
from eligo.python.runtime import months_between
from tests.eligo_helpers import guideline

TRUTH = (True, False, None)


def kleene_and(a: bool | None, b: bool | None) -> bool | None:
    if a is False or b is False:
        return False
    return None if a is None or b is None else True


def kleene_or(a: bool | None, b: bool | None) -> bool | None:
    if a is True or b is True:
        return True
    return None if a is None or b is None else False


LOGIC = guideline("""
    input a: yes/no, optional
    input b: yes/no, optional
    decision both: yes_ | no_
      rule r: when a and b then yes_
      rule s: when not (a and b) then no_
    decision either: yes_ | no_
      rule r: when a or b then yes_
      rule s: when not (a or b) then no_
""")


def _value(decision: object) -> bool | None:
    result = decision  # a DecisionResult
    if result.status != "decided":  # type: ignore[attr-defined]
        return None
    return result.value == "yes_"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("a", "b"), list(itertools.product(TRUTH, TRUTH)))
def test_kleene_truth_tables(a: bool | None, b: bool | None) -> None:
    case = {k: v for k, v in (("a", a), ("b", b)) if v is not None}
    result = LOGIC.evaluate(case)
    assert _value(result["both"]) == kleene_and(a, b)
    assert _value(result["either"]) == kleene_or(a, b)
    for name in ("both", "either"):
        decision = result[name]
        if decision.status == "unknown":
            assert decision.missing == tuple(k for k in ("a", "b") if case.get(k) is None)
        else:
            assert decision.missing == ()


COMPARISONS = guideline("""
    input n: count from 0 to 10, optional
    input site: site, optional
    kind site: lung | liver | bone
    table limit by site -> count
      lung     3
      liver    5
      otherwise none
    decision d: high > low
      rule over: when n > limit[site] then high
      otherwise low
""")


def test_comparison_with_unknown_is_unknown() -> None:
    result = COMPARISONS.evaluate({"site": "lung"})
    assert result["d"].status == "unknown"
    assert result["d"].missing == ("n",)
    assert result["d"].value is None


def test_none_compares_false_not_unknown() -> None:
    result = COMPARISONS.evaluate({"site": "bone", "n": 9})
    assert (result["d"].status, result["d"].value, result["d"].rule) == ("decided", "low", "otherwise")


def test_table_lookup_decides() -> None:
    assert COMPARISONS.evaluate({"site": "liver", "n": 6})["d"].value == "high"
    assert COMPARISONS.evaluate({"site": "liver", "n": 5})["d"].value == "low"


FIRST = guideline("""
    input x: yes/no, optional
    input y: yes/no, optional
    decision same: a > b
      rule one: when x then a
      rule two: when y then a
      otherwise b
    decision differ: a > b
      rule one: when x then b
      rule two: when y then a
      otherwise b
""")


def test_first_match_unknown_earlier_rule_with_same_outcome_is_decided() -> None:
    result = FIRST.evaluate({"y": True})
    assert (result["same"].status, result["same"].value, result["same"].rule) == ("decided", "a", "two")


def test_first_match_unknown_earlier_rule_with_other_outcome_is_unknown() -> None:
    result = FIRST.evaluate({"y": True})
    assert (result["differ"].status, result["differ"].value) == ("unknown", None)
    assert result["differ"].missing == ("x",)


def test_missing_data_never_becomes_false() -> None:
    result = FIRST.evaluate({})
    assert result["differ"].status == "unknown"
    assert result["differ"].missing == ("x", "y")


POLICIES = guideline("""
    input a: yes/no
    input b: yes/no
    input n: count from 0 to 10, optional
    decision u: p | q, unique
      rule pa: when a then p
      rule qb: when b and n > 0 then q
      otherwise p
    decision c: p | q | r, collect
      rule pa: when a then p
      rule qb: when b then q
    decision gap: p | q
      rule pa: when a then p
""")


def test_unique_conflict_is_reported_with_the_rules() -> None:
    result = POLICIES.evaluate({"a": True, "b": True, "n": 1})
    assert result["u"].status == "conflict"
    assert result["u"].conflicting == ("pa", "qb")


def test_collect_gathers_outcomes_in_declared_order() -> None:
    assert POLICIES.evaluate({"a": True, "b": True})["c"].value == ("p", "q")
    assert POLICIES.evaluate({"a": False, "b": True})["c"].value == ("q",)
    assert POLICIES.evaluate({"a": False, "b": False})["c"].value == ()


def test_collect_unknown_when_a_rule_could_add_an_outcome() -> None:
    result = POLICIES.evaluate({"b": True})
    assert (result["c"].status, result["c"].missing) == ("unknown", ("a",))


def test_no_rule_and_no_otherwise_is_unmatched() -> None:
    result = POLICIES.evaluate({"a": False, "b": False})
    assert (result["gap"].status, result["gap"].value) == ("unmatched", None)


MARKERS = guideline("""
    input ca19_9_change: percent from -100 to 1000, optional
    input ca125_change: percent from -100 to 1000, optional
    define marker_change: first known of (ca19_9_change, ca125_change)
    decision response: responder > non_responder
      rule fall: when marker_change <= -50% then responder because "A fall of half or more."
      otherwise non_responder
""")


def test_first_known_falls_back_for_lewis_negative_patients() -> None:
    assert MARKERS.evaluate({"ca125_change": -60})["response"].value == "responder"
    assert MARKERS.evaluate({"ca19_9_change": -10, "ca125_change": -60})["response"].value == "non_responder"
    assert MARKERS.evaluate({"ca19_9_change": "-50%"})["response"].value == "responder"
    unknown = MARKERS.evaluate({})["response"]
    # CA125 is read only where the data holds no CA19-9; with neither, CA19-9 is what would decide it
    assert (unknown.status, unknown.missing, unknown.exact) == ("unknown", ("ca19_9_change",), True)


def test_result_carries_because_and_trace() -> None:
    result = MARKERS.evaluate({"ca19_9_change": -70})
    assert result["response"].because == ("A fall of half or more.",)
    rule_steps = [s for s in result.trace if s.kind == "rule"]
    assert [(s.rule, s.value) for s in rule_steps] == [("fall", True)]
    conditions = [s for s in result.trace if s.kind == "condition"]
    assert conditions[0].operands == (-70, -50.0)
    assert conditions[0].span.line > 0 and "marker_change <= -50%" in conditions[0].text
    assert "response: responder (rule `fall`)" in result.explain()


def test_trace_is_empty_when_not_asked_for() -> None:
    assert MARKERS.evaluate({"ca19_9_change": -70}, trace=False).trace == ()


DATES = guideline("""
    input done: date
    input found: date, optional
    define dfi: months between done and found
    decision favourable: yes_ > no_
      rule long: when dfi > 12 months then yes_
      otherwise no_
""")


@pytest.mark.parametrize(("found", "expected"), [
    ("2025-01-10", "no_"),  # exactly 12 months: not greater
    ("2025-01-11", "yes_"),
    ("2025-01-09", "no_"),
    ("2026-01-10", "yes_"),
])
def test_dfi_boundary_uses_calendar_months(found: str, expected: str) -> None:
    result = DATES.evaluate({"done": "2024-01-10", "found": found})
    assert result["favourable"].value == expected


def test_months_between_is_exact_on_calendar_months() -> None:
    assert months_between(dt.date(2024, 1, 10), dt.date(2025, 1, 10)) == 12.0
    # one month after 31 January is the last day of February (end-of-month clamping)
    assert months_between(dt.date(2024, 1, 31), dt.date(2024, 2, 29)) == 1.0
    assert months_between(dt.date(2024, 1, 31), dt.date(2024, 2, 28)) == pytest.approx(28 / 30.4375)
    assert months_between(dt.date(2025, 7, 10), dt.date(2024, 1, 10)) == -18.0


def test_compiled_guideline_is_shareable_across_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    cases = [{"done": "2024-01-10", "found": f"2025-{m:02d}-10"} for m in range(1, 13)] * 20
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda c: DATES.evaluate(c)["favourable"].value, cases))
    assert results == [DATES.evaluate(c)["favourable"].value for c in cases]


def test_unique_rules_overlapping_on_literal_keys_are_refused_by_the_checker() -> None:
    from tests.eligo_helpers import kb, module

    base = kb(module("test.u", """
        input a: yes/no
        input b: yes/no
        decision u: p | q, unique
          rule pa: when a then p
          rule qb: when b then q
          otherwise p
    """))
    assert [(d.code, d.span.line, d.span.column) for d in base.check() if d.is_error] == [("E114", 10, 3)]


def test_a_failed_example_shows_a_quantity_in_the_unit_its_author_wrote() -> None:
    kb = eligo.KnowledgeBase.from_texts({"demo/u/1.0.0.eligo": (
        "guideline demo.u\n  version 1.0.0\n  status draft\n\n"
        "input size: quantity in cm from 0 to 20\ndefine doubled: size * 2\n\n"
        'example "Two centimetres doubled":\n  given size 2 cm\n  expect doubled = 5 cm\n')})
    (run,) = kb.guideline("demo.u", allow_draft=True).run_examples()
    assert run.problems == ("line 10: expected doubled = 5 cm, got 4 cm",)  # not "= 50, got 40" (in mm)
