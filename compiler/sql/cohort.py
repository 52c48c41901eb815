"""Cohorts: one guideline over a file of patients, inside DuckDB, written to a file; rows never enter Python.

A column per input: a number column holds a quantity in the unit its input declares, a text column may
hold "18 months", dates are DATE or ISO text, yes/no inputs are booleans or yes/no/true/false text.
Two passes: the first checks every value and counts the outcomes (a summary); when any value is bad,
the rows are refused and the first ones reported with their row number (nothing is written, as the
Python evaluator refuses a case with a bad value). The second is one `COPY (SELECT …) TO` a temporary
file beside the output, renamed into place when complete.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlglot import exp

from eligo import cases, ir
from eligo.ir import units
from eligo.sql.expr import DATE, DOUBLE, and_, case, col, is_null, lit, negate, or_
from eligo.sql.query import PREFIX, compile_query, output_names

if TYPE_CHECKING:
    import duckdb

    from eligo.compiled.guideline import Guideline

READERS = {".csv": "read_csv", ".tsv": "read_csv", ".txt": "read_csv", ".parquet": "read_parquet",
           ".jsonl": "read_json", ".ndjson": "read_json", ".json": "read_json"}
FORMATS = {".parquet": "parquet", ".csv": "csv", ".jsonl": "json", ".ndjson": "json", ".json": "json"}
SHOWN = 20  # bad rows listed in a refusal
MEMORY_LIMIT = "384MB"  # DuckDB's, per cohort (its default, 80% of RAM, lets an ordered COPY buffer far more)
ProgressReport = Callable[[str, float], None]  # (pass, percent done)
_QUANTITY = r"^\s*(-?\d+(?:\.\d+)?)\s*([^\s\d].*?)\s*$"  # as `cases._QUANTITY`
_NUMERIC = re.compile(r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|"
                      r"FLOAT|DOUBLE|DECIMAL.*)$")


class CohortError(Exception):
    """The cohort cannot be evaluated: an unreadable file, a name clash, or bad values (listed in `rows`)."""

    def __init__(self, message: str, rows: tuple[BadValue, ...] = (), total: int = 0) -> None:
        self.rows = rows
        self.total = total
        listed = "".join(f"\n  - {row}" for row in rows)
        more = f"\n  … and {total - len(rows)} more" if total > len(rows) else ""
        super().__init__(message + listed + more)


@dataclass(frozen=True)
class BadValue:
    row: int  # 1-based, in file order (a CSV's header line not counted)
    input: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.input}: {self.message}"


@dataclass
class DecisionSummary:
    outcomes: Counter[str] = field(default_factory=Counter)  # decided rows by outcome
    statuses: Counter[str] = field(default_factory=Counter)  # rows by status
    missing: Counter[str] = field(default_factory=Counter)  # unknown rows by each input they want


@dataclass
class Summary:
    rows: int
    decisions: dict[str, DecisionSummary]
    absent: tuple[str, ...]  # inputs without a column: missing for every patient


# ---------------------------------------------------------------- reading columns


def _kind(duck_type: str) -> str:
    if duck_type == "BOOLEAN":
        return "bool"
    if duck_type == "DATE":
        return "date"
    if duck_type.startswith("TIMESTAMP"):
        return "timestamp"
    if duck_type == "VARCHAR" or duck_type.startswith("ENUM"):
        return "text"
    return "number" if _NUMERIC.match(duck_type) else "other"


def _try_double(text: exp.Expr) -> exp.Expr:
    return exp.TryCast(this=exp.Trim(this=text), to=exp.DataType.build("DOUBLE"))


def read_input(info: ir.InputInfo, column: str, kind: str) -> tuple[exp.Expr, exp.Expr]:
    """An input's canonical value from its column, and a condition TRUE when a present value is bad."""
    raw: exp.Expr = col(column)
    present = negate(is_null(raw))
    text = exp.cast(raw, exp.DataType.Type.VARCHAR)
    match info.type.kind, kind:
        case "bool", "bool":
            return raw, exp.false()
        case "bool", "text":
            lower = exp.Lower(this=text)
            value = case([(exp.In(this=lower, expressions=[lit("yes"), lit("true")]), exp.true()),
                          (exp.In(this=lower, expressions=[lit("no"), lit("false")]), exp.false())])
            return value, and_(present, is_null(value.copy()))
        case "enum", "text":
            return text, and_(present, negate(exp.In(this=text.copy(), expressions=[lit(v) for v in info.type.values])))
        case "date", "date" | "timestamp":
            return exp.cast(raw, DATE), exp.false()
        case "date", "text":
            iso = exp.RegexpLike(this=exp.Trim(this=text), expression=lit(r"^\d{4}-\d{2}-\d{2}$"))
            value = case([(iso, exp.TryCast(this=exp.Trim(this=text.copy()), to=exp.DataType.build("DATE")))])
            return value, and_(present, is_null(value.copy()))
        case "number", "number" | "text":
            number = exp.cast(raw, DOUBLE) if kind == "number" else _try_double(text)
            return number, and_(present, or_(is_null(number.copy()), _out_of_range(info, number.copy(), number.copy())))
        case "quantity", "number" | "text":
            return _quantity(info, raw, kind)
    return exp.cast(exp.null(), _sql_type(info)), present


