"""The three-valued evaluator is written at compile and compiled by Python when first called: a case whose every
value read is known never compiles it, a case with an unknown value compiles it once and answers as before, and
the compiled cache keeps it compiled."""

from __future__ import annotations

import pickle

import pytest

from eligo.kb import cache
from eligo.python.evaluator import Deferred
from tests.eligo_helpers import guideline

BODY = """
    input lesions: count from 0 to 20, optional
    input r0: yes/no, optional
    decision resect: candidate | not_candidate
      rule few: when lesions <= 5 and r0 then candidate
      otherwise not_candidate
"""


def _fallbacks(g: object) -> list[object]:
    """What the fast and validating evaluators hand a case with an unknown value to."""
    code = g.code  # type: ignore[attr-defined]
    validating = code.validating({"resect": {}})
    return [code.fast.__globals__["fallback"], validating.__globals__["fallback"]]


def test_a_complete_case_never_compiles_the_three_valued_evaluator() -> None:
    g = guideline(BODY)
    assert g.evaluate({"lesions": 3, "r0": True})["resect"].value == "candidate"
    assert g.evaluate({"lesions": 9, "r0": True})["resect"].value == "not_candidate"
    deferred = g.code._deferred
    assert deferred.compiled is None and "three_valued" not in vars(g.code)
    assert all(f is deferred for f in _fallbacks(g))


def test_an_unknown_value_compiles_it_once_and_the_evaluators_then_call_it_directly() -> None:
    g = guideline(BODY)
    fallbacks = _fallbacks(g)
    assert all(isinstance(f, Deferred) for f in fallbacks)
    result = g.evaluate({"lesions": 3})  # r0 missing: unknown
    assert result["resect"].status == "unknown" and result["resect"].missing == ("r0",)
    compiled = g.code._deferred.compiled
    assert compiled is not None and g.code.three_valued is compiled
    assert _fallbacks(g)[0] is compiled  # the fast evaluator's namespace now names the function itself
    assert g.code.validating({"resect": {}}).__globals__["fallback"] is compiled  # and a new one's from the start
    assert g.evaluate({"lesions": 3})["resect"].missing == ("r0",)
    assert g.code._deferred.compiled is compiled


def test_it_answers_as_the_three_valued_evaluator_compiled_at_once() -> None:
    g = guideline(BODY)
    cases = [{}, {"lesions": 3}, {"r0": False}, {"lesions": 9}, {"lesions": 3, "r0": True}]
    before = [g.evaluate(dict(case)).to_json() for case in cases]
    again = guideline(BODY)
    _ = again.code.three_valued  # compiled before any evaluation
    assert [again.evaluate(dict(case)).to_json() for case in cases] == before


@pytest.mark.parametrize("called", [False, True])
def test_pickled_as_entries_are_it_keeps_what_was_compiled(called: bool) -> None:
    g = guideline(BODY)
    _ = g.code.fast
    if called:
        _ = g.code.three_valued
    read = pickle.loads(cache.dumps(g))
    assert (read.code._deferred.compiled is not None) is called
    assert read.evaluate({"lesions": 3})["resect"].missing == ("r0",)
    assert read.evaluate({"lesions": 3, "r0": True})["resect"].value == "candidate"


def test_an_entry_is_warmed_with_it_compiled() -> None:
    g = guideline(BODY)
    cache._warm(g)
    assert g.code._deferred.compiled is not None
    assert g.code.fast.__globals__["fallback"] is g.code._deferred.compiled
