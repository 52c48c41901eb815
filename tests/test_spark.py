"""Cohorts on a local Spark session: the product's Spark driver (`eligo.sql.spark`, `eligo cohort --engine spark`,
`frames.decide_spark`) gives the same rows as DuckDB and the Python evaluator on every output column, criteria and
comparisons included; bad rows are refused by row number and nothing is written. One session for all."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import eligo
from eligo.cli.main import app
from eligo.sql import frames
from tests.cohorts import EVERYTHING_SOURCE, sample
from tests.test_cohort import HEADER, ROWS
from tests.test_cohort_engines import EVERYTHING_2, agree, earlier, expected
from tests.test_differential import GUIDELINES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
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


def _records(frame: Any) -> list[dict[str, Any]]:
    return [row.asDict() for row in frame.collect()]


@pytest.mark.parametrize("guideline", [EVERYTHING_2, *GUIDELINES], ids=lambda g: f"{g.id}@{g.version}")
def test_spark_agrees_with_python_on_every_column_with_criteria_and_compare(spark: Any, guideline: eligo.Guideline,
                                                                            tmp_path: Path) -> None:
    """One Spark query per guideline: its decisions, its criteria, and the earlier version's decisions beside."""
    cohort = sample(guideline, 80, seed=13)
    against = earlier(guideline)
    path = tmp_path / "cohort.parquet"
    from tests.test_cohort_engines import _union_table

    pq.write_table(_union_table(guideline, against, cohort), path)
    frame = spark.read.parquet(str(path)).coalesce(1)
    decided = frames.decide_spark(guideline, frame, criteria=True, against=against, changed_only=False,
                                  validate=False)
    records = _records(decided)
    assert agree(records, expected(guideline, cohort, against, criteria=True)) == []
    assert {r[f"{guideline.decision_names[0]}_status"] for r in records} >= {"decided", "unknown"}


def _knowledge(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge" / "test" / "g"
    folder.mkdir(parents=True)
    (folder / "1.0.0.eligo").write_text(EVERYTHING_SOURCE)
    return tmp_path / "knowledge"


def test_eligo_cohort_on_spark_refuses_bad_rows_by_number_and_writes_nothing(spark: Any, tmp_path: Path) -> None:
    kb = _knowledge(tmp_path)
    data = tmp_path / "cohort.csv"
    data.write_text("\n".join([HEADER, ROWS[0], "2,11,,lungs,,maybe,,,,,", ROWS[1]]) + "\n")
    output = tmp_path / "decided.parquet"
    run = CliRunner().invoke(app, ["cohort", "test.g", str(data), "-o", str(output), "--engine", "spark",
                                   "--kb", str(kb)])
    assert run.exit_code == 1, run.output
    assert run.output.splitlines() == [
        f"error: {data}: 1 of 3 rows have bad values; nothing was written (fix them, or remove those rows)",
        "  - row 2: n: 11 is above the declared range 0 to 10",
        "  - row 2: site: 'lungs' is not a value of site (did you mean `lung`?)",
        "  - row 2: flag: expected yes/no (true or false), got 'maybe'",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cohort.csv", "knowledge"]


def test_eligo_cohort_on_spark_writes_what_duckdb_writes(spark: Any, tmp_path: Path) -> None:
    kb = _knowledge(tmp_path)
    data = tmp_path / "cohort.csv"
    data.write_text("\n".join([HEADER, *ROWS]) + "\n")
    written = {}
    for engine in ("duckdb", "spark"):
        output = tmp_path / f"{engine}.parquet"
        run = CliRunner().invoke(app, ["cohort", "test.g", str(data), "-o", str(output), "--engine", engine,
                                       "--criteria", "--kb", str(kb)])
        assert run.exit_code == 0, run.output
        assert run.output.splitlines()[0].startswith("test.g 1.0.0: 5 patients in ")
        pattern = output / "*.parquet" if engine == "spark" else output
        with duckdb.connect() as con:
            result = con.sql(f"SELECT * FROM read_parquet('{pattern}') ORDER BY id")
            outputs = result.columns[len(HEADER.split(",")):]  # the source's columns: typed as each engine infers
            written[engine] = [(r[0], *r[-len(outputs):]) for r in result.fetchall()]
        assert (tmp_path / f"{engine}.summary.json").exists()
    assert written["spark"] == written["duckdb"] and len(written["spark"]) == len(ROWS)
    assert (tmp_path / "spark.summary.md").read_text() == (tmp_path / "duckdb.summary.md").read_text()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_the_spark_api_refuses_bad_rows(spark: Any) -> None:
    frame = spark.createDataFrame([(1, "lung"), (3, "bone"), (12, "lung")], "n int, site string").coalesce(1)
    with pytest.raises(frames.CohortError) as refused:
        frames.decide(EVERYTHING_2, frame)
    assert [str(r) for r in refused.value.rows] == ["row 3: n: 12 is above the declared range 0 to 10"]
    decided = frames.decide(EVERYTHING_2, frame.where("n < 11"))
    assert [(r["n"], r["d_first_status"]) for r in decided.collect()] == [
        (n, EVERYTHING_2.evaluate({"n": n, "site": site}, trace=False)["d_first"].status) for n, site in ((1, "lung"),
                                                                                                      (3, "bone"))]


def test_a_uri_output_is_written_through_hadoop_and_replaced_whole(spark: Any, tmp_path: Path) -> None:
    from eligo.sql import spark as spark_cohorts
    from tests.test_cohort_engines import EVERYTHING_1

    data = tmp_path / "cohort.csv"
    data.write_text("\n".join([HEADER, *ROWS]) + "\n")
    target = f"file://{tmp_path}/decided.parquet"
    with pytest.raises(frames.CohortError, match="no such folder"):
        spark_cohorts.run(EVERYTHING_1, data, f"file://{tmp_path}/missing/decided.parquet")
    for rows in (5, 5):
        assert spark_cohorts.run(EVERYTHING_1, data, target).rows == rows
    with duckdb.connect() as con:
        assert con.sql(f"SELECT count(*) FROM read_parquet('{tmp_path}/decided.parquet/*.parquet')").fetchall() == [(5,)]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cohort.csv", "decided.parquet"]
