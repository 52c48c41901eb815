"""Cohorts for differential tests: hypothesis strategies for a guideline's inputs, and the same rows decided
by the Python evaluator and by a SQL engine, compared decision by decision."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
from hypothesis import strategies as st

import eligo
from eligo import ir
from eligo.ir import units
from eligo.ir.lists import Records
from eligo.sql.query import compile_query
from eligo.verify.lists import list_strategy
from tests.eligo_helpers import kb, module

BASE_DAY = dt.date(2024, 1, 10)
# dates a few months or years apart, give or take a day, so that `months between` meets its thresholds
DATES = sorted({BASE_DAY + dt.timedelta(days=shift) for shift in range(-3, 4)}
               | {dt.date(BASE_DAY.year + (BASE_DAY.month - 1 + m) // 12, (BASE_DAY.month - 1 + m) % 12 + 1, day)
                  for m in (-30, -24, -18, -12, -6, -3, 0, 3, 6, 12, 18, 24, 30, 36, 60) for day in (9, 10, 11)}
               | {dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(2024, 3, 1), dt.date(2023, 12, 31)})

Outcome = tuple[object, str, str | None, tuple[str, ...], tuple[str, ...]]  # value, status, rule, possible, missing


def thresholds(guideline: eligo.Guideline) -> dict[str, set[float]]:
    """Per input, the constants it is compared with, in the input's declared unit."""
    found: dict[str, set[float]] = {}
    roots = [n.expr if isinstance(n, ir.Definition) else r.condition
             for n in guideline.program.nodes for r in (n.rules if isinstance(n, ir.Decision) else [None])
             if isinstance(n, ir.Definition) or r is not None]
    for root in roots:
        for node in ir.walk(root):
            pairs: list[tuple[ir.Node, ir.Node]] = []
            if isinstance(node, ir.Compare):
                pairs = [(node.left, node.right), (node.right, node.left)]
            elif isinstance(node, ir.Between):
                pairs = [(node.operand, node.low), (node.operand, node.high)]
            for subject, other in pairs:
                if isinstance(subject, ir.InputRef) and isinstance(other, ir.Const) \
                        and isinstance(other.value, (int, float)) and not isinstance(other.value, bool):
                    info = guideline.inputs[subject.name]
                    unit = units.lookup(info.unit) if info.unit else None
                    found.setdefault(subject.name, set()).add(other.value / (unit.factor if unit else 1.0))
    return found


def value_strategy(info: ir.InputInfo, near: set[float]) -> st.SearchStrategy[Any]:
    if info.type.kind == "list":  # as a case gives it: elements (fields sometimes missing), or {"at_least": [...]}
        return list_strategy(info, lambda field: value_strategy(field, set()))
    low = info.low if info.low is not None else min([0.0, *near])
    high = info.high if info.high is not None else max([30.0, *(2 * v for v in near)])
    match info.type.kind:
        case "bool":
            return st.sampled_from([True, False])
        case "enum":
            return st.sampled_from(info.type.values)
        case "date":
            return st.sampled_from(DATES)
        case "number" if info.type.integer:
            special = sorted({int(v) + d for v in near for d in (-1, 0, 1)} | {int(low), int(high)})
            special = [v for v in special if low <= v <= high]
            return st.sampled_from(special) | st.integers(int(low), int(high))
        case "number" | "quantity":
            special = sorted({v + d for v in near for d in (-0.5, 0.0, 0.5)} | {low, high, 0.0})
            special = [v for v in special if low <= v <= high]
            rounded = st.floats(low, high, allow_nan=False, allow_infinity=False).map(lambda v: round(v, 1))
            return (st.sampled_from(special) if special else rounded) | rounded.filter(lambda v: low <= v <= high)
    raise AssertionError(info)


def settled_list(info: ir.InputInfo) -> st.SearchStrategy[Any]:
    """A list with nothing unknown (complete, every field given): what a row without missing values holds."""
    element = st.fixed_dictionaries({f.name: value_strategy(f, set()) for f in info.fields})
    return st.lists(element, max_size=7)


