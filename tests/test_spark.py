"""The generated Spark SQL, run on a local pyspark session over the same cohort as DuckDB, gives the same rows:
outcome, status, rule and missing list (and both equal the Python evaluator)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import eligo
from eligo.sql.query import compile_query
from tests.cohorts import EVERYTHING, arrow_table, duckdb_outcomes, python_outcomes, sample, sql_outcomes
from tests.test_differential import GUIDELINES, ROOT

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


def spark_outcomes(spark: Any, guideline: eligo.Guideline, cohort: list[dict[str, object]],
                   folder: Path) -> list[dict[str, Any]]:
    path = folder / f"{guideline.id}-{guideline.version}.parquet"
    pq.write_table(arrow_table(guideline, cohort), path)
    spark.read.parquet(str(path)).createOrReplaceTempView("cohort")
    query = compile_query(guideline, "cohort", dialect="spark").sql(dialect="spark")
    rows = [row.asDict() for row in spark.sql(query).collect()]
    return sql_outcomes(guideline, rows)


@pytest.mark.parametrize("guideline", CASES, ids=lambda g: f"{g.id}@{g.version}")
def test_spark_agrees_with_duckdb_and_python(spark: Any, guideline: eligo.Guideline, tmp_path: Path) -> None:
    cohort = sample(guideline, 300)
    from_spark = spark_outcomes(spark, guideline, cohort, tmp_path)
    assert from_spark == duckdb_outcomes(guideline, cohort)
    assert from_spark == python_outcomes(guideline, cohort)
    statuses = {decision[1] for row in from_spark for decision in row.values()}
    assert {"decided", "unknown"} <= statuses


def test_the_cluster_driver_runs_the_printed_spark_sql(spark: Any, tmp_path: Path) -> None:
    """benchmarks/spark_decide.py (what a registry hands to spark-submit) over the SQL `eligo sql` prints."""
    import importlib.util

    import duckdb
    from typer.testing import CliRunner

    from eligo.cli.main import app
    from tests.cohorts import EVERYTHING_SOURCE

    knowledge = tmp_path / "knowledge" / "test" / "g"
    knowledge.mkdir(parents=True)
    (knowledge / "1.0.0.eligo").write_text(EVERYTHING_SOURCE)
    printed = CliRunner().invoke(app, ["sql", "test.g", "--dialect", "spark", "--keep", "row_id", "--kb",
                                       str(tmp_path / "knowledge")])
    assert printed.exit_code == 0, printed.output
    spec = importlib.util.spec_from_file_location("spark_decide", ROOT / "benchmarks" / "spark_decide.py")
    assert spec is not None and spec.loader is not None
    driver = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(driver)
    cohort = sample(EVERYTHING, 200, seed=7)
    table = arrow_table(EVERYTHING, cohort)
    pq.write_table(table.append_column("row_id", pa.array(range(len(cohort)))), tmp_path / "cohort.parquet")
    driver.decide(spark, str(tmp_path / "cohort.parquet"), printed.output, str(tmp_path / "decided.parquet"))
    with duckdb.connect() as con:
        result = con.execute(f"SELECT * FROM read_parquet('{tmp_path / 'decided.parquet'}/*.parquet') ORDER BY row_id")
        names = [d[0] for d in result.description]
        records = [dict(zip(names, row, strict=True)) for row in result.fetchall()]
    assert names[:2] == ["row_id", "n"] and [r["row_id"] for r in records] == list(range(len(cohort)))
    assert sql_outcomes(EVERYTHING, records) == python_outcomes(EVERYTHING, cohort)
