"""The test that sends a row to the three-valued CASE (eligo.sql.settled): never NULL, TRUE wherever a rule's
condition is unknown, and FALSE where the condition's own structure settles it although an input is missing
(a pancreas row needs no disease-free interval). End to end, the query agrees with Python on every row of a grid
of missing values, for conditions of `and`, `or`, `not`, definitions, `is missing` and `first known of`."""

from __future__ import annotations

import itertools

import duckdb
import pytest
from sqlglot import exp

from eligo.sql import query as sql
from eligo.sql.expr import truth
from eligo.sql.settled import may_be_unknown
from tests.cohorts import disagreements
from tests.eligo_helpers import guideline

SITES = guideline("""
    kind site: colorectal | renal | pancreas
    input site: site, optional
    input dfi: duration in months from 0 to 240, optional
    input lesions: count from 0 to 20, optional
    input ca19: percent from -100 to 100, optional
    input ca125: percent from -100 to 100, optional
    input fit: yes/no, optional

    table threshold by site -> duration
      colorectal 12 months
      renal      24 months
      otherwise  none

    define favourable: site = pancreas or dfi > threshold[site]
    define marker: first known of (ca19, ca125) >= 50%

    decision surgery: candidate | not_candidate | insufficient_data, first match
      rule no_dfi: when dfi is missing and site != pancreas then insufficient_data
      rule few: when lesions <= 5 and favourable and (site != pancreas or marker) then candidate
      rule unfit: when not fit or lesions > 10 then not_candidate
      rule either: when site = renal or (fit and marker) then candidate
      otherwise not_candidate
""")

VALUES = {"site": [None, "colorectal", "renal", "pancreas"], "dfi": [None, 6.0, 30.0], "lesions": [None, 2, 8, 12],
          "ca19": [None, 10.0, 60.0], "ca125": [None, 70.0], "fit": [None, True, False]}
GRID = [dict(zip(VALUES, combo, strict=True)) for combo in itertools.product(*VALUES.values())]


def doubts_of(g: object) -> tuple[list[str], list[str]]:
    """Per rule of `surgery`: its condition as Kleene SQL, and the test that it may be unknown."""
    program = sql.program_of(g)  # type: ignore[arg-type]
    compiler = sql.Compiler(program, direct=frozenset(program.inputs))
    [decision] = program.own
    conditions = [truth(compiler.expr(r.condition)) for r in decision.rules]
    doubts = [may_be_unknown(compiler, r.condition) for r in decision.rules]
    shared = {name: e for layer in compiler.layers.columns for name, e in layer}  # a value read twice: inlined

    def inline(tree: exp.Expr) -> str:
        while any(isinstance(n, exp.Column) and n.name in shared for n in tree.walk()):
            tree = tree.transform(lambda n: exp.paren(shared[n.name].copy())
                                  if isinstance(n, exp.Column) and n.name in shared else n)
        return tree.sql("duckdb")
    return [inline(c) for c in conditions], [inline(d) for d in doubts]


@pytest.fixture(scope="module")
def grid() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE cases (site VARCHAR, dfi DOUBLE, lesions INTEGER, ca19 DOUBLE, ca125 DOUBLE, fit BOOLEAN)")
    con.executemany("INSERT INTO cases VALUES (?, ?, ?, ?, ?, ?)", [list(r.values()) for r in GRID])
    return con


def test_the_query_agrees_with_python_on_every_combination_of_missing_values() -> None:
    assert len(GRID) == 4 * 3 * 4 * 3 * 2 * 3
    assert disagreements(SITES, GRID) == []


def test_it_is_never_null_and_true_wherever_a_condition_is_unknown(grid: duckdb.DuckDBPyConnection) -> None:
    conditions, doubts = doubts_of(SITES)
    for index, (condition, doubt) in enumerate(zip(conditions, doubts, strict=True)):
        counted = grid.execute(f"SELECT count(*) FILTER (WHERE ({doubt}) IS NULL), "
                               f"count(*) FILTER (WHERE ({condition}) IS NULL AND NOT ({doubt})), "
                               f"count(*) FILTER (WHERE ({condition}) IS NULL), count(*) FILTER (WHERE {doubt}) "
                               "FROM cases").fetchall()[0]
        null, missed, unknown, sent = counted
        assert (null, missed) == (0, 0), f"rule {index}: {null} rows NULL, {missed} unknown rows not sent"
        assert unknown > 0 and sent >= unknown


def test_the_structure_keeps_rows_on_the_two_valued_case(grid: duckdb.DuckDBPyConnection) -> None:
    """`site = pancreas or …` is TRUE for a pancreas row whatever its DFI; `lesions <= 5 and …` is FALSE for 8
    lesions whatever else; `dfi is missing` is never unknown: none of these rows is sent to the slow part."""
    _, doubts = doubts_of(SITES)

    def sent(rule: int, where: str) -> int:
        return int(grid.execute(f"SELECT count(*) FILTER (WHERE {doubts[rule]}) FROM cases WHERE {where}")
                   .fetchall()[0][0])

    assert sent(0, "site IS NOT NULL") == 0  # `dfi is missing and site != pancreas`: only a missing site doubts
    assert sent(0, "site IS NULL AND dfi IS NULL") == 4 * 3 * 2 * 3  # every such row (lesions, ca19, ca125, fit)
    assert sent(1, "lesions = 8") == 0
    assert sent(1, "site = 'pancreas' AND lesions = 2 AND (ca19 IS NOT NULL OR ca125 IS NOT NULL)") == 0
    assert sent(1, "site = 'colorectal' AND lesions = 2 AND dfi IS NULL") > 0
    assert sent(2, "fit = FALSE") == 0 and sent(2, "lesions = 12") == 0
    assert sent(3, "site = 'renal'") == 0


def test_a_decision_read_may_always_be_unknown() -> None:
    reading = guideline("""
        input n: count from 0 to 9, optional
        decision inner: high | low
          rule big: when n > 5 then high
          otherwise low
        decision outer: go | stop
          rule go: when inner = high then go
          otherwise stop
    """)
    program = sql.program_of(reading)
    compiler = sql.Compiler(program, direct=frozenset(program.inputs))
    outer = next(d for d in program.own if d.name == "outer")
    assert may_be_unknown(compiler, outer.rules[0].condition) == exp.true()
    assert disagreements(reading, [{"n": None}, {"n": 7}, {"n": 2}]) == []
