"""The Python API for cohorts in an engine: decide a DuckDB relation or a PySpark DataFrame, get one back.

    decided = decide(surgery, con.sql("SELECT * FROM registry WHERE year >= 2020"))   # a DuckDB relation
    decided = decide(surgery, spark.table("registry.patients"), criteria=True)         # a Spark DataFrame

The result has every column of the input, then per decision D: D, D_status, D_rule, D_missing (and, with
`criteria`, a column per rule and definition; with `against`, the earlier version's D_was… and D_changed).
Columns are read as `eligo cohort` reads them. With `validate` (the default) the rows are checked first, and
bad values raise CohortError naming their row; the result itself is lazy, to compose with further queries.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from eligo.sql.columns import duckdb_kind
from eligo.sql.plan import COUNT, ROW, CohortError, Plan
from eligo.sql.query import PREFIX
from eligo.sql.spark import SparkCohort
from eligo.sql.summary import Summary

if TYPE_CHECKING:
    import duckdb
    from pyspark.sql import DataFrame

    from eligo.compiled.guideline import Guideline

__all__ = ["CohortError", "decide", "decide_duckdb", "decide_spark", "summarise_duckdb", "summarise_spark"]
_names = itertools.count()


def _duckdb_plan(guideline: Guideline, relation: duckdb.DuckDBPyRelation, criteria: bool,
                 against: Guideline | None, changed_only: bool) -> tuple[Plan, str]:
    view = f"{PREFIX}relation_{next(_names)}"
    kinds = {name: duckdb_kind(str(kind)) for name, kind in zip(relation.columns, relation.types, strict=True)}
    return Plan(guideline, kinds, exp.to_table(view), name="the relation", criteria=criteria, against=against,
                changed_only=changed_only), view


def summarise_duckdb(guideline: Guideline, relation: duckdb.DuckDBPyRelation, *,
                     against: Guideline | None = None) -> Summary:
    """Check every row of `relation` and count its outcomes; raise CohortError listing the first bad rows."""
    plan, view = _duckdb_plan(guideline, relation, False, against, True)
    rows = _query(relation, view, plan.check_query()).fetchall()
    summary, total, invalid = plan.summary([*plan.decision_outputs(), f"{PREFIX}bad", COUNT], rows)
    if invalid:
        numbered = exp.select(exp.Star(), exp.alias_(exp.Window(this=exp.func("row_number")), ROW, quoted=True)
                              ).from_(view).subquery(f"{PREFIX}numbered")
        bad = _query(relation, view, plan.bad_query(numbered))
        raise plan.refusal(total, invalid, plan.bad_values(bad.columns, bad.fetchall()))
    return summary


def decide_duckdb(guideline: Guideline, relation: duckdb.DuckDBPyRelation, *, criteria: bool = False,
                  against: Guideline | None = None, changed_only: bool = True,
                  validate: bool = True) -> duckdb.DuckDBPyRelation:
    """`relation` with the guideline's decisions, as a DuckDB relation on the same connection."""
    if validate:
        summarise_duckdb(guideline, relation, against=against)
    plan, view = _duckdb_plan(guideline, relation, criteria, against, changed_only)
    return _query(relation, view, plan.query())


def _query(relation: duckdb.DuckDBPyRelation, view: str, query: exp.Expr) -> duckdb.DuckDBPyRelation:
    """`query` over `relation` named `view`, as a relation (a SELECT always gives one)."""
    result = relation.query(view, query.sql("duckdb"))
    assert result is not None
    return result


def summarise_spark(guideline: Guideline, frame: DataFrame, *, against: Guideline | None = None) -> Summary:
    """Check every row of `frame` and count its outcomes; raise CohortError listing the first bad rows."""
    cohort = SparkCohort(frame.sparkSession, guideline, frame, against=against)
    try:
        return cohort.check()
    finally:
        cohort.close()


def decide_spark(guideline: Guideline, frame: DataFrame, *, criteria: bool = False,
                 against: Guideline | None = None, changed_only: bool = True, validate: bool = True) -> DataFrame:
    """`frame` with the guideline's decisions, as a (lazy) Spark DataFrame in the same session."""
    cohort = SparkCohort(frame.sparkSession, guideline, frame, criteria=criteria, against=against,
                         changed_only=changed_only)
    if validate:
        cohort.check()
    return cohort.decided()  # its temporary view stays registered: the lazy result reads it


def decide(guideline: Guideline, frame: Any, **options: Any) -> Any:
    """`decide_duckdb` or `decide_spark`, by the kind of `frame`."""
    module = type(frame).__module__
    if module.startswith("duckdb"):
        return decide_duckdb(guideline, frame, **options)
    if module.startswith("pyspark"):
        return decide_spark(guideline, frame, **options)
    raise TypeError(f"decide takes a DuckDB relation or a PySpark DataFrame, not {type(frame).__name__}")
