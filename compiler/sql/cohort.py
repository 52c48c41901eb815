"""Cohorts in DuckDB: one guideline over a file of patients, written to a file; rows never enter Python.

Two passes: the first checks every value and counts the outcomes (the summary); when any value is bad, the
rows are refused and the first ones reported with their row number (nothing is written, as the Python
evaluator refuses a case with a bad value). The second is one `COPY (SELECT …) TO` a temporary file beside
the output, renamed into place when complete. A path is read as that one file unless `pattern` is asked for.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from eligo.sql.columns import duckdb_kind
from eligo.sql.expr import lit
from eligo.sql.outputs import Output, OutputError, check_input, duckdb_literal, write_text
from eligo.sql.plan import COUNT, ROW, BadValue, CohortError, Plan
from eligo.sql.query import PREFIX
from eligo.sql.summary import Summary

if TYPE_CHECKING:
    import duckdb

    from eligo.compiled.guideline import Guideline

__all__ = ["BadValue", "Cohort", "CohortError", "Summary", "run", "summary_paths"]

READERS = {".csv": "read_csv", ".tsv": "read_csv", ".txt": "read_csv", ".parquet": "read_parquet",
           ".jsonl": "read_json", ".ndjson": "read_json", ".json": "read_json"}
MEMORY_LIMIT = "384MB"  # DuckDB's, per cohort (its default, 80% of RAM, lets an ordered COPY buffer far more)
ProgressReport = Callable[[str, float], None]  # (pass, percent done)


class Cohort:
    """One guideline over one data file (or, with `pattern`, the files a glob matches), in one DuckDB connection."""

    def __init__(self, guideline: Guideline, data: str | Path, threads: int | None = None,
                 memory_limit: str | None = MEMORY_LIMIT, *, criteria: bool = False,
                 against: Guideline | None = None, changed_only: bool = True, pattern: bool = False,
                 exact: bool = False) -> None:
        import duckdb

        self.guideline = guideline
        self.data = Path(data)
        suffix = self.data.suffix.lower()
        if suffix not in READERS:
            raise CohortError(f"{data}: cannot read {suffix or 'a file without an extension'}; "
                              f"give CSV, Parquet or JSON lines ({', '.join(sorted(READERS))})")
        if not pattern:
            try:
                check_input(self.data)
            except OutputError as error:
                raise CohortError(str(error)) from error
        self.con: duckdb.DuckDBPyConnection = duckdb.connect()
        self.con.execute("SET enable_progress_bar = true")
        self.con.execute("SET enable_progress_bar_print = false")
        try:
            if threads:
                self.con.execute(f"SET threads = {int(threads)}")
            if memory_limit:  # the rows are written in file order, which DuckDB buffers up to this limit
                self.con.execute("SET memory_limit = ?", [memory_limit])
        except duckdb.Error as error:
            self.con.close()
            raise CohortError(f"memory limit {memory_limit!r}: {str(error).splitlines()[0]}") from error
        self.source = exp.func(READERS[suffix], lit(str(data) if pattern else duckdb_literal(self.data)))
        if READERS[suffix] == "read_csv":  # text, read as the Python case reader reads it (no DuckDB type guessing)
            self.source.append("expressions", exp.EQ(this=exp.column("all_varchar"), expression=exp.true()))
        try:
            described = self.con.execute(f"DESCRIBE SELECT * FROM {self.source.sql('duckdb')}").fetchall()
            refined = None
            if exact:  # the rows the SQL leaves unknown, refined by the one Python implementation
                from eligo.sql.exact import register_duckdb

                versions = [g for g in (against, guideline) if g is not None]
                registered = {g.sha256: register_duckdb(self.con, g) for g in {g.sha256: g for g in versions}.values()}
                refined = [registered[g.sha256] for g in versions]
            self.plan = Plan(guideline, {row[0]: duckdb_kind(str(row[1])) for row in described}, self.source,
                             name=str(data), criteria=criteria, against=against, changed_only=changed_only,
                             exact=refined)
        except duckdb.Error as error:
            self.con.close()
            raise CohortError(f"{data}: {str(error).splitlines()[0]}") from error
        except CohortError:
            self.con.close()
            raise
        self.columns, self.absent = self.plan.columns, self.plan.absent

    def query(self) -> exp.Select:
        """Every column of the file, then the decisions' columns."""
        return self.plan.query()

    def check(self, progress: Callable[[float], None] | None = None) -> Summary:
        """The first pass: count bad rows and, if there are none, the outcomes; raise CohortError on bad rows."""
        query = self.plan.check_query()
        rows = self._run(query.sql("duckdb"), progress, fetch=True)
        names = [*self.plan.decision_outputs(), f"{PREFIX}bad", COUNT]
        summary, total, invalid = self.plan.summary(names, rows)
        if invalid:
            raise self.plan.refusal(total, invalid, self.bad_rows())
        return summary

    def bad_rows(self) -> tuple[BadValue, ...]:
        """The first bad values, with their row numbers and the evaluator's message for each."""
        numbered = exp.select(exp.Star(), exp.alias_(exp.Window(this=exp.func("row_number")), ROW, quoted=True)
                              ).from_(self.source).subquery(f"{PREFIX}numbered")
        self.con.execute("SET threads = 1")  # file order, for the row numbers
        result = self.con.execute(self.plan.bad_query(numbered).sql("duckdb"))
        return self.plan.bad_values([d[0] for d in result.description], result.fetchall())

    def write(self, output: Output, progress: Callable[[float], None] | None = None) -> None:
        """The second pass: COPY the rows with their decisions to the output's temporary, then rename it."""
        params = [exp.CopyParameter(this=exp.var("FORMAT"), expression=exp.var(output.format))]
        if output.format == "csv":
            params.append(exp.CopyParameter(this=exp.var("HEADER"), expression=exp.true()))
        copy = exp.Copy(this=self.query().subquery(), kind=False, files=[lit(str(output.temporary))], params=params)
        self._run(copy.sql("duckdb"), progress)
        output.commit()

    def _run(self, sql: str, progress: Callable[[float], None] | None, fetch: bool = False) -> list[Any]:
        """Run one statement; while it runs, report DuckDB's progress (0 to 100) from this thread."""
        if progress is None:
            result = self.con.execute(sql)
            return result.fetchall() if fetch else []
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                result = self.con.execute(sql)
                outcome["rows"] = result.fetchall() if fetch else []
            except Exception as error:  # re-raised in the calling thread
                outcome["error"] = error

        worker = threading.Thread(target=work, daemon=True)
        worker.start()
        for _ in _ticks(worker):
            done = self.con.query_progress()
            if done >= 0:
                progress(done)
        progress(100.0)
        if "error" in outcome:
            raise outcome["error"]
        rows: list[Any] = outcome["rows"]
        return rows

    def close(self) -> None:
        self.con.close()


