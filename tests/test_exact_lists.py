"""Exact unknowns over partly known lists (eligo.ir.list_domains, eligo.compiled.list_states), against a brute-force
oracle that knows nothing of list states: it completes the list concretely, every unknown field of a known element
taking every value of its field (each value of a yes/no or a kind; for a number, a value in each class the
guideline's constants cut, written out here by hand), and an incomplete or missing list gaining every multiset of
up to N extra elements of every such element, then closed. The other missing inputs take their class
representatives (eligo.compiled.cuts, checked on their own by test_exact). `possible` is then the outcomes of those
completions, and `missing` the inputs for which two completions differing in that input alone give different
outcomes.

N is enough: a state of the list operations reached by some list is reached by a sub-multiset of at most
sum(cap of each count and distinct, 1 for each any, all, largest and smallest) of its extra elements (keep, per
count, up to its cap of the selected elements; per distinct, one element per value up to its cap; per any, all,
largest and smallest, the element that settles it; an element kept for none of them can be dropped without
changing any operation's saturated value). Each small guideline below states its N by that sum.

For the knowledge base and the list fixture (too many element classes for every multiset), random concrete
completions must give outcomes within `possible` and must not change when an input outside `missing` alone
changes, and every list completion the exact step uses is a genuine completion of the case's list.
"""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eligo
from eligo import ir
from eligo.compiled import cuts, list_states
from eligo.ir import outcome
from eligo.ir.lists import Records, unsettled
from eligo.ir.outcome import NO_OUTCOME, OPEN_OUTCOME
from tests.cohorts import knowledge_guidelines, rows
from tests.eligo_helpers import guideline as compile_text
from tests.eligo_helpers import kb

ROOT = Path(__file__).resolve().parent.parent

QUANTIFIERS = compile_text("""
    kind colour: red | green | blue
    record item:
      colour: colour
      ok: yes/no, optional
    input items: list of item
    input flag: yes/no, optional
    decision d: high > middle > low, first match
      rule r1: when count(items where colour = red) >= 2 and flag then high
      rule r2: when all(items have ok) and not any(items where colour = blue) then middle
      otherwise low
""")  # N = 2 (count >= 2) + 1 (all) + 1 (any)
EXTREMES = compile_text("""
    kind colour: red | green | blue
    record item:
      colour: colour
      size: number from 0 to 10
    input items: list of item
    input flag: yes/no, optional
    decision d: high > middle > low, first match
      rule r1: when distinct(colour of items) <= 1 and flag then high
      rule r2: when largest(size of items where colour != red) > 5 then middle
      rule r3: when smallest(size of items) < 2 then high
      otherwise low
""")  # N = 2 (distinct <= 1) + 1 (largest) + 1 (smallest)
SUMS = compile_text("""
    kind colour: red | green | blue
    record item:
      colour: colour
      size: number from 0 to 10
    input items: list of item
    decision d: big | small, first match
      rule r1: when sum(size of items where colour = red) > 6 then big
      otherwise small
""")  # exact over a complete list whose sizes are known; three-valued otherwise (declared)
SMALL = [(QUANTIFIERS, 4, {}), (EXTREMES, 4, {"size": [0, 1, 2, 3.5, 5, 7.5, 10]}), (SUMS, 3, {"size": [0, 4, 10]})]


def _leaf(value: object, status: int) -> str:
    return str(value) if status == outcome.DECIDED else OPEN_OUTCOME if status == outcome.OPEN else NO_OUTCOME


def field_values(info: ir.InputInfo, numbers: dict[str, list[float]]) -> list[object]:
    kind = info.type.kind
    if kind == "bool":
        return [True, False]
    if kind == "enum":
        return list(info.type.values)
    return list(numbers.get(info.name, [info.low if info.low is not None else 0]))


def brute_lists(info: ir.InputInfo, records: Records | None, extra: int, numbers: dict[str, list[float]]
                ) -> list[Records]:
    """Every concrete completion of a list, up to `extra` extra elements (see the module docstring)."""
    values = {f.name: field_values(f, numbers) for f in info.fields}
    known = list(records) if records is not None else []
    fills = [itertools.product(*([v] if v is not None else values[n] for n, v in ((f.name, e.get(f.name))
                                                                              for f in info.fields)))
             for e in known]
    names = [f.name for f in info.fields]
    completed = [[dict(zip(names, combo, strict=True)) for combo in fill] for fill in fills]
    elements = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values.values())]
    closed = records is not None and records.complete
    extras = [()] if closed else [m for size in range(extra + 1)
                                  for m in itertools.combinations_with_replacement(range(len(elements)), size)]
    return [Records([*prefix, *(elements[i] for i in multiset)], True)
            for prefix in itertools.product(*completed) for multiset in extras]


