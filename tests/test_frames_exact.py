"""eligo.decide with `exact`: a DuckDB relation's unknown rows refined as `Guideline.evaluate` refines them (value,
status, rule, possible, missing for every row of generated cohorts with missing values), on the relation's own
connection when it is passed and on DuckDB's default connection; a relation of another connection without it is
refused with the advice to pass it."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

import eligo
from eligo.sql.plan import CohortError
from tests.cohorts import EVERYTHING, arrow_table, knowledge_guidelines, sample, sql_outcomes

PANCREAS = next(g for g in knowledge_guidelines() if g.id == "pancreas.liver_metastases")


def _python(g: eligo.Guideline, cohort: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in cohort:
        result = g.evaluate({k: v for k, v in row.items() if v is not None}, trace=False)
        out.append({n: (d.value, d.status, d.rule, d.possible, d.missing) for n, d in result.decisions.items()})
    return out


@pytest.mark.parametrize("g", [EVERYTHING, PANCREAS], ids=lambda g: g.id)
def test_an_exact_decide_on_the_relations_connection_agrees_with_evaluate(g: eligo.Guideline) -> None:
    cohort = sample(g, 150)
    with duckdb.connect() as con:
        con.register("cohort", arrow_table(g, cohort))
        relation = eligo.decide(g, con.sql("SELECT * FROM cohort"), exact=True, connection=con)
        rows = [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]
    assert sql_outcomes(g, rows) == _python(g, cohort)


def test_an_exact_decide_on_the_default_connection_needs_no_connection() -> None:
    cohort = sample(EVERYTHING, 40)
    patients = arrow_table(EVERYTHING, cohort)  # noqa: F841  (read by name by duckdb.sql)
    relation = eligo.decide(EVERYTHING, duckdb.sql("SELECT * FROM patients"), exact=True)
    rows = [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]
    assert sql_outcomes(EVERYTHING, rows) == _python(EVERYTHING, cohort)
    three_valued = eligo.decide(EVERYTHING, duckdb.sql("SELECT * FROM patients"))
    plain = [dict(zip(three_valued.columns, row, strict=True)) for row in three_valued.fetchall()]
    assert sql_outcomes(EVERYTHING, rows) != sql_outcomes(EVERYTHING, plain)  # the exact step narrowed some rows


def test_an_exact_decide_of_another_connections_relation_asks_for_it() -> None:
    with duckdb.connect() as con:
        con.register("cohort", arrow_table(EVERYTHING, sample(EVERYTHING, 5)))
        with pytest.raises(CohortError, match=r"connection=con"):
            eligo.decide(EVERYTHING, con.sql("SELECT * FROM cohort"), exact=True)