def _ticks(worker: threading.Thread, every: float = 0.1) -> Iterator[None]:
    while worker.is_alive():
        worker.join(every)
        time.sleep(0)
        yield


def summary_paths(out: str | Path) -> tuple[Path, Path]:
    """Where the summary of a cohort written to `out` goes: Markdown and JSON beside it."""
    target = Path(out)
    return target.with_suffix(".summary.md"), target.with_suffix(".summary.json")


def write_summary(summary: Summary, out: str | Path) -> None:
    markdown, data = summary_paths(out)
    write_text(markdown, summary.to_markdown())
    write_text(data, summary.to_text_json())


def run(guideline: Guideline, data: str | Path, out: str | Path, progress: ProgressReport | None = None,
        threads: int | None = None, memory_limit: str | None = MEMORY_LIMIT, *, criteria: bool = False,
        against: Guideline | None = None, changed_only: bool = True, pattern: bool = False,
        summaries: bool = True, exact: bool = False) -> Summary:
    """Check the cohort in `data`, then write it with the guideline's decisions to `out` (and its summary beside
    it); return the summary. Every path is checked before any work; nothing is written if anything fails."""
    try:
        output = Output(out, (data,))
    except OutputError as error:
        raise CohortError(str(error)) from error
    import duckdb

    with output:
        cohort = Cohort(guideline, data, threads, memory_limit, criteria=criteria, against=against,
                        changed_only=changed_only, pattern=pattern, exact=exact)
        try:
            summary = cohort.check(None if progress is None else (lambda done: progress("checking", done)))
            cohort.write(output, None if progress is None else (lambda done: progress("writing", done)))
        except duckdb.Error as error:  # a file that changed or vanished meanwhile, a full disk: said in one line
            raise CohortError(f"{data}: {str(error).splitlines()[0]}") from error
        finally:
            cohort.close()
    if summaries:
        write_summary(summary, out)
    return summary
