"""The SQL back end with its exact step (eligo.sql.exact) agrees with `Guideline.evaluate` on every column, value,
status, rule, possible and missing, for every guideline in knowledge/ and the construct fixture, on generated
cohorts with missing values: in DuckDB, and in a local Spark session."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import eligo
from eligo.sql import exact
from eligo.sql.query import compile_query
from tests.cohorts import EVERYTHING, Outcome, arrow_table, knowledge_guidelines, rows, sample, sql_outcomes
from tests.test_exact import ARITHMETIC

ROOT = Path(__file__).resolve().parent.parent


GUIDELINES = [EVERYTHING, ARITHMETIC, *knowledge_guidelines()]


def _python(g: eligo.Guideline, cohort: Sequence[dict[str, Any]]) -> list[dict[str, Outcome]]:
    out = []
    for row in cohort:
        result = g.evaluate({k: v for k, v in row.items() if v is not None}, trace=False)
        out.append({n: (d.value, d.status, d.rule, d.possible, d.missing) for n, d in result.decisions.items()})
    return out


def _duckdb(g: eligo.Guideline, cohort: Sequence[dict[str, Any]]) -> list[dict[str, Outcome]]:
    with duckdb.connect() as con:
        con.register("cohort", arrow_table(g, cohort))
        query = compile_query(g, "cohort", exact=exact.register_duckdb(con, g)).sql(dialect="duckdb")
        result = con.execute(query)
        names = [d[0] for d in result.description]
        return sql_outcomes(g, [dict(zip(names, row, strict=True)) for row in result.fetchall()])


@pytest.mark.parametrize("g", GUIDELINES, ids=lambda g: f"{g.id}@{g.version}")
def test_duckdb_with_the_exact_step_agrees_with_python(g: eligo.Guideline) -> None:
    @settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.lists(rows(g, missing=0.35), min_size=1, max_size=60))
    def agree(cohort: list[dict[str, Any]]) -> None:
        assert _duckdb(g, cohort) == _python(g, cohort)

    agree()


def test_the_exact_step_decides_what_three_valued_sql_leaves_open() -> None:
    cohort = sample(EVERYTHING, 200)
    three_valued = compile_query(EVERYTHING, "cohort").sql(dialect="duckdb")
    with duckdb.connect() as con:
        con.register("cohort", arrow_table(EVERYTHING, cohort))
        plain = con.execute(f'SELECT count(*) FROM ({three_valued}) WHERE "d_first_status" = \'unknown\'').fetchone()
    refined = sum(o["d_first"][1] == "unknown" for o in _duckdb(EVERYTHING, cohort))
    assert plain is not None and refined <= plain[0]


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pyspark = pytest.importorskip("pyspark.sql")
    os.environ.setdefault("PYSPARK_PYTHON", "python3")
    session = (pyspark.SparkSession.builder.master("local[1]").appName("eligo-tests")
               .config("spark.sql.shuffle.partitions", "1").config("spark.ui.enabled", "false")
               .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
               .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    yield session


@pytest.mark.slow
@pytest.mark.parametrize("g", [GUIDELINES[0], *(g for g in GUIDELINES if g.id == "pancreas.liver_metastases")],
                         ids=lambda g: f"{g.id}@{g.version}")
def test_spark_with_the_exact_step_agrees_with_python(spark: Any, g: eligo.Guideline, tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    cohort = sample(g, 120)
    pq.write_table(arrow_table(g, cohort), tmp_path / "cohort.parquet")
    spark.read.parquet(str(tmp_path / "cohort.parquet")).createOrReplaceTempView("cohort")
    query = compile_query(g, "cohort", dialect="spark", exact=exact.register_spark(spark, g)).sql(dialect="spark")
    records = [row.asDict(recursive=True) for row in spark.sql(query).collect()]
    assert sql_outcomes(g, records) == _python(g, cohort)
