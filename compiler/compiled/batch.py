"""Batches from Python: `Guideline.evaluate_many` over a list of dicts, a pyarrow Table, a pandas or a Polars
DataFrame, giving per decision D the columns D, D_status, D_rule, D_possible and D_missing (as `eligo cohort`).

Two routes to the same answers. A list of dicts is checked case by case as `evaluate` checks a case
(`eligo.cases.normalise`, the same messages) and decided by the fast evaluator, each decision decoded once per
outcome it reaches; an unknown one is refined by the same code as `evaluate` (eligo.compiled.exact). A table
or frame is decided in DuckDB, over Arrow, by the cohort query (eligo.sql.plan: values read as `eligo cohort`
reads them, the rows it leaves unknown refined through eligo.sql.exact's registered functions, which call that
same Python code). Either way a bad value refuses the whole batch (BatchError, a CaseError) with the rows and
fields in error, the first MAX_SHOWN of them; nothing is half-returned. Rows are numbered from 0, as the data's
own positions.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eligo.cases import CaseError, CaseProblem, normalise
from eligo.ir import outcome

if TYPE_CHECKING:
    import pyarrow as pa

    from eligo.compiled.guideline import Guideline
    from eligo.sql.plan import Plan

__all__ = ["MAX_SHOWN", "BatchError", "evaluate_many"]

MAX_SHOWN = 20  # problems listed in a refusal; the rest are counted
SUFFIXES = ("", "_status", "_rule", "_possible", "_missing")


class BatchError(CaseError):
    """A batch was refused: `problems` names each bad value as `row N: field` (N from 0); `more` counts the rest
    (of a table, the rows with bad values not listed)."""

    def __init__(self, problems: list[CaseProblem], rows: int, more: int = 0) -> None:
        self.rows = rows  # how many rows were refused
        super().__init__(problems[:MAX_SHOWN], f"the batch ({rows} row{'s' * (rows != 1)} with bad values)",
                         more + max(len(problems) - MAX_SHOWN, 0))


def evaluate_many(guideline: Guideline, data: Any, *, exact: bool = True, ignore_unknown: bool = False) -> Any:
    """Decide every row of `data`; an Arrow table for a list of dicts or a pyarrow Table, else the same kind of
    frame as given (pandas, with Arrow-backed columns; Polars), with the decisions' columns in the order of
    `output_names`."""
    kind = _kind(data)
    if kind == "rows":
        return _from_rows(guideline, data, exact, ignore_unknown)
    table = _to_arrow(data, kind)
    decided = _from_table(guideline, table, exact, ignore_unknown)
    if kind == "pandas":  # Arrow-backed columns (pd.ArrowDtype): no copy, lists stay lists
        import pandas as pd

        return decided.to_pandas(types_mapper=pd.ArrowDtype)
    if kind == "polars":
        import polars as pl

        return pl.from_arrow(decided)
    return decided


def output_names(guideline: Guideline) -> list[str]:
    return [f"{name}{suffix}" for name in guideline.decision_names for suffix in SUFFIXES]


def schema(guideline: Guideline) -> pa.Schema:
    """The result's columns: a decision's value is text (a list of texts for a `collect` decision)."""
    import pyarrow as pa

    texts = pa.list_(pa.string())
    fields = []
    for decision in guideline.program.own:
        value = texts if decision.policy == "collect" else pa.string()
        fields += [pa.field(decision.name, value), pa.field(f"{decision.name}_status", pa.string()),
                   pa.field(f"{decision.name}_rule", pa.string()), pa.field(f"{decision.name}_possible", texts),
                   pa.field(f"{decision.name}_missing", texts)]
    return pa.schema(fields)


def _kind(data: Any) -> str:
    module = type(data).__module__.split(".", 1)[0]
    if module == "pyarrow" and hasattr(data, "schema") and hasattr(data, "num_rows"):
        return "arrow"
    if module == "pandas" and hasattr(data, "columns"):
        return "pandas"
    if module == "polars" and hasattr(data, "to_arrow"):
        return "polars"
    if isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        return "rows"
    raise TypeError(f"evaluate_many takes a list of dicts, a pyarrow Table, or a pandas or Polars DataFrame, "
                    f"not {type(data).__name__}")


# ---------------------------------------------------------------- a list of dicts, in Python


def _from_rows(guideline: Guideline, rows: Sequence[Any], exact: bool, ignore_unknown: bool) -> pa.Table:
    import pyarrow as pa

    inputs = guideline.inputs
    prepared: list[dict[str, Any]] = []
    problems: list[CaseProblem] = []
    more = refused = 0
    for index, row in enumerate(rows):
        try:
            prepared.append(normalise(inputs, row, f"row {index}", ignore_unknown))
        except CaseError as error:
            refused += 1
            for problem in error.problems:
                if len(problems) < MAX_SHOWN:
                    problems.append(CaseProblem(f"row {index}: {problem.field}", problem.message, problem.hint))
                else:
                    more += 1
            more += error.more
    if refused:
        raise BatchError(problems, refused, more)
    fast = guideline.code.fast
    decisions = guideline._decisions
    own = guideline._own_indices
    columns: list[list[list[Any]]] = [[[] for _ in SUFFIXES] for _ in own]
    memo: list[dict[Any, tuple[Any, ...]]] = [{} for _ in own]
    unknown = outcome.UNKNOWN
    for case in prepared:
        raw = fast(case)
        for slot, index in enumerate(own):
            got = raw[index]
            known = memo[slot].get(got) if got[1] != unknown else None
            if known is None:
                decided = guideline._decision_result(decisions[index], got, case, exact)
                known = (decided.value, decided.status, decided.rule, decided.possible, decided.missing)
                if got[1] != unknown:  # everything but an unknown is decided by the outcome tuple alone
                    memo[slot][got] = known
            out = columns[slot]
            for position in range(5):
                out[position].append(known[position])
    shape = schema(guideline)
    arrays = [pa.array(values, shape.field(i * 5 + j).type)
              for i, decision in enumerate(columns) for j, values in enumerate(decision)]
    return pa.Table.from_arrays(arrays, schema=shape)


# ---------------------------------------------------------------- a table or frame, in DuckDB


def _to_arrow(data: Any, kind: str) -> pa.Table:
    import pyarrow as pa

    if kind == "pandas":
        return pa.Table.from_pandas(data, preserve_index=False)  # NaN and None are missing values
    if kind == "polars":
        table: pa.Table = data.to_arrow()
        return table
    return data


def _from_table(guideline: Guideline, table: pa.Table, exact: bool, ignore_unknown: bool) -> pa.Table:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    from sqlglot import exp

    from eligo.dsl.diagnostics import did_you_mean
    from eligo.sql.plan import ROW
    from eligo.sql.query import PREFIX

    inputs = guideline.inputs
    names = [str(n) for n in table.column_names]
    strangers = [n for n in names if n not in inputs]
    if strangers and not ignore_unknown:
        raise BatchError([CaseProblem(n, "is not an input of this guideline (a column of the data)",
                                      did_you_mean(n, inputs)) for n in strangers], table.num_rows)
    if strangers:
        table = table.select([n for n in names if n in inputs])
    # DuckDB may hand the rows back in another order (threads, the exact step): each row carries its position
    table = table.append_column(_ROW, pa.array(np.arange(table.num_rows, dtype=np.int64)))
    engine = _engine()
    view = _VIEW  # one thread's connection decides one batch at a time
    engine.con.register(view, table)
    try:
        kinds = tuple((str(row[0]), str(row[1])) for row in engine.con.execute(f'DESCRIBE SELECT * FROM "{view}"')
                      .fetchall() if row[0] != _ROW)
        prepared = _prepared(guideline, kinds, exact, engine)
        counted = engine.con.execute(prepared.check).fetchall()[0][0] if prepared.check else 0
        if counted:
            position = exp.Add(this=exp.column(_ROW, quoted=True), expression=exp.Literal.number(1))
            numbered = exp.select(exp.Star(), exp.alias_(position, ROW, quoted=True)).from_(view).subquery(
                f"{PREFIX}numbered")
            found = engine.con.execute(prepared.plan.bad_query(numbered).sql("duckdb"))
            values = prepared.plan.bad_values([d[0] for d in found.description], found.fetchall())
            problems = [CaseProblem(f"row {v.row - 1}: {v.input}", v.message) for v in values]
            raise BatchError(problems, int(counted), int(counted) - len({v.row for v in values}))
        decided = engine.con.sql(prepared.sql).to_arrow_table()
    finally:
        engine.con.unregister(view)
    positions = decided.column(_ROW)
    if decided.num_rows and not pc.all(pc.equal(positions, table.column(_ROW))).as_py():
        order = np.empty(decided.num_rows, dtype=np.int64)  # where each row of the data is in the result
        order[positions.to_numpy()] = np.arange(decided.num_rows, dtype=np.int64)
        decided = decided.take(pa.array(order))
    decided = decided.drop_columns([_ROW])
    return _listed(decided.cast(schema(guideline)))


_VIEW = "_eligo_batch_source"  # the data's name on the connection, while one batch is decided
_ROW = "_eligo_batch_row"
MAX_REGISTERED = 32  # guidelines whose exact functions one thread's connection keeps before starting afresh


@dataclass(frozen=True)
class _Prepared:
    plan: Plan
    sql: str
    check: str  # counts the rows with a bad value ("" when no column can hold one)


class _Engine:
    """One thread's DuckDB connection, the guidelines whose exact functions it has, and their prepared queries."""

    def __init__(self) -> None:
        import duckdb

        self.con = duckdb.connect()
        self.exact: dict[str, dict[str, str]] = {}  # by the guideline's SHA-256: the same sources, the same answers
        self.prepared: dict[tuple[str, tuple[tuple[str, str], ...], bool], _Prepared] = {}


