"""Any valid Eligo name works in the list SQL of every dialect: record fields named after SQL keywords and
PostgreSQL's `ordinality`, and an input named as the element once was (`e`), read inside a per-element condition.
DuckDB and (slow) Spark run it here against the Python evaluator; tests/test_postgres.py runs it on PostgreSQL."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

import eligo
from eligo.sql import frames
from eligo.sql.query import compile_query
from tests.cohorts import arrow_table, disagreements, python_outcomes, sample, sql_outcomes
from tests.eligo_helpers import guideline

RESERVED = """
kind place: liver | lung

record spot:
  ordinality: count from 0 to 10, optional
  select: yes/no, optional
  order: place, optional
  value: quantity in mm from 0 to 100, optional
  element: count from 0 to 9, optional

input spots: list of spot
input e: count from 0 to 10, optional
input from: yes/no, optional

define limit: 5
define numbered: count(spots where ordinality > e)
define group: count(spots) > limit
define chosen: any(spots where select)
define all_chosen: all(spots have select)
define places: distinct(order of spots)
define widest: largest(value of spots where order = lung)
define total: sum(element of spots)

decision d: keep | drop | review
  rule r1: when numbered >= 2 and from then keep
  rule r2: when chosen and places <= 1 and not group then review
  rule r3: when widest > 20 mm or total > 5 or all_chosen then drop
  otherwise review
"""


@functools.cache
def reserved() -> eligo.Guideline:
    return guideline(RESERVED, "test.reserved")


@pytest.mark.parametrize(("dialect", "written"), [
    ("duckdb", ['"#e"."ordinality"', '"#e"."select"', 'LAMBDA "#e" :', '"#e"."ordinality" > "e"']),
    ("spark", ["`#e`.`ordinality`", "`#e`.`order`", "`#e` ->", "`#e`.`ordinality` > `e`"]),
    ("postgres", ['FROM GENERATE_SUBSCRIPTS("spots", 1) AS "#list"("#i")', '"spots"["#list"."#i"]."ordinality" > "e"',
                  '"spots"["#list"."#i"] IS NOT DISTINCT FROM NULL', '"spots"["#list"."#i"]."select"']),
    ("bigquery", ['UNNEST(`spots`) AS `#e`', "`#e`.`ordinality` > `e`", "`#e`.`value`"]),
])
def test_every_dialect_quotes_fields_and_names_the_element_as_no_eligo_name_can(dialect: str,
                                                                                written: list[str]) -> None:
    sql = compile_query(reserved(), "cohort", dialect=dialect).sql(dialect=dialect)
    assert [w for w in written if w not in sql] == []
    assert "ORDINALITY" not in sql.upper().replace('"ORDINALITY"', "").replace("`ORDINALITY`", "")


def test_duckdb_agrees_with_python_with_fields_named_after_keywords() -> None:
    cohort = sample(reserved(), 400, seed=3)
    assert disagreements(reserved(), cohort) == []
    rules = {o["d"][2] for o in python_outcomes(reserved(), cohort)}
    assert rules >= {"r1", "r2", "r3", "otherwise"}, rules  # every rule, so every field, is reached


def test_duckdb_checks_and_decides_such_rows_through_the_product_driver() -> None:
    import duckdb

    cohort = sample(reserved(), 200, seed=4)
    with duckdb.connect() as con:
        decided = frames.decide_duckdb(reserved(), con.from_arrow(arrow_table(reserved(), cohort)), validate=True)
        records = [dict(zip(decided.columns, row, strict=True)) for row in decided.fetchall()]
    assert sql_outcomes(reserved(), records) == python_outcomes(reserved(), cohort)


@pytest.mark.slow
def test_spark_agrees_with_python_with_fields_named_after_keywords(tmp_path: Path) -> None:
    pyspark = pytest.importorskip("pyspark.sql")
    from tests.test_spark import spark as _  # noqa: F401 - the session settings are those of the Spark tests

    cohort = sample(reserved(), 150, seed=5)
    path = tmp_path / "cohort.parquet"
    pq.write_table(arrow_table(reserved(), cohort), path)
    session = (pyspark.SparkSession.builder.master("local[1]").appName("eligo-list-names")
               .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
               .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate())
    try:
        decided = frames.decide_spark(reserved(), session.read.parquet(str(path)).coalesce(1), validate=True)
        records: list[dict[str, Any]] = [row.asDict() for row in decided.collect()]
    finally:
        session.stop()
    assert sql_outcomes(reserved(), records) == python_outcomes(reserved(), cohort)


def test_a_bad_field_value_is_refused_by_its_row_whatever_the_fields_are_named() -> None:
    import duckdb

    cohort = [{"spots": [{"element": 3, "order": "lung"}], "e": 1, "from": True},
              {"spots": [{"element": 12, "select": True}], "e": None, "from": None}]  # element is 0 to 9
    refused = r"row 2: spots: spots\[0\]\.element: 12 is above the declared range 0 to 9"
    with duckdb.connect() as con, pytest.raises(frames.CohortError, match=refused):
        frames.decide_duckdb(reserved(), con.from_arrow(arrow_table(reserved(), cohort)), validate=True)
