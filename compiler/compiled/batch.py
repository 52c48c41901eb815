"""Batches from Python: `Guideline.evaluate_many` over a list of dicts, a pyarrow Table, a pandas or a Polars
DataFrame, giving per decision D the columns D, D_status, D_rule, D_possible and D_missing (as `eligo cohort`).

Two routes to the same answers. A list of dicts is checked case by case as `evaluate` checks a case
(`eligo.cases.normalise`, the same messages) and decided by the fast evaluator, each decision decoded once per
outcome it reaches; an unknown one is refined by the same code as `evaluate` (eligo.compiled.exact). A table
or frame is decided in DuckDB, over Arrow (eligo.compiled.batch_table: values read as `eligo cohort` reads them,
a code per decision and row decoded in Arrow, the rows left unknown decided by the cohort query whose exact step
calls that same Python code). Either way a bad value refuses the whole batch (BatchError, a CaseError) with the rows and
fields in error, the first MAX_SHOWN of them; nothing is half-returned. Rows are numbered from 0, as the data's
own positions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from eligo.cases import CaseError, CaseProblem, normalise
from eligo.compiled.batch_checks import MAX_SHOWN, BatchError
from eligo.compiled.batch_table import SUFFIXES, decide, schema

if TYPE_CHECKING:
    import pyarrow as pa

    from eligo.compiled.guideline import Guideline

__all__ = ["MAX_SHOWN", "BatchError", "evaluate_many", "output_names", "schema"]


def evaluate_many(guideline: Guideline, data: Any, *, exact: bool = True, ignore_unknown: bool = False) -> Any:
    """Decide every row of `data`; an Arrow table for a list of dicts or a pyarrow Table, else the same kind of
    frame as given (pandas, with Arrow-backed columns; Polars), with the decisions' columns in the order of
    `output_names`."""
    kind = _kind(data)
    if kind == "rows":
        return _from_rows(guideline, data, exact, ignore_unknown)
    decided = decide(guideline, _to_arrow(data, kind), exact, ignore_unknown, views=kind == "polars")
    if kind == "pandas":  # Arrow-backed columns (pd.ArrowDtype): no copy, lists stay lists
        import pandas as pd

        return decided.to_pandas(types_mapper=pd.ArrowDtype)
    if kind == "polars":
        import polars as pl

        return pl.from_arrow(decided)
    return decided


def output_names(guideline: Guideline) -> list[str]:
    return [f"{name}{suffix}" for name in guideline.decision_names for suffix in SUFFIXES]


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
    """Each row checked and decided as `evaluate` does it; each decision's columns taken from its distinct results
    (a decided row's result is shared by every row decided by the same rule).

    Two passes, so that the per-row work is the generated check-and-decide function and C loops: every row through
    `evaluate`'s own function (None for a row it leaves to the general path: a value to convert or refuse, a field
    that is no input, a row that is not a dict), then, per decision, the rows' outcomes grouped by identity. A
    shared result stands for every row that has it; an outcome that is not one (an unknown answer, which depends on
    the row's values) is decoded for its row alone."""
    import pyarrow as pa

    from eligo.compiled.result import DecisionResult

    inputs = guideline.inputs
    validated = guideline._evaluation[0]  # as `evaluate` checks and decides a case (eligo.python.validated)
    fast, plan = guideline.code.fast, guideline._plan  # per own decision: name, index, shared results, node
    raws: list[Any] = list(map(validated, rows)) if set(map(type, rows)) <= {dict} else [None] * len(rows)
    normalised: dict[int, Any] = {}  # the rows the general path read, as it read them
    problems: list[CaseProblem] = []
    more = refused = 0
    if None in raws:
        for index in [i for i, raw in enumerate(raws) if raw is None]:
            try:
                row = normalised[index] = normalise(inputs, rows[index], f"row {index}", ignore_unknown)
            except CaseError as error:
                refused += 1
                for problem in error.problems:
                    if len(problems) < MAX_SHOWN:
                        problems.append(CaseProblem(f"row {index}: {problem.field}", problem.message, problem.hint))
                    else:
                        more += 1
                more += error.more
                continue
            if not refused:
                raws[index] = fast(row)
    if refused:
        raise BatchError(problems, refused, more)
    shape = list(schema(guideline))
    arrays: list[pa.Array] = []
    for k, (_, at, shared, decision) in enumerate(plan):  # as Guideline._decode
        outs = [raw[at] for raw in raws]
        ids = list(map(id, outs))  # `raws` keeps every outcome alive, so no id is reused
        kept: list[Any] = []  # the decision's distinct results
        slot_of: dict[int, int] = {}
        for key, out in dict(zip(ids, outs, strict=True)).items():
            found = out if out.__class__ is DecisionResult else shared.get(out)
            if found is not None:
                slot_of[key] = len(kept)
                kept.append(found)
        slots = list(map(slot_of.get, ids))
        if None in slots:  # outcomes that are no shared result: each decoded with its own row's values
            for index in [i for i, slot in enumerate(slots) if slot is None]:
                row = normalised.get(index, rows[index])
                prepared = {name: v for name, v in row.items() if v is not None}
                slots[index] = len(kept)
                kept.append(guideline._decision_result(decision, outs[index], prepared, exact))
        taken = pa.array(slots, pa.int32())
        for field, values in zip(shape[k * 5:k * 5 + 5], ([r.value for r in kept], [r.status for r in kept],
                                                        [r.rule for r in kept], [r.possible for r in kept],
                                                        [r.missing for r in kept]), strict=True):
            arrays.append(pa.array(values, field.type).take(taken))
    return pa.Table.from_arrays(arrays, schema=schema(guideline))


# ---------------------------------------------------------------- a table or frame, in DuckDB


def _to_arrow(data: Any, kind: str) -> pa.Table:
    import pyarrow as pa

    if kind == "pandas":
        return pa.Table.from_pandas(data, preserve_index=False)  # NaN and None are missing values
    if kind == "polars":
        table: pa.Table = data.to_arrow()
        return table
    return data
