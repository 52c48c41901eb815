"""The generated Spark SQL, run on a local pyspark session over the same cohort as DuckDB, gives the same rows:
outcome, status, rule and missing list (and both equal the Python evaluator)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

import compiler
from compiler.sql import compile_query
from tests.cohorts import EVERYTHING, arrow_table, duckdb_outcomes, python_outcomes, sample, sql_outcomes
from tests.test_differential import GUIDELINES

pytestmark = pytest.mark.slow
CASES = [EVERYTHING, *GUIDELINES]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pyspark = pytest.importorskip("pyspark.sql")
    os.environ.setdefault("PYSPARK_PYTHON", "python3")
    session = (pyspark.SparkSession.builder.master("local[1]").appName("eligo-tests")
               .config("spark.sql.shuffle.partitions", "1")
               .config("spark.ui.enabled", "false")
               .config("spark.driver.host", "127.0.0.1")
               .config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.sql.session.timeZone", "UTC")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def spark_outcomes(spark: Any, guideline: compiler.Guideline, cohort: list[dict[str, object]],
                   folder: Path) -> list[dict[str, Any]]:
    path = folder / f"{guideline.id}-{guideline.version}.parquet"
    pq.write_table(arrow_table(guideline, cohort), path)
    spark.read.parquet(str(path)).createOrReplaceTempView("cohort")
    query = compile_query(guideline, "cohort", dialect="spark").sql(dialect="spark")
    rows = [row.asDict() for row in spark.sql(query).collect()]
    return sql_outcomes(guideline, rows)


@pytest.mark.parametrize("guideline", CASES, ids=lambda g: f"{g.id}@{g.version}")
def test_spark_agrees_with_duckdb_and_python(spark: Any, guideline: compiler.Guideline, tmp_path: Path) -> None:
    cohort = sample(guideline, 300)
    from_spark = spark_outcomes(spark, guideline, cohort, tmp_path)
    assert from_spark == duckdb_outcomes(guideline, cohort)
    assert from_spark == python_outcomes(guideline, cohort)
    statuses = {decision[1] for row in from_spark for decision in row.values()}
    assert {"decided", "unknown"} <= statuses