def oracle(g: eligo.Guideline, decision: ir.Decision, case: dict[str, Any], extra: int,
           numbers: dict[str, list[float]]) -> tuple[set[str], set[str]] | None:
    """The true `possible` and `missing` of a decision, by brute force; None where the scalar classes are unknown."""
    prepared = g.prepare(case)
    completion = g._completion(decision.key)
    assert completion is not None
    absent = [n for n in g.inputs if n in g.facts.cone_of(decision.key) and unsettled(prepared.get(n))]
    axes: list[list[object]] = []
    for name in absent:
        info = g.inputs[name]
        if info.type.kind == "list":
            axes.append(list(brute_lists(info, prepared.get(name), extra, numbers)))
            continue
        classes = cuts.classes(g.domains, name, prepared)
        if classes is None:
            return None
        axes.append(list(classes))
    table: dict[tuple[int, ...], str] = {}
    for combo in itertools.product(*(range(len(a)) for a in axes)):
        filled = {**prepared, **{n: axes[i][j] for i, (n, j) in enumerate(zip(absent, combo, strict=True))}}
        value, status, _, _ = completion(filled, prepared)[0]
        assert status != outcome.UNKNOWN, (filled, prepared)
        table[combo] = _leaf(None if value is ir.NA else value, status)
    missing = set()
    for position, name in enumerate(absent):
        groups: dict[tuple[int, ...], set[str]] = {}
        for combo, answer in table.items():
            groups.setdefault(combo[:position] + combo[position + 1:], set()).add(answer)
        if any(len(found) > 1 for found in groups.values()):
            missing.add(name)
    return set(table.values()), missing


def small_cases() -> st.SearchStrategy[dict[str, Any]]:
    element = st.fixed_dictionaries({"colour": st.sampled_from(["red", "green", "blue", None]),
                                     "ok": st.sampled_from([True, False, None]),
                                     "size": st.sampled_from([0, 1, 2, 3, 5, 6, 10, None])})
    listed = st.tuples(st.lists(element, max_size=3), st.booleans()).map(
        lambda pair: pair[0] if pair[1] else {"at_least": pair[0]})
    return st.fixed_dictionaries({"items": st.none() | listed, "flag": st.sampled_from([True, False, None])})


def _case_for(g: eligo.Guideline, drawn: dict[str, Any]) -> dict[str, Any]:
    fields = {f.name for f in g.inputs["items"].fields}

    def trim(elements: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in e.items() if k in fields} for e in elements]

    items = drawn["items"]
    items = None if items is None else {"at_least": trim(items["at_least"])} if isinstance(items, dict) else trim(items)
    case: dict[str, Any] = {"items": items}
    if "flag" in g.inputs:
        case["flag"] = drawn["flag"]
    return case


