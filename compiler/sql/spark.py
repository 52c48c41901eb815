"""Cohorts on Spark: the same validation, decisions, summary and outputs as in DuckDB, through pyspark.

The queries are `plan.Plan`'s, written in the Spark dialect and run by `spark.sql` over a temporary view of
the data (Parquet, CSV or JSON lines, read from a path taken literally unless `pattern`; CSV column types are
inferred, as DuckDB infers them). Bad rows are numbered in file order from each row's
partition and its place in it. Spark writes a folder of part files, through a temporary folder beside the target
renamed into place: locally with pathlib (`outputs.Output`), at a URI (hdfs://, s3a://…) with Hadoop's file system.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from eligo.sql.columns import spark_kind
from eligo.sql.outputs import FORMATS, Output, OutputError, check_input, hadoop_literal, has_scheme
from eligo.sql.plan import COUNT, ROW, BadValue, CohortError, Plan
from eligo.sql.query import PREFIX
from eligo.sql.summary import Summary

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from eligo.compiled.guideline import Guideline

DEFAULT_MASTER = "local[*]"
_views = itertools.count()


@contextmanager
def session(master: str | None = None) -> Iterator[SparkSession]:
    """The active Spark session, or a new one on `master` (default local[*]) stopped at the end."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise CohortError("--engine spark needs pyspark (pip install pyspark) and Java 17 or later") from error
    active = SparkSession.getActiveSession()
    if active is not None:
        yield active
        return
    builder = SparkSession.builder.appName("eligo-cohort").master(master or DEFAULT_MASTER)
    builder = builder.config("spark.sql.session.timeZone", "UTC").config("spark.ui.showConsoleProgress", "false")
    if (master or DEFAULT_MASTER).startswith("local"):
        builder = builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", "python3")
    try:
        spark = builder.getOrCreate()
    except Exception as error:  # Java missing, a master that cannot be reached: said in one line
        raise CohortError(f"cannot start Spark on {master or DEFAULT_MASTER}: {_first_line(error)}") from error
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield spark
    finally:
        spark.stop()


