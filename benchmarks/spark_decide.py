"""Decide a Parquet cohort on a Spark cluster with the SQL that `eligo sql --dialect spark` prints.

    eligo sql colorectal.liver_metastasectomy --dialect spark --table cases > decide.sql
    spark-submit --master yarn --files decide.sql benchmarks/spark_decide.py \\
        hdfs:///registry/cohort.parquet decide.sql hdfs:///registry/decided.parquet

The Parquet columns are the guideline's inputs, typed: numbers in each input's declared unit, dates as DATE,
yes/no as BOOLEAN, kinds as STRING. Nothing but pyspark is needed on the cluster.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any


def decide(spark: Any, data: str, query: str, out: str, table: str = "cases") -> None:
    """Register `data` as `table`, run the query over it and write the rows with their decisions to `out`."""
    spark.read.parquet(data).createOrReplaceTempView(table)
    spark.sql(query.strip().rstrip(";")).write.mode("overwrite").parquet(out)


def main() -> None:
    from pyspark.sql import SparkSession

    if len(sys.argv) != 4:
        raise SystemExit("usage: spark_decide.py COHORT.parquet QUERY.sql OUT.parquet")
    data, query_file, out = sys.argv[1:]
    spark = SparkSession.builder.appName("eligo-cohort").getOrCreate()
    decide(spark, data, Path(query_file).read_text(), out)
    spark.stop()


if __name__ == "__main__":
    main()
