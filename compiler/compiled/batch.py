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

import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from eligo.cases import CaseError, CaseProblem, normalise
from eligo.ir import outcome

if TYPE_CHECKING:
    import pyarrow as pa

    from eligo.compiled.guideline import Guideline

__all__ = ["MAX_SHOWN", "BatchError", "evaluate_many"]

MAX_SHOWN = 20  # problems listed in a refusal; the rest are counted
SUFFIXES = ("", "_status", "_rule", "_possible", "_missing")
_views = itertools.count()


class BatchError(CaseError):
    """A batch was refused: `problems` names each bad value as `row N: field` (N from 0); `more` counts the rest
    (of a table, the rows with bad values not listed)."""

    def __init__(self, problems: list[CaseProblem], rows: int, more: int = 0) -> None:
        self.rows = rows  # how many rows were refused
        super().__init__(problems[:MAX_SHOWN], f"the batch ({rows} row{'s' * (rows != 1)} with bad values)",
                         more + max(len(problems) - MAX_SHOWN, 0))


def evaluate_many(guideline: Guideline, data: Any, *, exact: bool = True, ignore_unknown: bool = False) -> Any:
    """Decide every row of `data`; an Arrow table for a list of dicts or a pyarrow Table, else the same kind of
    frame as given (pandas, Polars), with the decisions' columns in the order of `output_names`."""
    kind = _kind(data)
    if kind == "rows":
        return _from_rows(guideline, data, exact, ignore_unknown)
    table = _to_arrow(data, kind)
    decided = _from_table(guideline, table, exact, ignore_unknown)
    if kind == "pandas":
        return decided.to_pandas()
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
    unknown = outcome.STATUSES.index("unknown")
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
    import duckdb
    from sqlglot import exp

    from eligo.dsl.diagnostics import did_you_mean
    from eligo.sql.columns import duckdb_kind
    from eligo.sql.plan import ROW, CohortError, Plan
    from eligo.sql.query import PREFIX, compile_query

    inputs = guideline.inputs
    names = [str(n) for n in table.column_names]
    strangers = [n for n in names if n not in inputs]
    if strangers and not ignore_unknown:
        raise BatchError([CaseProblem(n, "is not an input of this guideline (a column of the data)",
                                      did_you_mean(n, inputs)) for n in strangers], table.num_rows)
    if strangers:
        table = table.select([n for n in names if n in inputs])
    view = f"{PREFIX}batch_{next(_views)}"
    with duckdb.connect() as con:
        con.register(view, table)
        described = con.execute(f'DESCRIBE SELECT * FROM "{view}"').fetchall()
        refined = None
        if exact:
            from eligo.sql.exact import register_duckdb

            refined = register_duckdb(con, guideline)
        try:
            plan = Plan(guideline, {row[0]: duckdb_kind(str(row[1])) for row in described}, exp.to_table(view),
                        name="the data", exact=[refined] if refined is not None else None)
        except CohortError as error:
            raise BatchError([CaseProblem("(columns)", str(error))], table.num_rows) from error
        if plan.problems:
            bad = exp.select(exp.func("count", exp.Star())).from_(view).where(plan.bad())
            counted = con.execute(bad.sql("duckdb")).fetchall()[0]
            if counted[0]:
                con.execute("SET threads = 1")  # the data's order, for the row numbers
                numbered = exp.select(exp.Star(), exp.alias_(exp.Window(this=exp.func("row_number")), ROW,
                                                             quoted=True)).from_(view).subquery(f"{PREFIX}numbered")
                found = con.execute(plan.bad_query(numbered).sql("duckdb"))
                values = plan.bad_values([d[0] for d in found.description], found.fetchall())
                problems = [CaseProblem(f"row {v.row - 1}: {v.input}", v.message) for v in values]
                rows = int(counted[0])
                raise BatchError(problems, rows, rows - len({v.row for v in values}))
        query = compile_query(guideline, exp.to_table(view), inputs=plan.readers[0], keep=[], dialect="duckdb",
                              exact=plan.exact[0] or None)
        decided = con.sql(query.sql("duckdb")).to_arrow_table()
    return _listed(decided.cast(schema(guideline)))


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