def _first_line(error: BaseException) -> str:
    text = str(getattr(error, "desc", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class SparkCohort:
    """One guideline over a DataFrame (or the data at a path), in one Spark session."""

    def __init__(self, spark: SparkSession, guideline: Guideline, data: str | Path | DataFrame, *,
                 criteria: bool = False, against: Guideline | None = None, changed_only: bool = True,
                 pattern: bool = False, exact: bool = False) -> None:
        self.spark, self.guideline = spark, guideline
        self.name = str(data) if isinstance(data, (str, Path)) else "the DataFrame"
        try:
            self.frame = read(spark, data, pattern) if isinstance(data, (str, Path)) else data
            self.view = f"{PREFIX}source_{os.getpid()}_{next(_views)}"
            self.frame.createOrReplaceTempView(self.view)
            kinds = {f.name: spark_kind(f.dataType.simpleString()) for f in self.frame.schema.fields}
        except CohortError:
            raise
        except Exception as error:
            raise CohortError(f"{self.name}: {_first_line(error)}") from error
        refined = None
        if exact:  # the rows the SQL leaves unknown, refined by the one Python implementation (a Python UDF)
            from eligo.sql.exact import register_spark

            refined = [register_spark(spark, g) for g in (against, guideline) if g is not None]
        self.plan = Plan(guideline, kinds, exp.to_table(self.view), name=self.name, criteria=criteria,
                         against=against, changed_only=changed_only, dialect="spark", exact=refined)

    def sql(self, query: exp.Expr) -> DataFrame:
        try:
            return self.spark.sql(query.sql(dialect="spark"))
        except Exception as error:
            raise CohortError(f"{self.name}: {_first_line(error)}") from error

    def decided(self) -> DataFrame:
        """The rows with their decisions, as a (lazy) DataFrame."""
        return self.sql(self.plan.query())

    def check(self) -> Summary:
        """Count bad rows and, if there are none, the outcomes; raise CohortError listing the first bad rows."""
        try:
            rows = [tuple(r) for r in self.sql(self.plan.check_query()).collect()]
        except CohortError:
            raise
        except Exception as error:  # a malformed CSV line, a file that vanished: said in one line
            raise CohortError(f"{self.name}: {_first_line(error)}") from error
        names = [*self.plan.decision_outputs(), f"{PREFIX}bad", COUNT]
        summary, total, invalid = self.plan.summary(names, rows)
        if invalid:
            raise self.plan.refusal(total, invalid, self.bad_rows())
        return summary

    def bad_rows(self) -> tuple[BadValue, ...]:
        """The first bad values with their row numbers: a row's partition's offset plus its place in it."""
        marked = f"{self.view}_marked"
        self.sql(exp.select(exp.Star(), exp.alias_(exp.func("spark_partition_id"), f"{PREFIX}p", quoted=True),
                            exp.alias_(exp.func("monotonically_increasing_id"), f"{PREFIX}i", quoted=True))
                 .from_(self.view)).createOrReplaceTempView(marked)
        counts = sorted(tuple(r) for r in self.sql(
            exp.select(exp.column(f"{PREFIX}p", quoted=True), exp.func("count", exp.Star())).from_(marked)
            .group_by(exp.column(f"{PREFIX}p", quoted=True))).collect())
        offsets, start = [], 0
        for partition, count in counts:
            offsets.append((exp.EQ(this=exp.column(f"{PREFIX}p", quoted=True), expression=exp.Literal.number(partition)),
                            exp.Literal.number(start)))
            start += count
        offset = exp.Case(ifs=[exp.If(this=c, true=v) for c, v in offsets], default=exp.Literal.number(0))
        place = exp.Sub(this=exp.column(f"{PREFIX}i", quoted=True), expression=exp.func(
            "shiftleft", exp.cast(exp.column(f"{PREFIX}p", quoted=True), exp.DataType.Type.BIGINT),
            exp.Literal.number(33)))
        row = exp.Add(this=exp.Add(this=offset, expression=exp.paren(place)), expression=exp.Literal.number(1))
        numbered = exp.select(exp.Star(), exp.alias_(row, ROW, quoted=True)).from_(marked).subquery(f"{PREFIX}numbered")
        result = self.sql(self.plan.bad_query(numbered))
        return self.plan.bad_values(result.columns, [tuple(r) for r in result.collect()])

    def write(self, target: str | Path, output: Output | RemoteOutput) -> None:
        """Write the decided rows to the output's temporary folder, then rename it into place."""
        frame = self.decided()
        suffix = Path(str(target)).suffix.lower()
        kind = FORMATS.get(suffix, "parquet")
        if kind == "csv":  # Spark's CSV writer takes no arrays: they are written [a, b], as DuckDB writes them
            from pyspark.sql import functions

            arrays = {f.name for f in frame.schema.fields if f.dataType.typeName() == "array"}
            frame = frame.select(*(functions.concat(functions.lit("["), functions.array_join(functions.col(f"`{c}`"),
                                                                                             ", "), functions.lit("]"))
                                   .alias(c) if c in arrays else functions.col(f"`{c}`") for c in frame.columns))
        writer = frame.write.mode("overwrite").format(kind)
        if kind == "csv":
            writer = writer.option("header", "true")
        try:
            writer.save(str(output.temporary))
            output.commit()
        except Exception as error:
            raise CohortError(f"{target}: {_first_line(error)}") from error

    def close(self) -> None:
        for view in (self.view, f"{self.view}_marked"):
            self.spark.catalog.dropTempView(view)


class RemoteOutput:
    """An output at a URI (hdfs://, s3a://, file://), through Hadoop's file system: checked before the work, written
    to a temporary folder beside the target and renamed onto it (an earlier Spark output there is replaced)."""

    def __init__(self, spark: SparkSession, target: str, inputs: tuple[str | Path, ...]) -> None:
        hadoop: Any = spark._jvm.org.apache.hadoop.fs  # type: ignore[union-attr]
        self.path = hadoop.Path(target)
        self.fs = self.path.getFileSystem(spark._jsc.hadoopConfiguration())
        parent, name = self.path.getParent(), self.path.getName()
        self.target = target
        if any(str(source).rstrip("/") == target.rstrip("/") for source in inputs):
            raise CohortError(f"{target}: is the input; write the decisions to another path")
        if parent is None or not self.fs.exists(parent):
            raise CohortError(f"{target}: no such folder {parent}; create it first")
        if self.fs.exists(self.path) and not (self.fs.getFileStatus(self.path).isDirectory()
                                              and self.fs.exists(hadoop.Path(self.path, "_SUCCESS"))):
            raise CohortError(f"{target}: exists and is not an earlier output; give another name")
        self.temporary = hadoop.Path(parent, f".{name}.{os.getpid()}.eligo-tmp").toString()
        self.old = hadoop.Path(parent, f".{name}.{os.getpid()}.old.eligo-tmp")
        self.hadoop = hadoop

    def commit(self) -> None:
        temporary = self.hadoop.Path(self.temporary)
        if self.fs.exists(self.path):
            self.fs.rename(self.path, self.old)
        if not self.fs.rename(temporary, self.path):
            raise CohortError(f"{self.target}: could not rename {self.temporary} onto it")
        self.fs.delete(self.old, True)

    def discard(self) -> None:
        self.fs.delete(self.hadoop.Path(self.temporary), True)


def read(spark: SparkSession, data: str | Path, pattern: bool = False) -> DataFrame:
    """The data at a path (Parquet, CSV with a header, JSON lines): exactly that path unless `pattern`."""
    suffix = Path(str(data)).suffix.lower()
    if not pattern:
        try:
            check_input(data, folder_ok=True)
        except OutputError as error:
            raise CohortError(str(error)) from error
    path = str(data) if pattern else hadoop_literal(data)
    if suffix == ".parquet":
        return spark.read.parquet(path)
    if suffix in (".csv", ".tsv", ".txt"):
        return spark.read.options(header="true", inferSchema="false", mode="FAILFAST",  # text, read as Python reads it
                                  sep="\t" if suffix == ".tsv" else ",").csv(path)
    if suffix in (".jsonl", ".ndjson", ".json"):
        return spark.read.options(mode="FAILFAST").json(path)
    raise CohortError(f"{data}: cannot read {suffix or 'a file without an extension'}; give Parquet, CSV or JSON lines")


def run(guideline: Guideline, data: str | Path, out: str | Path, master: str | None = None, *,
        criteria: bool = False, against: Guideline | None = None, changed_only: bool = True,
        pattern: bool = False, summaries: bool = True, exact: bool = False) -> Summary:
    """`cohort.run` on Spark: check `data`, then write it with its decisions to the folder `out` (and the summary
    beside it, for a local `out`); return the summary."""
    from eligo.sql.cohort import write_summary

    local = None
    if not has_scheme(out):
        try:
            local = Output(out, (data,), folder=True)
        except OutputError as error:
            raise CohortError(str(error)) from error
    elif Path(str(out)).suffix.lower() not in FORMATS:
        raise CohortError(f"{out}: cannot write {Path(str(out)).suffix or 'a path without an extension'}; "
                          "give .parquet, .csv or .jsonl")
    try:
        with session(master) as spark:
            output = local if local is not None else RemoteOutput(spark, str(out), (data,))
            try:
                cohort = SparkCohort(spark, guideline, data, criteria=criteria, against=against,
                                     changed_only=changed_only, pattern=pattern, exact=exact)
                try:
                    summary = cohort.check()
                    cohort.write(out, output)
                finally:
                    cohort.close()
            finally:
                output.discard()
    finally:
        if local is not None:
            local.discard()
    if summaries and local is not None:
        write_summary(summary, out)
    return summary

