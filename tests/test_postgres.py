"""PostgreSQL runs what `eligo sql --dialect postgres` writes: on a real server (tests.pg), for every guideline of
knowledge/ and the fixtures with lists and bands, generated cohorts with missing values are loaded into a table
(lists as arrays of a composite type per record), the query is run, and every row agrees with the Python evaluator's
`evaluate(...).to_json()`: value, status, rule, possible and missing of each decision, and with `--criteria`'s query
each rule and definition. The query is three-valued (there is no exact step in PostgreSQL, as the language reference
says); against Python's exact answer it is checked to be what the documentation claims: sound, possibly wider."""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlglot import exp

import eligo
from eligo import ir
from eligo.dsl.diagnostics import EligoError
from eligo.ir import units
from eligo.sql import criteria as criteria_columns
from eligo.sql.query import compile_query
from tests.cohorts import EVERYTHING, sample
from tests.eligo_helpers import guideline as compile_guideline
from tests.pg import Server

ROOT = Path(__file__).resolve().parent.parent
ROWS = 150  # per guideline and query: the whole file stays well under a minute
TABLE = "cases"

_SQL_TYPES = {"bool": "boolean", "enum": "text", "date": "date", "number": "double precision",
              "quantity": "double precision"}


# ---------------------------------------------------------------- the guidelines


def _fixture(name: str) -> eligo.Guideline:
    text = (ROOT / "tests" / "fixtures" / "valid" / name).read_text()
    module_id = text.split("guideline ", 1)[1].split()[0]
    version = text.split("version ", 1)[1].split()[0]
    base = eligo.KnowledgeBase.from_texts({f"{module_id.replace('.', '/')}/{version}.eligo": text})
    return base.guideline(module_id, version=version, allow_draft=True)


def _knowledge_modules() -> list[eligo.Guideline]:
    """Every version of every module in knowledge/, with decisions or not (definitions are compared too)."""
    kb = eligo.load(ROOT / "knowledge")
    found = []
    for module_id in kb.ids():
        for version in kb.versions(module_id):
            try:
                found.append(kb.guideline(module_id, version=version.header.version, allow_draft=True))
            except EligoError:
                continue
    return found


# What the other fixtures have only inside single tests: bands of a ratio in percent, a percent-valued table keyed
# by a score, a record field that is optional and one whose unit is not the canonical one.
RATIOS = """
    kind response: none_seen | partial | major
    kind organ: liver | lung
    record nodule:
      organ: organ, optional
      diameter: quantity in cm from 0 to 30
    input before: quantity in U/mL from 1 to 10000, optional
    input after: quantity in U/mL from 0 to 10000, optional
    input a: yes/no, optional
    input b: yes/no, optional
    input nodules: list of nodule
    define fall: (before - after) / before
    table response_of by fall -> response
      under 30%:    none_seen
      30% to 50%:   partial
      over 50%:     major
    define score: (if a then 1 else 0) + (if b then 1 else 0)
    table survival by score -> percent
      0: 60%
      1: 44%
      2: 30%
    define five_year: survival[score]
    define organs: distinct(organ of nodules)
    define widest: largest(diameter of nodules where organ = lung)
    decision d: good | poor | unsure
      rule r: when response_of[fall] = major and five_year >= 40% then good
      rule w: when organs >= 2 or widest > 25 mm then unsure
      otherwise poor
"""


@functools.cache
def guidelines() -> list[eligo.Guideline]:
    from tests.test_bands import BANDS as BANDS_BODY
    from tests.test_js import BANDS as JS_BANDS
    from tests.test_lists import LISTS
    from tests.test_sql_list_names import reserved

    return [*_knowledge_modules(), EVERYTHING, compile_guideline(BANDS_BODY, "test.bands"), JS_BANDS,
            compile_guideline(LISTS, "test.lists"), _fixture("lists.eligo"), compile_guideline(RATIOS, "test.ratios"),
            reserved()]  # fields named ordinality, select, order, value, element; an input named e


# ---------------------------------------------------------------- cohorts with lists


def _record(info: ir.InputInfo) -> str:
    return info.spec.removeprefix("list of ").strip()


def _field_value(field: ir.InputInfo, draw: random.Random) -> Any:
    match field.type.kind:
        case "bool":
            return draw.choice([True, False])
        case "enum":
            return draw.choice(field.type.values)
        case "date":
            return dt.date(2024, 1, 10) + dt.timedelta(days=draw.choice([-400, -30, -1, 0, 1, 30, 400]))
    low = field.low if field.low is not None else 0.0
    high = field.high if field.high is not None else 100.0
    number = draw.choice([low, high, (low + high) / 2, draw.uniform(low, high)])
    return round(number) if field.type.integer else round(number, 1)