@pytest.mark.parametrize("index", range(len(SMALL)))
@settings(max_examples=30, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(drawn=small_cases())
def test_exact_lists_match_the_brute_force_oracle(index: int, drawn: dict[str, Any]) -> None:
    g, extra, numbers = SMALL[index]
    case = _case_for(g, drawn)
    decision = g.program.own[0]
    got = g.evaluate(case).decisions[decision.name]
    truth = oracle(g, decision, case, extra, numbers)
    assert truth is not None
    possible, missing = truth
    prepared = g.prepare(case)
    items = prepared.get("items")
    sums_unsettled = g is SUMS and (items is None or not items.complete or any(e.get("size") is None for e in items))
    if got.exact:
        assert not sums_unsettled, (case, got)  # a sum over an incomplete list, or an unknown size, is declared
        assert set(got.possible) == possible, (case, got, possible)
        assert set(got.missing) == missing, (case, got, missing)
    else:
        assert sums_unsettled, (case, got)  # marked inexact only where the states cannot stand for the list
        assert set(got.possible) >= possible and set(got.missing) >= missing  # still sound


PINNED = [  # cases where a coarser partition of the states would lose an outcome
    (0, {"items": [{"colour": "red", "ok": True}, {"colour": None, "ok": True}], "flag": None}),
    (0, {"items": {"at_least": [{"colour": "blue", "ok": None}]}, "flag": True}),
    (1, {"items": [{"colour": "red", "size": 10}, {"colour": "red", "size": None}], "flag": None}),
    (1, {"items": [{"colour": None, "size": 6}, {"colour": "red", "size": None}], "flag": True}),
    (1, {"items": {"at_least": [{"colour": "green", "size": 3}]}, "flag": None}),
    (1, {"items": [{"colour": None, "size": 6}, {"colour": "green", "size": 3}], "flag": True}),  # blue, then green
    (1, {"items": {"at_least": [{"colour": None, "size": 6}, {"colour": "green", "size": 3}]}, "flag": True}),
    (2, {"items": [{"colour": None, "size": 4}, {"colour": "red", "size": 3}, {"colour": None, "size": 0}]}),
]


@pytest.mark.parametrize(("index", "case"), PINNED)
def test_pinned_lists_match_the_brute_force_oracle(index: int, case: dict[str, Any]) -> None:
    g, extra, numbers = SMALL[index]
    decision = g.program.own[0]
    got = g.evaluate(case).decisions[decision.name]
    assert got.exact
    assert (set(got.possible), set(got.missing)) == oracle(g, decision, case, extra, numbers)


def _genuine(records: Records | None, completed: Records, read: tuple[str, ...]) -> bool:
    """Whether `completed` is a completion of `records`: complete, its first elements the known ones with their
    known fields kept, every read field known."""
    known = list(records) if records is not None else []
    if not completed.complete or len(completed) < len(known) or (records is not None and records.complete
                                                                 and len(completed) != len(known)):
        return False
    for given_element, made in zip(known, completed, strict=False):
        if any(v is not None and made.get(k) != v for k, v in given_element.items()):
            return False
    return all(e.get(name) is not None for e in completed for name in read)


def _random_list(info: ir.InputInfo, records: Records | None, rng: random.Random) -> Records:
    def value(field: ir.InputInfo) -> object:
        if field.type.kind == "bool":
            return rng.choice([True, False])
        if field.type.kind == "enum":
            return rng.choice(field.type.values)
        if field.type.kind == "date":
            return rng.choice([None, __import__("datetime").date(2024, 1, 1)])
        low, high = field.low if field.low is not None else 0, field.high if field.high is not None else 100
        return rng.choice([low, high, rng.uniform(low, high)])

    made = [{f.name: v if v is not None else value(f) for f in info.fields for v in [e.get(f.name)]}
            for e in (records or ())]
    if records is None or not records.complete:
        made += [{f.name: value(f) for f in info.fields} for _ in range(rng.choice([0, 0, 1, 2, 3, 5, 8]))]
    return Records(made, True)


FIXTURE = kb((ROOT / "tests/fixtures/valid/lists.eligo").read_text()).guideline("test.lists", allow_draft=True)
LISTED = [g for g in [*knowledge_guidelines(), FIXTURE] if any(i.type.kind == "list" for i in g.inputs.values())]


@pytest.mark.parametrize("g", LISTED, ids=lambda g: f"{g.id}@{g.version}")
@settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], deadline=None)
@given(data=st.data())
def test_exact_lists_hold_for_random_completions(g: eligo.Guideline, data: st.DataObject) -> None:
    case = data.draw(rows(g))
    prepared = g.prepare(case)
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    for decision in g.program.own:
        got = g.evaluate(case).decisions[decision.name]
        if got.status != "unknown" and not got.exact:
            continue
        completion = g._completion(decision.key)
        absent = [n for n in g.inputs if n in g.facts.cone_of(decision.key) and unsettled(prepared.get(n))]
        lists_absent = [n for n in absent if g.inputs[n].type.kind == "list"]
        for name in lists_absent:  # the lists the exact step tried are completions of the case's list
            domain = g.domains.lists.get((decision.key, name))
            found = list_states.completions(domain, prepared.get(name)) if domain is not None else None
            for made in found or ():
                assert _genuine(prepared.get(name), made, domain.fields), (case, made)  # type: ignore[union-attr]
        if not got.exact or completion is None:
            continue

        def fill(name: str) -> object:
            if g.inputs[name].type.kind == "list":
                return _random_list(g.inputs[name], prepared.get(name), rng)
            classes = cuts.classes(g.domains, name, prepared)
            return rng.choice(classes) if classes else None

        if any(g.inputs[n].type.kind != "list" and cuts.classes(g.domains, n, prepared) is None for n in absent):
            continue
        for _ in range(20):
            filled = {**prepared, **{n: fill(n) for n in absent}}
            value, status, _, _ = completion(filled, prepared)[0]
            answer = _leaf(None if value is ir.NA else value, status)
            assert answer in got.possible, (case, filled, got)
            for other in absent:
                if other not in got.missing:  # changing an input outside `missing` alone changes nothing
                    moved = {**filled, other: fill(other)}
                    value, status, _, _ = completion(moved, prepared)[0]
                    assert _leaf(None if value is ir.NA else value, status) == answer, (case, other, got)