_local = threading.local()


def _engine() -> _Engine:
    engine: _Engine | None = getattr(_local, "engine", None)
    if engine is None or len(engine.exact) > MAX_REGISTERED:
        if engine is not None:
            engine.con.close()
        engine = _local.engine = _Engine()
    return engine


def _prepared(guideline: Guideline, kinds: tuple[tuple[str, str], ...], exact: bool, engine: _Engine) -> _Prepared:
    """The query deciding a source of these column types (written once per guideline, types and thread)."""
    from sqlglot import exp

    from eligo.sql.columns import duckdb_kind
    from eligo.sql.plan import CohortError, Plan
    from eligo.sql.query import compile_query

    key = (guideline.sha256, kinds, exact)
    known = engine.prepared.get(key)
    if known is not None:
        return known
    refined = None
    if exact:
        if guideline.sha256 not in engine.exact:
            from eligo.sql.exact import register_duckdb

            engine.exact[guideline.sha256] = register_duckdb(engine.con, guideline)
        refined = engine.exact[guideline.sha256]
    source = exp.to_table(_VIEW)
    try:
        plan = Plan(guideline, {name: duckdb_kind(kind) for name, kind in kinds}, source, name="the data",
                    exact=[refined] if refined is not None else None)
    except CohortError as error:
        raise BatchError([CaseProblem("(columns)", str(error))], 0) from error
    query = compile_query(guideline, source, inputs=plan.readers[0], keep=[_ROW], dialect="duckdb",
                          exact=plan.exact[0] or None)
    # the values are checked by a query of their own: in the deciding query, a column of whether the row is bad
    # costs more than this whole pass (DuckDB 1.4, 1M rows: +250 ms against 56 ms)
    check = exp.select(exp.func("count", exp.Star())).from_(source).where(plan.bad()).sql("duckdb") \
        if plan.problems else ""
    prepared = engine.prepared[key] = _Prepared(plan, query.sql("duckdb"), check)
    return prepared


def _listed(table: pa.Table) -> pa.Table:
    """Lists the SQL leaves NULL (the missing inputs of a decided row) as empty lists, as `evaluate` gives them."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for field, column in zip(table.schema, table.columns, strict=True):
        if pa.types.is_list(field.type) and column.null_count and field.name.endswith(("_possible", "_missing")):
            column = pc.if_else(pc.is_null(column), pa.scalar([], field.type), column)
        columns.append(column)
    return pa.Table.from_arrays(columns, schema=table.schema)