def _list_value(info: ir.InputInfo, draw: random.Random) -> tuple[list[dict[str, Any]], bool] | None:
    """A list input's value: None (missing), or (elements, complete); fields missing now and then, and now and then
    an element with every field missing (in PostgreSQL, not the NULL element that marks an incomplete list)."""
    if draw.random() < 0.1:
        return None
    shape = draw.random()
    elements = []
    for _ in range(draw.randint(0, 7)):
        if shape < 0.05:
            elements.append({f.name: None for f in info.fields})
            continue
        gaps = 0.0 if shape < 0.5 else 0.2
        elements.append({f.name: None if draw.random() < gaps else _field_value(f, draw) for f in info.fields})
    return elements, draw.random() < 0.7


def _declared(info: ir.InputInfo, elements: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """A prepared list's elements (canonical units) in each field's declared unit, as a registry holds them."""
    factors = {f.name: units.lookup(f.unit).factor for f in info.fields
               if f.type.kind == "quantity" and f.unit and units.lookup(f.unit) is not None}
    return [{f.name: (e.get(f.name) / factors[f.name] if f.name in factors and e.get(f.name) is not None
                      else e.get(f.name)) for f in info.fields} for e in elements]


def cohort(guideline: eligo.Guideline, size: int = ROWS, seed: int = 15) -> list[dict[str, Any]]:
    """`tests.cohorts.sample`'s rows (boundaries, missing values, changed examples), list inputs given as
    (elements, complete) or None: an example's list kept half of the time, else a generated one."""
    draw = random.Random(seed)
    rows = sample(guideline, size, seed=seed)
    lists = {n: i for n, i in guideline.inputs.items() if i.type.kind == "list"}
    for row in rows:
        for name, info in lists.items():
            value = row.get(name)
            if hasattr(value, "complete") and draw.random() < 0.5:
                row[name] = (_declared(info, value), bool(value.complete))
            else:
                row[name] = _list_value(info, draw)
    return rows


def case_of(guideline: eligo.Guideline, row: dict[str, Any]) -> dict[str, Any]:
    """A row as a case for `Guideline.evaluate`: missing inputs left out, a list known to be incomplete as
    `{"at_least": [...]}`."""
    out: dict[str, Any] = {}
    for name, value in row.items():
        if value is None:
            continue
        if guideline.inputs[name].type.kind == "list":
            elements, complete = value
            out[name] = elements if complete else {"at_least": elements}
        else:
            out[name] = value
    return out


# ---------------------------------------------------------------- PostgreSQL


def load(con: Any, guideline: eligo.Guideline, rows: Sequence[dict[str, Any]]) -> None:
    """The cohort as the table `cases`: a column per input, typed; a list input an array of a composite type made
    for its record (one attribute per field, in its declared unit), a NULL element marking an incomplete list."""
    from psycopg import sql
    from psycopg.types.composite import CompositeInfo, register_composite

    columns = []
    made: dict[str, Any] = {}
    for name, info in guideline.inputs.items():
        if info.type.kind == "list":
            record = _record(info)
            if record not in made:
                attributes = sql.SQL(", ").join(sql.SQL("{} {}").format(sql.Identifier(f.name),
                                                                        sql.SQL(_SQL_TYPES[f.type.kind]))
                                                for f in info.fields)
                con.execute(sql.SQL("CREATE TYPE {} AS ({})").format(sql.Identifier(record), attributes))
                composite = CompositeInfo.fetch(con, record)
                assert composite is not None
                register_composite(composite, con)
                made[record] = composite.python_type
            kind = sql.SQL("{}[]").format(sql.Identifier(record))
        else:
            kind = sql.SQL(_SQL_TYPES[info.type.kind])
        columns.append(sql.SQL("{} {}").format(sql.Identifier(name), kind))
    con.execute(sql.SQL("CREATE TABLE {} (_row integer, {})").format(sql.Identifier(TABLE), sql.SQL(", ").join(columns)))
    names = list(guideline.inputs)

    def value(name: str, v: Any) -> Any:
        info = guideline.inputs[name]
        if info.type.kind != "list" or v is None:
            return v
        elements, complete = v
        kind = made[_record(info)]
        return [kind(*(e.get(f.name) for f in info.fields)) for e in elements] + ([] if complete else [None])

    insert = sql.SQL("INSERT INTO {} VALUES ({})").format(sql.Identifier(TABLE),
                                                          sql.SQL(", ").join(sql.Placeholder() * (len(names) + 1)))
    with con.cursor() as cursor:
        cursor.executemany(insert, [[index, *(value(n, row[n]) for n in names)] for index, row in enumerate(rows)])


def run(con: Any, query: str) -> list[dict[str, Any]]:
    with con.cursor() as cursor:
        cursor.execute(query)
        names = [d.name for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def decisions_query(guideline: eligo.Guideline) -> str:
    """What `eligo sql GUIDELINE --dialect postgres` prints, over the table `cases`, with the row number kept."""
    query = compile_query(guideline, TABLE, dialect="postgres", keep=["_row", *guideline.inputs])
    return query.order_by(exp.column("_row")).sql(dialect="postgres")


def criteria_query(guideline: eligo.Guideline) -> str:
    """The `--criteria` query: a column per rule and per definition."""
    program = criteria_columns.criteria_program(guideline.program)
    query = compile_query(program, TABLE, dialect="postgres", keep=["_row"], extra=criteria_columns.columns)
    return query.order_by(exp.column("_row")).sql(dialect="postgres")


@pytest.fixture()
def con(postgres: Server) -> Any:
    """A connection in a transaction rolled back at the end (types and tables made in it go with it)."""
    with postgres.connect() as connection:
        try:
            yield connection
        finally:
            connection.rollback()


# ---------------------------------------------------------------- comparing


def _listed(value: Any) -> tuple[Any, ...]:
    assert value is not None, "a list column is a list on every row (empty where nothing is listed)"
    return tuple(value)


def sql_decision(record: dict[str, Any], name: str) -> dict[str, Any]:
    value = record[name]
    return {"value": list(value) if isinstance(value, (list, tuple)) else value, "status": record[f"{name}_status"],
            "rule": record[f"{name}_rule"], "possible": _listed(record[f"{name}_possible"]),
            "missing": _listed(record[f"{name}_missing"])}


def json_decision(shown: dict[str, Any]) -> dict[str, Any]:
    """A decision of `Result.to_json()` as the SQL columns hold it (`missing` only when unknown)."""
    return {"value": shown["value"], "status": shown["status"], "rule": shown["rule"],
            "possible": _listed(shown["possible"]),
            "missing": _listed(shown["missing"]) if shown["status"] == "unknown" else ()}


def _rounded(value: Any) -> Any:
    return round(value, 9) if isinstance(value, float) else value


GUIDELINES = guidelines()


def test_there_are_guidelines_with_lists_and_bands_to_run() -> None:
    kinds = {i.type.kind for g in GUIDELINES for i in g.inputs.values()}
    assert "list" in kinds and len([g for g in GUIDELINES if g.decision_names]) >= 8


@pytest.mark.parametrize("guideline", [g for g in GUIDELINES if any(i.type.kind == "list" for i in g.inputs.values())],
                         ids=lambda g: f"{g.id}@{g.version}")
def test_list_cohorts_hold_what_postgres_must_tell_apart(guideline: eligo.Guideline) -> None:
    """Missing lists, lists known to be incomplete, elements with a field missing and with every field missing."""
    name = next(n for n, i in guideline.inputs.items() if i.type.kind == "list")
    values = [row[name] for row in cohort(guideline)]
    elements = [e for v in values if v is not None for e in v[0]]
    assert None in values and any(not v[1] for v in values if v is not None)
    assert any(None in e.values() for e in elements) and any(set(e.values()) == {None} for e in elements)


@pytest.mark.parametrize("guideline", [g for g in GUIDELINES if g.decision_names], ids=lambda g: f"{g.id}@{g.version}")
def test_postgres_agrees_with_python_on_every_decision_column(con: Any, guideline: eligo.Guideline) -> None:
    rows = cohort(guideline)
    load(con, guideline, rows)
    records = run(con, decisions_query(guideline))
    assert [r["_row"] for r in records] == list(range(len(rows)))
    problems = []
    for row, record in zip(rows, records, strict=True):
        shown = guideline.evaluate(case_of(guideline, row), trace=False, exact=False).to_json()["decisions"]
        for name in guideline.decision_names:
            want, got = json_decision(shown[name]), sql_decision(record, name)
            if want != got:
                problems.append(f"row {record['_row']} {name}: python {want} postgres {got} for {case_of(guideline, row)}")
    assert problems == [], f"{len(problems)} of {len(rows)} rows disagree"
    assert {r[f"{d}_status"] for r in records for d in guideline.decision_names} >= {"decided", "unknown"}


@pytest.mark.parametrize("guideline", GUIDELINES, ids=lambda g: f"{g.id}@{g.version}")
def test_postgres_agrees_with_python_on_every_rule_and_definition(con: Any, guideline: eligo.Guideline) -> None:
    """The `--criteria` query: each rule yes, no, unknown or none, and each definition's value (lists' counts, sums,
    largest and distinct values among them), as `eligo.sql.criteria.python_criteria` gives them."""
    rows = cohort(guideline, seed=16)
    load(con, guideline, rows)
    records = run(con, criteria_query(guideline))
    names = criteria_columns.criteria_names(guideline)
    problems = []
    for row, record in zip(rows, records, strict=True):
        want = criteria_columns.python_criteria(guideline, guideline.prepare(case_of(guideline, row)))
        for name in names:
            if _rounded(want[name]) != _rounded(record[name]):
                problems.append(f"row {record['_row']} {name}: python {want[name]!r} postgres {record[name]!r} for "
                                f"{case_of(guideline, row)}")
    assert problems == [], f"{len(problems)} values disagree"


def wider(exact: dict[str, Any], three_valued: dict[str, Any]) -> str | None:
    """Why PostgreSQL's three-valued answer is not a sound widening of Python's exact one (None when it is): a decided
    answer is the exact answer; an unknown one keeps every outcome still possible and every input that matters."""
    if three_valued["status"] != "unknown":
        return None if three_valued == exact else "decided otherwise"
    if not set(exact["possible"]) <= set(three_valued["possible"]):
        return "an outcome the exact step keeps is not possible"
    if exact["status"] == "unknown" and not set(exact["missing"]) <= set(three_valued["missing"]):
        return "an input the exact step needs is not missing"
    return None


@pytest.mark.parametrize("guideline", [g for g in GUIDELINES if g.decision_names], ids=lambda g: f"{g.id}@{g.version}")
def test_postgres_is_the_documented_three_valued_answer_sound_but_possibly_wider(con: Any,
                                                                                 guideline: eligo.Guideline) -> None:
    """The language reference: PostgreSQL has no exact step, so its `possible` and `missing` are the three-valued
    answer, sound but possibly wider than `Guideline.evaluate`'s exact one."""
    rows = cohort(guideline, seed=17)
    load(con, guideline, rows)
    records = run(con, decisions_query(guideline))
    problems = []
    for row, record in zip(rows, records, strict=True):
        shown = guideline.evaluate(case_of(guideline, row), trace=False).to_json()["decisions"]
        for name in guideline.decision_names:
            exact, got = json_decision(shown[name]), sql_decision(record, name)
            if (why := wider(exact, got)) is not None:
                problems.append(f"row {record['_row']} {name}: {why}: exact {exact} postgres {got}")
    assert problems == []


def test_a_score_settled_whatever_the_missing_criterion_is_unknown_in_postgres_and_decided_in_python(con: Any) -> None:
    """Issue 11's score: with a and b yes and c missing, every value of c gives a high risk (with both no, a low one).
    Python's exact step says so; PostgreSQL's query, three-valued, says unknown with both outcomes possible and c
    missing (sound, wider); where c does matter both say so."""
    g = compile_guideline("""
        input a: yes/no, optional
        input b: yes/no, optional
        input c: yes/no, optional
        define score: (if a then 1 else 0) + (if b then 1 else 0) + (if c then 1 else 0)
        decision risk: high | low
          rule many: when score >= 2 then high
          otherwise low
    """)
    rows = [{"a": True, "b": True, "c": None}, {"a": True, "b": False, "c": None}, {"a": False, "b": False, "c": None}]
    load(con, g, rows)
    got = [sql_decision(r, "risk") for r in run(con, decisions_query(g))]
    assert got == [{"value": None, "status": "unknown", "rule": None, "possible": ("high", "low"), "missing": ("c",)}] * 3
    exact = [json_decision(g.evaluate(case_of(g, row)).to_json()["decisions"]["risk"]) for row in rows]
    assert [(d["status"], d["value"]) for d in exact] == [("decided", "high"), ("unknown", None), ("decided", "low")]
    assert exact[1]["possible"] == ("high", "low") and exact[1]["missing"] == ("c",)


def test_a_field_named_ordinality_and_fields_named_after_keywords_run_on_postgres(con: Any) -> None:
    """Once refused by the server (`e.ordinality` clashed with WITH ORDINALITY's column, `e.select` was a syntax
    error); the rows agree with Python in the parametrized tests above, and the query is pinned here."""
    from tests.test_sql_list_names import reserved

    guideline = reserved()
    assert {f.name for f in guideline.inputs["spots"].fields} >= {"ordinality", "select", "order", "value", "element"}
    rows = cohort(guideline, size=60, seed=21)
    load(con, guideline, rows)
    records = run(con, decisions_query(guideline))
    assert len(records) == 60 and {r["d_rule"] for r in records} >= {"r1", "r2", "r3"}