def test_the_colorectal_case_without_two_facts_is_exact() -> None:
    """The issue's example: two liver lesions while the chest is not imaged, without fitness and R0 feasibility."""
    kb = eligo.load(ROOT / "knowledge")
    g = kb.guideline("colorectal.liver_metastasectomy", version="2.0.0", allow_draft=True)
    case = json.loads((ROOT / "knowledge/cases/colorectal.liver_metastasectomy/liver_mri_before_chest_ct.json")
                      .read_text())
    for name in ("fit_for_surgery", "r0_resection_feasible"):
        del case[name]
    got = g.evaluate(case).to_json()["decisions"]["liver_metastasectomy"]
    assert got["possible"] == ["candidate", "not_candidate"]
    assert got["missing"] == ["lesions", "r0_resection_feasible", "fit_for_surgery"]
    assert "exact" not in got
    decision = next(d for d in g.program.own if d.name == "liver_metastasectomy")
    truth = oracle(g, decision, case, 4, {})  # four extra lesions already pass both limits with the two known
    assert truth == ({"candidate", "not_candidate"}, {"lesions", "r0_resection_feasible", "fit_for_surgery"})


def test_a_list_read_otherwise_stays_three_valued() -> None:
    """A count read through arithmetic, and a where reading another input, are outside the saturation argument:
    the answer stays three-valued, marked inexact."""
    g = compile_text("""
        kind colour: red | green | blue
        record item:
          colour: colour
        input items: list of item
        input limit: count from 0 to 9
        decision d: many | few, first match
          rule r1: when count(items) + 1 > 3 then many
          otherwise few
        decision e: many | few, first match
          rule r1: when count(items) > limit then many
          otherwise few
    """)
    got = g.evaluate({"items": {"at_least": [{"colour": "red"}]}, "limit": 2}).decisions
    assert not got["d"].exact and not got["e"].exact
    assert g.domains.lists == {(d.key, "items"): None for d in g.program.decisions}


RANGES = [  # (case, definition, its exact range or None where it stays inexact)
    ({"lesions": [{"organ": None, "size": 10, "treatable": True}, {"organ": "lung", "size": 10, "treatable": True}]},
     "organs", [1, 2]),
    ({"lesions": [{"organ": None, "size": 10, "treatable": True}, {"organ": None, "size": 10, "treatable": True}]},
     "organs", [1, 2]),
    ({"lesions": {"at_least": [{"organ": "liver", "size": 10, "treatable": True}]}}, "organs", [1, 3]),
    ({"lesions": {"at_least": [{"organ": "liver", "size": 10, "treatable": None}]}}, "lesion_count", [1, None]),
    ({"lesions": {"at_least": [{"organ": "liver", "size": 10, "treatable": True}]}}, "liver_lesions", None),
    ({"lesions": [{"organ": "liver", "size": 10, "treatable": None}]}, "burden", None),
]


@pytest.mark.parametrize(("case", "name", "expected"), RANGES)
def test_list_aggregate_ranges_are_exact_over_every_element(case: dict[str, Any], name: str,
                                                            expected: list[object] | None) -> None:
    """A count, distinct or sum over every element gives its bounds as an exact range: both ends are reached by
    concrete completions (and an incomplete list's count has no upper end); under a `where` they stay inexact."""
    found = FIXTURE.evaluate(case).to_json()["unknown_values"][name]
    if expected is None:
        assert found["exact"] is False
        return
    assert found == {"range": expected}
    info = FIXTURE.inputs["lesions"]
    key = next(d.key for d in FIXTURE.program.definitions if d.name == name)
    values = {_value(FIXTURE, {**FIXTURE.prepare(case), "lesions": made}, key)
              for made in brute_lists(info, FIXTURE.prepare(case)["lesions"], 3, {"size": [10]})}
    low, high = expected
    assert min(values) == low  # type: ignore[type-var]
    assert max(values) == high if high is not None else max(values) > 3  # type: ignore[type-var, operator]


def _value(g: eligo.Guideline, prepared: dict[str, Any], key: str) -> object:
    return g.code.traced(prepared, [])[1][key]


def test_a_distinct_of_numbers_is_inexact() -> None:
    """Three unknown values of a field from 0 to 1 have at most two distinct values: the bounds (1 to 3) are not
    reached, so the range is inexact, and the decision (no classes for such a distinct) stays three-valued."""
    g = compile_text("""
        record item:
          n: count from 0 to 1
        input items: list of item
        define k: distinct(n of items)
        decision d: a | b, first match
          rule r: when k > 1 then a
          otherwise b
    """)
    result = g.evaluate({"items": [{"n": None}, {"n": None}, {"n": None}]}).to_json()
    assert result["unknown_values"]["k"] == {"range": [1, 3], "exact": False}
    assert result["decisions"]["d"]["exact"] is False