def rows(guideline: eligo.Guideline, missing: float = 0.25) -> st.SearchStrategy[dict[str, Any]]:
    """One patient: each input a valid value or missing (None), favouring boundaries; half of the rows are
    a guideline example with a few inputs changed or removed, so that rules deep in a decision fire too."""
    near = thresholds(guideline)
    values = {name: settled_list(info) if info.type.kind == "list" and not missing else value_strategy(
        info, near.get(name, set())) for name, info in guideline.inputs.items()}
    random = st.fixed_dictionaries({name: st.one_of(st.none(), value) if missing else value
                                    for name, value in values.items()})
    seeds = examples(guideline)
    if not seeds:
        return random

    def mutate(seed: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
        def field(name: str) -> st.SearchStrategy[Any]:
            kept = st.just(seed[name])
            return st.one_of(kept, kept, kept, kept, st.none(), values[name]) if missing else \
                st.one_of(kept, kept, kept, values[name])
        return st.fixed_dictionaries({name: field(name) for name in guideline.inputs})

    return random | st.sampled_from(seeds).flatmap(mutate)


def examples(guideline: eligo.Guideline) -> list[dict[str, Any]]:
    """The guideline's examples as rows of values in each input's declared unit (None when missing)."""
    out = []
    for example in guideline.module.examples:
        try:
            prepared = guideline.prepare(guideline.example_case(example))
        except eligo.CaseError:
            continue
        row: dict[str, Any] = {}
        for name, info in guideline.inputs.items():
            value = prepared.get(name)
            if isinstance(value, Records):
                row[name] = _case_list(value)
                continue
            unit = units.lookup(info.unit) if info.unit and info.type.kind == "quantity" else None
            row[name] = value / unit.factor if unit is not None and value is not None else value
        out.append(row)
    return out


def sample(guideline: eligo.Guideline, size: int, seed: int = 20240611) -> list[dict[str, Any]]:
    """A fixed cohort for engines too slow to run once per hypothesis example (Spark): the same kinds of rows as
    `rows` (boundaries, missing values, changed examples), drawn with a seeded generator."""
    import random

    draw = random.Random(seed)
    near = thresholds(guideline)
    seeds = examples(guideline)

    def value(info: ir.InputInfo) -> Any:
        if draw.random() < 0.25:
            return None
        if info.type.kind == "list":
            items = [{f.name: value(f) for f in info.fields} for _ in range(draw.randint(0, 7))]
            return items if draw.random() < 0.75 else {"at_least": items}
        match info.type.kind:
            case "bool":
                return draw.choice([True, False])
            case "enum":
                return draw.choice(info.type.values)
            case "date":
                return draw.choice(DATES)
        low = info.low if info.low is not None else min([0.0, *near.get(info.name, ())])
        high = info.high if info.high is not None else max([30.0, *(2 * v for v in near.get(info.name, ()))])
        special = [v + d for v in near.get(info.name, ()) for d in (-1, 0, 1)]
        special = [v for v in special if low <= v <= high]
        number = draw.choice(special) if special and draw.random() < 0.5 else draw.uniform(low, high)
        return round(number) if info.type.integer else round(number, 1)

    out = []
    for index in range(size):
        row = {name: value(info) for name, info in guideline.inputs.items()}
        if seeds and index % 2:
            base = draw.choice(seeds)
            row = {name: row[name] if draw.random() < 0.2 else base[name] for name in guideline.inputs}
        out.append(row)
    return out


_ARROW = {"bool": pa.bool_(), "number": pa.float64(), "quantity": pa.float64(), "date": pa.date32(),
          "enum": pa.string()}


def _case_list(records: Records) -> Any:
    """A prepared list as a case gives it."""
    items = [dict(element) for element in records]
    return items if records.complete else {"at_least": items}


def _arrow_type(info: ir.InputInfo) -> pa.DataType:
    if info.type.kind == "list":
        return pa.list_(pa.struct([(f.name, _arrow_type(f)) for f in info.fields]))
    return _ARROW[info.type.kind]


def _arrow_value(info: ir.InputInfo, value: Any) -> Any:
    """A list as a registry holds it: its elements, then a NULL element when it is known to be incomplete."""
    if info.type.kind != "list" or value is None:
        return value
    if isinstance(value, dict):
        return [*value["at_least"], None]
    return list(value)


def arrow_table(guideline: eligo.Guideline, cohort: Sequence[dict[str, Any]]) -> pa.Table:
    """The cohort as typed columns, one per input, numbers in each input's declared unit, lists as LIST of STRUCT."""
    return pa.table({name: pa.array([_arrow_value(info, row[name]) for row in cohort], _arrow_type(info))
                     for name, info in guideline.inputs.items()})


def python_outcomes(guideline: eligo.Guideline, cohort: Sequence[dict[str, Any]], exact: bool = False
                    ) -> list[dict[str, Outcome]]:
    """The Python evaluator's outcomes; by default three-valued, as the SQL back end computes them."""
    out = []
    for row in cohort:
        result = guideline.evaluate({k: v for k, v in row.items() if v is not None}, trace=False, exact=exact)
        out.append({name: (d.value, d.status, d.rule, d.possible, d.missing) for name, d in result.decisions.items()})
    return out


def sql_outcomes(guideline: eligo.Guideline, records: Sequence[dict[str, Any]]) -> list[dict[str, Outcome]]:
    """Rows of an engine's result (dicts by column name) as the same outcomes as `python_outcomes`."""
    out = []
    for record in records:
        decisions = {}
        for name in guideline.decision_names:
            value = record[name]
            decisions[name] = (tuple(value) if isinstance(value, (list, tuple)) else value, record[f"{name}_status"],
                               record[f"{name}_rule"], tuple(record[f"{name}_possible"]),
                               tuple(record[f"{name}_missing"]))  # lists on every row, empty where nothing is
        out.append(decisions)
    return out


@functools.cache
def duckdb_query(guideline: eligo.Guideline) -> str:
    return compile_query(guideline, "cohort").sql(dialect="duckdb")


def duckdb_outcomes(guideline: eligo.Guideline, cohort: Sequence[dict[str, Any]]) -> list[dict[str, Outcome]]:
    import duckdb

    with duckdb.connect() as con:
        con.register("cohort", arrow_table(guideline, cohort))
        result = con.execute(duckdb_query(guideline))
        names = [d[0] for d in result.description]
        records = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    return sql_outcomes(guideline, records)


def disagreements(guideline: eligo.Guideline, cohort: Sequence[dict[str, Any]],
                  engine: Callable[[eligo.Guideline, Sequence[dict[str, Any]]], list[dict[str, Outcome]]]
                  = duckdb_outcomes) -> list[str]:
    """Every row and decision on which the engine and the Python evaluator differ, described."""
    expected, got = python_outcomes(guideline, cohort), engine(guideline, cohort)
    problems = []
    for index, (row, want, have) in enumerate(zip(cohort, expected, got, strict=True)):
        for name in want:
            if want[name] != have[name]:
                problems.append(f"row {index} {name}: python {want[name]} sql {have[name]} for "
                                f"{ {k: v for k, v in row.items() if v is not None} }")
    return problems


LONG = "\n".join(f"  rule k{i}: when n = {i % 11} and m > {i % 5 - 3} then {'a' if i % 3 else 'b'}" for i in range(15))
# One guideline with every IR construct, `none` in tables, lookups and arithmetic, and every hit policy.
EVERYTHING_SOURCE = module("test.g", f"""
    kind site: lung | liver | bone
    kind grade: low | high

    input n: count from 0 to 10, optional
    input m: number from -5 to 5, optional
    input site: site, optional
    input grade: grade, optional
    input flag: yes/no, optional
    input start: date, optional
    input stop: date, optional
    input size: quantity in cm from 0 to 20, optional
    input wait: duration in weeks from 0 to 100, optional
    input share: percent from 0 to 100, optional

    table limit by site -> count
      lung     3
      liver    5
      otherwise none

    table combo by site, grade -> duration
      lung, low     6 months
      any, high     none
      liver, any    12 months
      otherwise     24 months

    define ratio: n / m
    define gap: months between start and stop
    define gap_days: days between start and stop
    define gap_weeks: weeks between start and stop
    define gap_years: years between start and stop
    define over_limit: n > limit[site]
    define fallback: first known of (limit[site], n)
    define pick: if flag then limit[site] else none
    define neg_m: -m
    define big: size > 5 cm
    define total: n + m * 2 - 1

    decision d_first: a > b > c, first match
      rule r1: when over_limit then a
      rule r2: when ratio >= 1 and gap > combo[site, grade] then b
      rule r3: when not (pick is none) and fallback between 1 and 4 then a
      rule r4: when n in {{m, 3}} or ratio < 0 then b
      otherwise c

    decision d_unique: yes_ | no_ | maybe, unique
      rule u1: when site = lung and flag then yes_
      rule u2: when site = liver and not flag then no_
      rule u3: when grade in {{low}} and n between 2 and 8 then maybe

    decision d_collect: x | y | z, collect
      rule c1: when big then x
      rule c2: when wait > 10 weeks then y
      rule c3: when share >= 50% or total < 0 then z

    decision d_ref: p | q, first match
      rule p1: when d_first = a or d_unique in {{yes_, maybe}} then p
      rule p2: when d_collect is missing then q

    decision d_long: a | b, first match
    {LONG.replace(chr(10), chr(10) + "    ")}
      otherwise b

    decision d_gap: hi | lo
      rule g1: when neg_m < -2 then hi
      rule g2: when gap_days > 400 days or gap_weeks < 0 days or gap_years >= 2 years then lo
""")
EVERYTHING = kb(EVERYTHING_SOURCE).guideline("test.g")


def knowledge_guidelines() -> list[eligo.Guideline]:
    """Every version of every guideline in knowledge/ that has decisions (a version with errors is `eligo
    check`'s business, not a differential test's)."""
    return guidelines_with_decisions(Path(__file__).resolve().parent.parent / "knowledge")


def guidelines_with_decisions(folder: Path) -> list[eligo.Guideline]:
    """Every version (drafts too) of every guideline with decisions in the knowledge base at `folder`, leaving out
    versions that do not compile."""
    from eligo.dsl.diagnostics import EligoError

    kb = eligo.load(folder)
    found = []
    for module_id in kb.ids():
        for version in kb.versions(module_id):
            try:
                guideline = kb.guideline(module_id, version=version.header.version, allow_draft=True)
            except EligoError:
                continue
            if guideline.decision_names:
                found.append(guideline)
    return found
