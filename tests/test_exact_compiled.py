"""The compiled exact answer (eligo.compiled.diagram) is the runtime refinement's (eligo.compiled.exact), field for
field: on generated cases with missing values that three values leave unknown, every decision that compiles gives
the same value, status, rule, possible, missing and exact flag as refining the case at run time, for every
guideline in knowledge/, in the test fixtures' knowledge bases, the exact-unknowns test guidelines, the benchmark
workload and a guideline of the constructs the diagram must get right (what observes the data, open questions,
unique conflicts, unmatched cases, tables, a decision reading another). A guideline evaluated often enough
switches to its diagrams and answers as before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import eligo
from eligo.compiled import diagram
from eligo.ir import outcome
from tests.cohorts import EVERYTHING, guidelines_with_decisions, knowledge_guidelines, rows, sample
from tests.eligo_helpers import guideline as compile_text
from tests.test_exact import ARITHMETIC, SCORE

ROOT = Path(__file__).resolve().parent.parent

CONSTRUCTS_SOURCE = """
    kind stage: early | late | metastatic

    input age: count from 18 to 100, optional
    input stage: stage, optional
    input fit: yes/no, optional
    input marker: quantity in ng/mL from 0 to 1000, optional
    input backup: quantity in ng/mL from 0 to 1000, optional
    input seen: date, optional
    input a: yes/no, optional
    input b: yes/no, optional
    input c: yes/no, optional
    input lesions: count from 0 to 12, optional

    table limit by stage -> count
      early        80
      late         70
      otherwise    none

    table band by stage, fit -> count
      early, any      3
      late, yes       2
      otherwise       1

    define level: first known of (marker, backup)
    define points: (if a then 1 else 0) + (if b then 1 else 0) + (if c then 1 else 0)
    define few: lesions * 2 <= band[stage, fit] * 2

    decision triage: urgent > routine > defer, first match
      rule no_marker: when marker is missing and backup is missing and stage != metastatic then defer
      rule high: when level >= 100 ng/mL and fit then urgent
      rule old: when age > limit[stage] then open because "The committee has not settled the oldest patients."
      rule score: when points >= 2 and seen < 2024-06-01 then urgent
      rule young: when age between 18 and 40 or (few and lesions is known) then routine

    decision check: pass | fail | review, unique
      rule p: when fit and stage = early then pass
      rule f: when not fit or stage = late then fail
      rule r: when points >= 3 then review

    decision follow: yes_ | no_, first match
      rule y: when triage = urgent or check = review then yes_
      rule n: when age in {20, 30, 40} then no_
"""
CONSTRUCTS = compile_text(CONSTRUCTS_SOURCE)


def _workload() -> eligo.Guideline:
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from engines import WORKLOAD, compile_workload
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    return compile_workload(WORKLOAD.read_text())


def _fixture_guidelines() -> list[eligo.Guideline]:
    """Every guideline version with decisions in the test fixtures' knowledge bases."""
    folders = [ROOT / "tests" / "fixtures" / "kb", *sorted((ROOT / "tests" / "fixtures" / "faulty").iterdir())]
    return [g for folder in folders for g in guidelines_with_decisions(folder)]


GUIDELINES = [CONSTRUCTS, _workload(), SCORE, EVERYTHING, ARITHMETIC, *knowledge_guidelines(), *_fixture_guidelines()]


def _case(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if v is not None}


def _agree(g: eligo.Guideline, compiled: dict[str, diagram.Compiled | None], prepared: dict[str, Any]) -> int:
    """Check every compiled decision of `prepared` that three values leave unknown; how many were answered."""
    raw = g.code.fast(prepared)
    canonical = {**{name: None for name in g.inputs}, **prepared}  # as `evaluate` hands a validated case on
    answered = 0
    for index, decision in enumerate(g.program.decisions):
        found = compiled.get(decision.key)
        if found is None or raw[index][1] != outcome.UNKNOWN:
            continue
        runtime = g._decision_result(decision, raw[index], prepared, True, False)  # the runtime's
        got = found.find(prepared)
        assert found.find(canonical) is got, (decision.name, prepared)
        if got is None:  # a cell whose refinement would try too many completions: the runtime answers it
            continue
        answered += 1
        assert (got, got.exact) == (runtime, runtime.exact), (g.id, decision.name, prepared, got, runtime)
    return answered