def _quantity(info: ir.InputInfo, raw: exp.Expr, kind: str) -> tuple[exp.Expr, exp.Expr]:
    declared = units.lookup(info.unit) if info.unit else None
    factor = declared.factor if declared else 1.0
    present = negate(is_null(raw))
    if kind == "number":
        number: exp.Expr = exp.cast(raw, DOUBLE)
        canonical = number if factor == 1.0 else exp.Mul(this=number, expression=lit(factor))
        return canonical, and_(present, _out_of_range(info, number.copy(), canonical.copy()))
    text = exp.cast(raw, exp.DataType.Type.VARCHAR)
    plain = _try_double(text)
    amount = exp.TryCast(this=exp.RegexpExtract(this=text.copy(), expression=lit(_QUANTITY), group=lit(1)),
                         to=exp.DataType.build("DOUBLE"))
    unit = exp.RegexpExtract(this=text.copy(), expression=lit(_QUANTITY), group=lit(2))
    names = [n for n in units.names() if (u := units.lookup(n)) is not None and u.dimension == info.type.dimension]
    unit_factor = case([(exp.EQ(this=unit, expression=lit(n)), lit(units.lookup(n).factor))  # type: ignore[union-attr]
                        for n in names])
    canonical = case([(negate(is_null(plain)), plain if factor == 1.0 else exp.Mul(this=plain.copy(), expression=lit(factor)))],
                     exp.Mul(this=amount, expression=unit_factor))
    in_declared = case([(negate(is_null(plain.copy())), plain.copy())],
                       exp.Div(this=exp.paren(canonical.copy()), expression=lit(factor)))
    return canonical, and_(present, or_(is_null(canonical.copy()), _out_of_range(info, in_declared, canonical.copy())))


def _out_of_range(info: ir.InputInfo, declared: exp.Expr, value: exp.Expr) -> exp.Expr:
    """Not finite, not whole for a count, or outside the declared range (with `cases`' tolerance)."""
    checks: list[exp.Expr] = [negate(exp.func("isfinite", value))]
    if info.type.integer:
        checks.append(exp.NEQ(this=value.copy(), expression=exp.Floor(this=value.copy())))
    if info.low is not None:
        checks.append(exp.LT(this=declared, expression=lit(info.low - 1e-9)))
    if info.high is not None:
        checks.append(exp.GT(this=declared.copy(), expression=lit(info.high + 1e-9)))
    return or_(*checks)


