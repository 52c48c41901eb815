"""The trace Steps the traced evaluator makes as it runs (per-site makers and memos, eligo.compiled.trace) are those
the construction they replaced gives: each site recording (site, value, operands), every Step then made with
`Step(...)` from its site, never reused. Compared on generated cases of every knowledge-base guideline and of the
test guideline that has every kind of expression, with memos warmed, full and fresh."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eligo
from eligo.compiled import trace
from eligo.compiled.result import Step
from eligo.python.evaluator import compile_source
from eligo.python.traced import TracedCodeGenerator
from tests.cohorts import EVERYTHING, EVERYTHING_SOURCE, kb, knowledge_guidelines, rows
from tests.eligo_helpers import guideline

GUIDELINES = [EVERYTHING, *knowledge_guidelines()]


class RecordingCodeGenerator(TracedCodeGenerator):
    """The traced evaluator as it was written before: each site appends `(site, value, operands)`."""

    def site(self, kind: str, *args: Any, **kwargs: Any) -> tuple[str, str]:
        super().site(kind, *args, **kwargs)
        return str(len(self.sites) - 1), ""

    def append(self, names: tuple[str, str], key: str, out: str, operands: tuple[str, ...]) -> None:
        self.emit(f"_a(({names[0]}, {out}, ({', '.join(operands)}{',' * bool(operands)})))")


def _reference(g: eligo.Guideline) -> Any:
    """A function of a prepared case giving its trace as the records made into Steps by the dataclass."""
    generator = RecordingCodeGenerator(g.program)
    evaluate = compile_source(generator.write(), generator.consts, g.id, "evaluate")
    sites = generator.sites

    def steps(prepared: dict[str, Any]) -> tuple[tuple[Step, ...], dict[str, object]]:
        records: list[tuple[int, object, tuple[object, ...]]] = []
        _, values = evaluate(prepared, records)
        made = tuple(Step(sites[i].kind, sites[i].origin.text, sites[i].origin.span, value, operands,  # type: ignore[arg-type]
                          sites[i].decision, sites[i].rule, sites[i].units) for i, value, operands in records)
        return made, {g.program.value_name(n): values[n.key] for n in g.program.definitions}
    return steps


REFERENCES = {id(g): _reference(g) for g in GUIDELINES}


def _same(g: eligo.Guideline, row: dict[str, Any], reference: Any) -> None:
    prepared = g.prepare({k: v for k, v in row.items() if v is not None})
    expected, values = reference(prepared)
    result = g.evaluate_prepared(prepared, trace=True)
    got = result.trace
    assert isinstance(got, tuple) and all(type(s) is Step for s in got), row
    assert got == expected, row
    assert [s.units for s in got] == [s.units for s in expected], row  # not compared by Step's __eq__
    assert [s.to_json() for s in got] == [s.to_json() for s in expected], row
    assert result.values == values and list(result.values) == list(values), row
    assert set(result.unknown_values) == {name for name, value in values.items() if value is None}, row
    assert result.explain() == g.evaluate(row).explain(), row  # deferred: replayed with a trace when read


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_steps_are_those_the_records_make_on_every_guideline(data: st.DataObject) -> None:
    for g in GUIDELINES:
        for row in data.draw(st.lists(rows(g), min_size=1, max_size=8), label=g.id):
            _same(g, row, REFERENCES[id(g)])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(rows(EVERYTHING), min_size=1, max_size=20))
def test_a_guideline_that_never_traced_a_case_makes_the_same_steps(cohort: list[dict[str, Any]]) -> None:
    fresh = kb(EVERYTHING_SOURCE).guideline("test.g")
    reference = _reference(fresh)
    for row in cohort:
        _same(fresh, row, reference)


def test_a_full_memo_keeps_its_steps_and_later_keys_get_new_ones() -> None:
    counted = guideline("""
        input n: count from 0 to 1000
        define small: n <= 500
        decision d: a | b
          rule r: when small then a
          otherwise b
    """)
    reference = _reference(counted)
    first = [counted.evaluate_prepared({"n": n}, trace=True).trace[0] for n in range(trace.MEMO_STEPS + 50)]
    again = [counted.evaluate_prepared({"n": n}, trace=True).trace[0] for n in range(trace.MEMO_STEPS + 50)]
    kept = trace.MEMO_STEPS
    assert all(a is b for a, b in zip(first[:kept], again[:kept], strict=True))  # reused from the memo
    assert not any(a is b for a, b in zip(first[kept:], again[kept:], strict=True))  # the memo is full: made anew
    assert again == first and [s.operands for s in first] == [(n, 500) for n in range(kept + 50)]
    for n in (0, 3, 499, 500, 501, 1000):
        _same(counted, {"n": n}, reference)
