"""The `eligo cohort` and `eligo sql` commands: a guideline over a file of patients, and as SQL for an engine."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from eligo.cli.app import KbOption, app, err, fail, load_kb, out, select_guideline
from eligo.dsl.diagnostics import EligoError
from eligo.sql import cohort as cohorts
from eligo.sql import criteria as criteria_columns
from eligo.sql import query as sql
from eligo.sql import spark as spark_cohorts

VersionOption = Annotated[str | None, typer.Option("--version", help="An exact version.")]
AsOfOption = Annotated[str | None, typer.Option("--as-of", help="The version in force on this date.")]
DraftOption = Annotated[bool, typer.Option("--draft", help="Allow draft versions.")]


EngineOption = Annotated[str, typer.Option("--engine", help="duckdb (this machine) or spark (local[*], or a cluster "
                                           "with --master).")]


@app.command()
def cohort(
    guideline: Annotated[str, typer.Argument(help="Guideline id, e.g. colorectal.liver_metastasectomy")],
    data: Annotated[str, typer.Argument(help="Patients: a CSV, Parquet or JSON lines file, a column per input (on "
                                        "Spark, also a folder or a URI such as hdfs://…).")],
    output: Annotated[str, typer.Option("--output", "-o", help="Where to write: .parquet, .csv or .jsonl (on Spark, "
                                        "a folder of part files, perhaps at a URI).")],
    version: VersionOption = None,
    as_of: AsOfOption = None,
    draft: DraftOption = False,
    engine: EngineOption = "duckdb",
    master: Annotated[str | None, typer.Option("--master", help="The Spark master URL (default local[*]).")] = None,
    criteria: Annotated[bool, typer.Option("--criteria", help="A column per rule and definition: yes/no/unknown, "
                                           "or the value.")] = False,
    compare: Annotated[tuple[str, str] | None, typer.Option("--compare", metavar="V1 V2", help="Compare two "
                                                           "versions: write the patients whose decision changes.")]
    = None,
    every_row: Annotated[bool, typer.Option("--every-row", help="With --compare, write every patient.")] = False,
    exact: Annotated[bool, typer.Option("--exact/--three-valued", help="Refine the patients three-valued SQL leaves "
                                        "unknown as `eligo eval` does (through Python, for those rows only); "
                                        "--three-valued keeps the SQL's sound but wider answer.")] = True,
    pattern: Annotated[bool, typer.Option("--pattern", help="Read DATA as a glob (such as 'part-*.parquet'), not "
                                          "as one file.")] = False,
    threads: Annotated[int | None, typer.Option("--threads", help="DuckDB threads (default: all cores).")] = None,
    memory_limit: Annotated[str, typer.Option("--memory-limit", help="DuckDB memory limit; beyond it, it spills "
                                              "to disk.")] = cohorts.MEMORY_LIMIT,
    kb_path: KbOption = None,
) -> None:
    """Decide a whole cohort in DuckDB or Spark: writes every column of DATA plus, per decision D, D, D_status,
    D_rule, D_possible and D_missing, and a summary beside it (OUT.summary.md, OUT.summary.json). Rows with a bad
    value are listed by row number and nothing is written (exit code 1)."""
    if engine not in ("duckdb", "spark"):
        raise fail("--engine must be duckdb or spark")
    if master is not None and engine != "spark":
        raise fail("--master is for --engine spark")
    if threads is not None and engine != "duckdb":
        raise fail("--threads is for --engine duckdb (Spark takes its cores from --master, such as local[4])")
    if compare is not None and (version or as_of):
        raise fail("--compare names both versions; give no --version or --as-of")
    kb = load_kb(None, kb_path)
    against = None
    if compare is not None:
        against = select_guideline(kb, guideline, compare[0], None, True)
        compiled = select_guideline(kb, guideline, compare[1], None, True)
    else:
        compiled = select_guideline(kb, guideline, version, as_of, draft)
    started = time.perf_counter()
    options = {"criteria": criteria, "against": against, "changed_only": not every_row, "pattern": pattern,
               "exact": exact}
    try:
        if engine == "spark":
            summary = spark_cohorts.run(compiled, data, output, master, **options)  # type: ignore[arg-type]
        else:
            with _progress() as report:
                summary = cohorts.run(compiled, data, output, report, threads, memory_limit,
                                      **options)  # type: ignore[arg-type]
    except cohorts.CohortError as error:
        raise fail(str(error), 1 if error.rows else 2) from error
    except OSError as error:
        raise fail(f"{output}: {str(error).splitlines()[0] if str(error) else type(error).__name__}") from error
    elapsed = time.perf_counter() - started
    versions = f"{against.version} → {compiled.version}" if against is not None else compiled.version
    out.print(f"{compiled.id} {versions}: {summary.rows:,} patients in {elapsed:.1f} s → {output}", markup=False)
    if summary.absent:
        out.print(f"  no column for {', '.join(summary.absent)}: missing for every patient", markup=False)
    if against is not None:
        changed = ", ".join(f"{d} {n:,}" for d, n in summary.changed.items()) or "no decision in common"
        out.print(f"  patients whose decision changes: {changed}", markup=False)
    out.print(summary.renderable())
    for warning in summary.warnings():
        out.print(f"warning: {warning}", markup=False)
    markdown, data_file = cohorts.summary_paths(output)
    if markdown.exists():
        out.print(f"summary: {markdown}, {data_file}", markup=False)


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
    criteria: Annotated[bool, typer.Option("--criteria", help="A column per rule and definition too.")] = False,
    version: VersionOption = None,
    as_of: AsOfOption = None,
    draft: DraftOption = False,
    kb_path: KbOption = None,
) -> None:
    """Print the guideline as one SQL query over TABLE: its inputs, then D, D_status, D_rule, D_possible and
    D_missing per decision D (with --criteria, a column per rule and definition). Numbers are read in each
    input's declared unit."""
    if dialect not in sql.DIALECTS:
        raise fail(f"--dialect must be one of {', '.join(sql.DIALECTS)}")
    kb = load_kb(None, kb_path)
    compiled = select_guideline(kb, guideline, version, as_of, draft)
    try:
        subject = criteria_columns.criteria_program(compiled.program) if criteria else compiled
        query = sql.compile_query(subject, table, keep=[*(keep or []), *compiled.inputs], dialect=dialect,
                                  extra=criteria_columns.columns if criteria else None)
        out.print(query.sql(dialect=dialect, pretty=True) + ";", markup=False, highlight=False)
    except EligoError as error:
        err.print("\n".join(d.headline() for d in error.diagnostics), markup=False)
        raise fail(f"{compiled.id} {compiled.version} cannot be written in {dialect}", 1) from error
