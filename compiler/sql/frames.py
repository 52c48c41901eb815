"""The Python API for cohorts in an engine: decide a DuckDB relation or a PySpark DataFrame, get one back.

    decided = decide(surgery, con.sql("SELECT * FROM registry WHERE year >= 2020"))   # a DuckDB relation
    decided = decide(surgery, spark.table("registry.patients"), criteria=True)         # a Spark DataFrame

The result has every column of the input, then per decision D: D, D_status, D_rule, D_possible, D_missing (and,
with `criteria`, a column per rule and definition; with `against`, the earlier version's D_was… and D_changed).
Columns are read as `eligo cohort` reads them. With `validate` (the default) the rows are checked first, and
bad values raise CohortError naming their row; the result itself is lazy, to compose with further queries.

With `exact`, the rows three-valued SQL leaves unknown are refined as `Guideline.evaluate` refines them, through
functions registered on the engine (eligo.sql.exact): on the Spark session of the DataFrame, and on the DuckDB
connection of the relation. A DuckDB relation does not expose its connection, so pass it as `connection` (a
relation of the default connection, `duckdb.sql(...)`, needs none); a relation of another connection without it
is refused with that advice.
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
                 against: Guideline | None, changed_only: bool,
                 exact: list[dict[str, str]] | None = None) -> tuple[Plan, str]:
    view = f"{PREFIX}relation_{next(_names)}"
    kinds = {name: duckdb_kind(str(kind)) for name, kind in zip(relation.columns, relation.types, strict=True)}
    return Plan(guideline, kinds, exp.to_table(view), name="the relation", criteria=criteria, against=against,
                changed_only=changed_only, exact=exact), view


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
                  against: Guideline | None = None, changed_only: bool = True, validate: bool = True,
                  exact: bool = False, connection: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyRelation:
    """`relation` with the guideline's decisions, as a DuckDB relation on the same connection; with `exact`, the
    unknown rows refined by functions registered on `connection` (default: DuckDB's default connection)."""
    if validate:
        summarise_duckdb(guideline, relation, against=against)
    refined = None
    if exact:
        import duckdb

        from eligo.sql.exact import register_duckdb

        con = connection if connection is not None else duckdb.default_connection()
        versions = [g for g in (against, guideline) if g is not None]
        refined = [register_duckdb(con, g) for g in versions]
    plan, view = _duckdb_plan(guideline, relation, criteria, against, changed_only, refined)
    if not exact:
        return _query(relation, view, plan.query())
    import duckdb

    try:
        return _query(relation, view, plan.query())
    except duckdb.CatalogException as error:
        if "eligo_exact_" not in str(error):
            raise
        raise CohortError("exact refinement registers its functions on the relation's DuckDB connection, which a "
                          "relation does not expose: pass it, decide(guideline, relation, exact=True, "
                          "connection=con), or decide three-valued (exact=False)") from None


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
                 against: Guideline | None = None, changed_only: bool = True, validate: bool = True,
                 exact: bool = False) -> DataFrame:
    """`frame` with the guideline's decisions, as a (lazy) Spark DataFrame in the same session; with `exact`, the
    unknown rows refined by Python UDFs registered on that session."""
    cohort = SparkCohort(frame.sparkSession, guideline, frame, criteria=criteria, against=against,
                         changed_only=changed_only, exact=exact)
    if validate:
        cohort.check()
    return cohort.decided()  # its temporary view stays registered: the lazy result reads it


def decide(guideline: Guideline, frame: Any, **options: Any) -> Any:
    """`decide_duckdb` or `decide_spark`, by the kind of `frame`."""
    module = type(frame).__module__
    if module.startswith("duckdb"):
        return decide_duckdb(guideline, frame, **options)
    if module.startswith("pyspark"):
        if options.pop("connection", None) is not None:
            raise TypeError("connection is for a DuckDB relation; a Spark DataFrame brings its session")
        return decide_spark(guideline, frame, **options)
    raise TypeError(f"decide takes a DuckDB relation or a PySpark DataFrame, not {type(frame).__name__}")