def _sql_type(info: ir.InputInfo) -> str:
    return {"bool": "BOOLEAN", "date": "DATE", "enum": "VARCHAR"}.get(info.type.kind, "DOUBLE")


# ---------------------------------------------------------------- the cohort


class Cohort:
    """One guideline over one data file, in one DuckDB connection."""

    def __init__(self, guideline: Guideline, data: str | Path, threads: int | None = None,
                 memory_limit: str | None = MEMORY_LIMIT) -> None:
        import duckdb

        self.guideline = guideline
        self.data = Path(data)
        suffix = self.data.suffix.lower()
        if suffix not in READERS:
            raise CohortError(f"{data}: cannot read {suffix or 'a file without an extension'}; "
                              f"give CSV, Parquet or JSON lines ({', '.join(sorted(READERS))})")
        if not self.data.exists():
            raise CohortError(f"{data}: no such file")
        self.con: duckdb.DuckDBPyConnection = duckdb.connect()
        self.con.execute("SET enable_progress_bar = true")
        self.con.execute("SET enable_progress_bar_print = false")
        try:
            if threads:
                self.con.execute(f"SET threads = {int(threads)}")
            if memory_limit:  # the rows are written in file order, which DuckDB buffers up to this limit
                self.con.execute("SET memory_limit = ?", [memory_limit])
        except duckdb.Error as error:
            raise CohortError(f"memory limit {memory_limit!r}: {str(error).splitlines()[0]}") from error
        self.source = exp.func(READERS[suffix], lit(str(self.data)))
        try:
            described = self.con.execute(f"DESCRIBE SELECT * FROM {self.source.sql('duckdb')}").fetchall()
        except duckdb.Error as error:
            raise CohortError(f"{data}: {str(error).splitlines()[0]}") from error
        self.columns = {row[0]: _kind(str(row[1])) for row in described}
        clash = sorted(set(self.columns) & set(output_names(guideline)))
        clash += sorted(c for c in self.columns if c.startswith(PREFIX))
        if clash:
            raise CohortError(f"{data}: the columns {', '.join(clash)} would clash with the output columns; rename them")
        self.absent = tuple(n for n in guideline.inputs if n not in self.columns)
        self.inputs: dict[str, exp.Expr] = {}
        self.problems: dict[str, exp.Expr] = {}
        for name, info in guideline.inputs.items():
            if name in self.columns:
                self.inputs[name], self.problems[name] = read_input(info, name, self.columns[name])
            else:
                self.inputs[name], self.problems[name] = exp.cast(exp.null(), _sql_type(info)), exp.false()

    def query(self) -> exp.Select:
        """Every column of the file, then the decisions' columns."""
        return compile_query(self.guideline.program, self.source, inputs=self.inputs, keep=list(self.columns))

    def check(self, progress: Callable[[float], None] | None = None) -> Summary:
        """The first pass: count bad rows and, if there are none, the outcomes; raise CohortError on bad rows."""
        names = self.guideline.decision_names
        bad = or_(*self.problems.values())
        query = self.query()
        inner = exp.select(*(col(f"{d}{s}") for d in names for s in ("", "_status", "_missing")),
                           exp.alias_(bad, f"{PREFIX}bad", quoted=True)).from_(query.subquery(f"{PREFIX}q"))
        grouped = exp.select(exp.Star(), exp.alias_(exp.func("count", exp.Star()), f"{PREFIX}n", quoted=True)
                             ).from_(inner.subquery(f"{PREFIX}r")).group_by("ALL")
        rows = self._run(grouped.sql("duckdb"), progress, fetch=True)
        total = sum(r[-1] for r in rows)
        invalid = sum(r[-1] for r in rows if r[-2])
        if invalid:
            raise CohortError(f"{self.data}: {invalid} of {total} rows have bad values; nothing was written "
                              "(fix them, or remove those rows)", self.bad_rows(), invalid)
        summary = Summary(total, {d: DecisionSummary() for d in names}, self.absent)
        for row in rows:
            for index, name in enumerate(names):
                value, status, missing = row[3 * index: 3 * index + 3]
                count = row[-1]
                summary.decisions[name].statuses[status] += count
                if status == "decided":
                    shown = ", ".join(value) if isinstance(value, list) else str(value)
                    summary.decisions[name].outcomes[shown] += count
                for wanted in missing or ():
                    summary.decisions[name].missing[wanted] += count
        return summary

    def bad_rows(self) -> tuple[BadValue, ...]:
        """The first bad values, with their row numbers and the evaluator's message for each."""
        numbered = exp.select(exp.Star(), exp.alias_(exp.Window(this=exp.func("row_number")), f"{PREFIX}row",
                                                     quoted=True)).from_(self.source)
        flags = [exp.alias_(p, f"{PREFIX}bad_{n}", quoted=True) for n, p in self.problems.items()]
        raws = [exp.alias_(col(n), f"{PREFIX}raw_{n}", quoted=True) for n in self.problems if n in self.columns]
        picked = exp.select(col(f"{PREFIX}row"), *flags, *raws).from_(numbered.subquery(f"{PREFIX}numbered"))
        picked = picked.where(or_(*self.problems.values())).order_by(col(f"{PREFIX}row")).limit(SHOWN)
        self.con.execute("SET threads = 1")  # file order, for the row numbers
        result = self.con.execute(picked.sql("duckdb"))
        names = [d[0] for d in result.description]
        out: list[BadValue] = []
        for record in result.fetchall():
            values = dict(zip(names, record, strict=True))
            for name, info in self.guideline.inputs.items():
                if values.get(f"{PREFIX}bad_{name}"):
                    out.append(BadValue(values[f"{PREFIX}row"], name, _message(info, values[f"{PREFIX}raw_{name}"])))
        return tuple(out[:SHOWN])

    def write(self, out: str | Path, progress: Callable[[float], None] | None = None) -> None:
        """The second pass: COPY the rows with their decisions to `out` (through a temporary file)."""
        target = Path(out)
        suffix = target.suffix.lower()
        if suffix not in FORMATS:
            raise CohortError(f"{out}: cannot write {suffix or 'a file without an extension'}; "
                              f"give .parquet, .csv or .jsonl")
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        params = [exp.CopyParameter(this=exp.var("FORMAT"), expression=exp.var(FORMATS[suffix]))]
        if suffix == ".csv":
            params.append(exp.CopyParameter(this=exp.var("HEADER"), expression=exp.true()))
        copy = exp.Copy(this=self.query().subquery(), kind=False, files=[lit(str(temporary))], params=params)
        try:
            self._run(copy.sql("duckdb"), progress)
            temporary.replace(target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()

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


def _message(info: ir.InputInfo, raw: object) -> str:
    """What the Python evaluator says of this value (a number written as text is read as that number)."""
    value = raw
    if isinstance(raw, str) and info.type.kind in ("number", "quantity"):
        with contextlib.suppress(ValueError):
            value = float(raw.strip())
    try:
        cases.convert(info, value)
    except ValueError as error:
        message, _, hint = str(error).partition("|")
        return f"{message} ({hint})" if hint else message
    return f"{raw!r} is not {info.type.describe()}"


def run(guideline: Guideline, data: str | Path, out: str | Path, progress: ProgressReport | None = None,
        threads: int | None = None, memory_limit: str | None = MEMORY_LIMIT) -> Summary:
    """Check the cohort in `data`, then write it with the guideline's decisions to `out`; return the summary."""
    cohort = Cohort(guideline, data, threads, memory_limit)
    try:
        summary = cohort.check(None if progress is None else (lambda done: progress("checking", done)))
        cohort.write(out, None if progress is None else (lambda done: progress("writing", done)))
        return summary
    finally:
        cohort.close()