@pytest.mark.parametrize("g", GUIDELINES, ids=lambda g: f"{g.id}@{g.version}")
def test_compiled_answers_are_the_runtime_refinements(g: eligo.Guideline) -> None:
    compiled = {d.key: diagram.build(g, d) for d in g.program.decisions}
    if not any(compiled.values()):
        pytest.skip("no decision of this guideline compiles (relative or opaque inputs, or too large)")

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(rows(g, missing=0.35))
    def check(row: dict[str, Any]) -> None:
        _agree(g, compiled, g.prepare(_case(row)))

    check()
    for row in sample(g, 150):
        _agree(g, compiled, g.prepare(_case(row)))


def test_the_constructs_and_the_workload_compile_and_the_date_pairs_do_not() -> None:
    triage, check, follow = CONSTRUCTS.program.decisions
    assert diagram.build(CONSTRUCTS, triage) is not None and diagram.build(CONSTRUCTS, check) is not None
    assert diagram.build(CONSTRUCTS, follow) is None  # reads both: a diagram beyond MAX_STEPS
    workload = GUIDELINES[1]
    assert diagram.build(workload, workload.program.decisions[0]) is not None
    answered = [_agree(g, {d.key: diagram.build(g, d) for d in g.program.decisions}, g.prepare(_case(row)))
                for g in (CONSTRUCTS, workload) for row in sample(g, 200)]
    assert sum(answered) > 100, "the diagrams answer the unknown cases of the seeded samples"
    relative = next(d for d in ARITHMETIC.program.decisions if d.name == "d")  # arithmetic between inputs
    assert diagram.build(ARITHMETIC, relative) is None
    collect = next(d for d in EVERYTHING.program.decisions if d.name == "d_collect")
    assert diagram.build(EVERYTHING, collect) is None


def test_a_guideline_switches_to_its_diagrams_after_enough_unknown_cases_and_answers_alike() -> None:
    g = compile_text(CONSTRUCTS_SOURCE)  # fresh: nothing built yet; the first cases are refined at run time
    reference = compile_text(CONSTRUCTS_SOURCE)
    for row in sample(g, 600):
        prepared = g.prepare(_case(row))
        got = g.evaluate_prepared(prepared).decisions
        canonical = g.evaluate({**{name: None for name in g.inputs}, **row}, trace=False).decisions
        raw = reference.code.fast(prepared)
        for index, decision in zip(reference._own_indices, reference._own, strict=True):
            want = reference._decision_result(decision, raw[index], prepared, True, False)  # the runtime's
            assert got[decision.name] == want == canonical[decision.name], (decision.name, prepared)
    assert [g._finders.get(d.key) is diagram.runtime for d in g._own] == [False, False, True], g._finders.seen
    assert not reference._finders


def test_compile_unknowns_builds_every_diagram_at_once_and_answers_alike() -> None:
    g, reference = compile_text(CONSTRUCTS_SOURCE), compile_text(CONSTRUCTS_SOURCE)
    built = g.compile_unknowns()
    assert built == {d.name: g._finders[d.key] is not diagram.runtime for d in g._own}
    assert list(built.values()) == [True, True, False]  # as the switch above finds after enough cases
    assert g.compile_unknowns() == built  # built once
    for row in sample(g, 200):
        prepared = g.prepare(_case(row))
        raw = reference.code.fast(prepared)
        got = g.evaluate_prepared(prepared).decisions
        for index, decision in zip(reference._own_indices, reference._own, strict=True):
            assert got[decision.name] == reference._decision_result(decision, raw[index], prepared, True, False)
    assert not reference._finders
