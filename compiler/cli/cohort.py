"""The `eligo cohort` and `eligo sql` commands: a guideline over a file of patients, and as SQL for an engine."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from eligo.cli.app import KB_OPTION, app, err, fail, load_kb, out, select_guideline
from eligo.dsl.diagnostics import EligoError
from eligo.sql import cohort as cohorts
from eligo.sql import query as sql

VersionOption = Annotated[str | None, typer.Option("--version", help="An exact version.")]
AsOfOption = Annotated[str | None, typer.Option("--as-of", help="The version in force on this date.")]
DraftOption = Annotated[bool, typer.Option("--draft", help="Allow draft versions.")]


@app.command()
def cohort(
    guideline: Annotated[str, typer.Argument(help="Guideline id, e.g. colorectal.liver_metastasectomy")],
    data: Annotated[Path, typer.Argument(help="Patients: a CSV, Parquet or JSON lines file, a column per input.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write: .parquet, .csv or .jsonl.")],
    version: VersionOption = None,
    as_of: AsOfOption = None,
    draft: DraftOption = False,
    threads: Annotated[int | None, typer.Option("--threads", help="DuckDB threads (default: all cores).")] = None,
    memory_limit: Annotated[str, typer.Option("--memory-limit", help="DuckDB memory limit; beyond it, it spills "
                                              "to disk.")] = cohorts.MEMORY_LIMIT,
    kb_path: Annotated[Path, KB_OPTION] = Path("knowledge"),
) -> None:
    """Decide a whole cohort in DuckDB: writes every column of DATA plus, per decision D, D, D_status, D_rule and
    D_missing. Rows with a bad value are listed by row number and nothing is written (exit code 1)."""
    kb = load_kb([kb_path])
    compiled = select_guideline(kb, guideline, version, as_of, draft)
    started = time.perf_counter()
    try:
        with _progress() as report:
            summary = cohorts.run(compiled, data, output, report, threads, memory_limit)
    except cohorts.CohortError as error:
        raise fail(str(error), 1 if error.rows else 2) from error
    elapsed = time.perf_counter() - started
    out.print(f"{compiled.id} {compiled.version}: {summary.rows:,} patients in {elapsed:.1f} s → {output}",
              markup=False)
    if summary.absent:
        out.print(f"  no column for {', '.join(summary.absent)}: missing for every patient", markup=False)
    for line in summary_lines(summary):
        out.print(line, markup=False)


def summary_lines(summary: cohorts.Summary) -> list[str]:
    """Per decision: how many patients each outcome selects, and how many are unknown for want of what."""
    lines = []
    total = max(summary.rows, 1)
    for name, decision in summary.decisions.items():
        lines.append(f"{name}:")
        for outcome, count in _ranked(decision.outcomes):
            lines.append(f"  {outcome:<24} {count:>12,}  {count / total:6.1%}")
        for status in ("unknown", "unmatched", "conflict"):
            count = decision.statuses.get(status, 0)
            if count:
                lines.append(f"  {status:<24} {count:>12,}  {count / total:6.1%}")
        if decision.missing:
            wanted = ", ".join(f"{n} ({c:,})" for n, c in _ranked(decision.missing))
            lines.append(f"  unknown for want of: {wanted}")
    return lines


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


class _progress:
    """A Rich progress bar on a terminal (per pass: checking, writing); nothing otherwise."""

    def __enter__(self) -> cohorts.ProgressReport | None:
        if not err.is_terminal:
            return None
        self.bar = Progress(TextColumn("{task.description:<9}"), BarColumn(), TextColumn("{task.percentage:>5.1f}%"),
                            TimeElapsedColumn(), console=err, transient=True)
        self.tasks: dict[str, TaskID] = {}
        self.bar.start()
        return self.report

    def report(self, phase: str, done: float) -> None:
        if phase not in self.tasks:
            self.tasks[phase] = self.bar.add_task(phase, total=100)
        self.bar.update(self.tasks[phase], completed=done)

    def __exit__(self, *exc: object) -> None:
        if err.is_terminal:
            self.bar.stop()


@app.command("sql")
def sql_(
    guideline: Annotated[str, typer.Argument(help="Guideline id.")],
    dialect: Annotated[str, typer.Option("--dialect", "-d", help=f"One of {', '.join(sql.DIALECTS)}.")] = "duckdb",
    table: Annotated[str, typer.Option("--table", help="The table (or view) of patients, a column per input.")]
    = "cases",
    keep: Annotated[list[str] | None, typer.Option("--keep", help="A further column to carry through, such as a "
                                                   "patient id (repeatable).")] = None,
    version: VersionOption = None,
    as_of: AsOfOption = None,
    draft: DraftOption = False,
    kb_path: Annotated[Path, KB_OPTION] = Path("knowledge"),
) -> None:
    """Print the guideline as one SQL query over TABLE: its inputs, then D, D_status, D_rule and D_missing per
    decision D. Numbers are read in each input's declared unit."""
    if dialect not in sql.DIALECTS:
        raise fail(f"--dialect must be one of {', '.join(sql.DIALECTS)}")
    kb = load_kb([kb_path])
    compiled = select_guideline(kb, guideline, version, as_of, draft)
    try:
        query = sql.compile_query(compiled, table, keep=[*(keep or []), *compiled.inputs], dialect=dialect)
        out.print(query.sql(dialect=dialect, pretty=True) + ";", markup=False, highlight=False)
    except EligoError as error:
        err.print("\n".join(d.headline() for d in error.diagnostics), markup=False)
        raise fail(f"{compiled.id} {compiled.version} cannot be written in {dialect}", 1) from error
