"""Batches from Python: `Guideline.evaluate_many` over a list of dicts, a pyarrow Table, a pandas or a Polars
DataFrame, giving per decision D the columns D, D_status, D_rule, D_possible and D_missing (as `eligo cohort`).

Two routes to the same answers. A list of dicts is checked and decided as `evaluate` checks and decides a case,
by its generated code written as one loop over the rows (eligo.python.validated.BatchCodeGenerator), the rows it
leaves aside by the general path (`eligo.cases.normalise`, the same messages); each decision's columns are taken
from its distinct results, an unknown one refined by the same code as `evaluate` (eligo.compiled.exact). A table
or frame is decided in DuckDB, over Arrow (eligo.compiled.batch_table: values read as `eligo cohort` reads them,
a code per decision and row decoded in Arrow, the rows left unknown decided by the cohort query whose exact step
calls that same Python code); a list column holding no record at all takes the guideline's declared record type.
Either way a bad value refuses the whole batch (BatchError, a CaseError) with the rows and fields in error, the
first MAX_SHOWN of them; nothing is half-returned. Rows are numbered from 0, as the data's
own positions. Either way the answers are typed alike (eligo.compiled.batch_texts): each text an index into its
closed set, as DuckDB's ENUMs hold them.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from eligo.cases import CaseError, CaseProblem, normalise
from eligo.compiled.batch_checks import MAX_SHOWN, BatchError
from eligo.compiled.batch_table import decide
from eligo.compiled.batch_texts import SUFFIXES, domains, encoded, encoded_lists, schema, to_pandas, to_polars
from eligo.python.codegen import NEST_LIMIT

if TYPE_CHECKING:
    import pyarrow as pa

    from eligo import ir
    from eligo.compiled.guideline import Guideline

__all__ = ["MAX_SHOWN", "BatchError", "evaluate_many", "output_names", "schema"]


def evaluate_many(guideline: Guideline, data: Any, *, exact: bool = True, ignore_unknown: bool = False) -> Any:
    """Decide every row of `data`; an Arrow table for a list of dicts or a pyarrow Table (typed by `schema`), else
    the same kind of frame as given (pandas: texts Categorical, lists Arrow-backed; Polars: texts and lists' items
    Enum), with the decisions' columns in the order of `output_names`."""
    kind = _kind(data)
    if kind == "rows":
        return _from_rows(guideline, data, exact, ignore_unknown)
    decided = decide(guideline, _to_arrow(guideline, data, kind), exact, ignore_unknown)
    if kind == "pandas":
        return to_pandas(decided)
    if kind == "polars":
        return to_polars(decided, guideline)
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

    The rows `evaluate`'s own checks accept are checked and decided in one generated loop (`_row_code`), which
    gives per row and decision the slot of its shared result, or no answer for a row to take the general path (a
    value to convert or refuse, a field that is no input, a row that is not a dict: normalised, with every problem
    named, then decided by the fast evaluator) or to hand to the three-valued evaluator (an unknown value read).
    The rows without an answer are decoded one by one, as `Guideline._decode` decodes them, into slots of their
    own where their result is no shared one (an unknown answer, which depends on the row's values)."""
    import pyarrow as pa

    from eligo.compiled.result import DecisionResult

    rows_code, single, kept = _row_code(guideline)
    if rows_code is None:  # no loop of its own (see _row_code): `evaluate`'s function row by row
        validated = guideline._evaluation[0]
        raws: list[Any] = list(map(validated, rows)) if set(map(type, rows)) <= {dict} else [None] * len(rows)
        out: list[Any] = [None] * len(rows)
        odd = [i for i, raw in enumerate(raws) if raw is None]
        unknown = [i for i, raw in enumerate(raws) if raw is not None]
    else:
        out, odd, unknown = rows_code(rows)
        raws = []
    answered: dict[int, Any] = {}  # the outcomes of the rows without a slot, and the rows the general path read
    normalised: dict[int, Any] = {}
    problems: list[CaseProblem] = []
    more = refused = 0
    converting = guideline.code.converting if odd and not ignore_unknown else None  # the common JSON forms
    for index in odd:
        try:
            row = converting(rows[index]) if converting is not None else None
            if row is None:
                row = normalise(guideline.inputs, rows[index], f"row {index}", ignore_unknown)
            normalised[index] = row
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
            answered[index] = guideline.code.fast(row)
    if refused:
        raise BatchError(problems, refused, more)
    three_valued = guideline.code.three_valued
    for index in unknown:
        answered[index] = raws[index] if raws else three_valued(rows[index])
    plan = guideline._plan  # per own decision: name, index, shared results, node
    kept = [list(results) for results in kept]  # per decision, its results by slot: the shared ones, then any more
    slot_of = [{id(result): slot for slot, result in enumerate(results)} for results in kept]

    def slot(k: int, found: Any, index: int) -> int:
        """The slot of decision k's outcome (or shared result) `found` in row `index`, as Guideline._decode reads it."""
        _, _, shared, decision = plan[k]
        if found.__class__ is not DecisionResult:
            result = shared.get(found)
            found = result if result is not None else guideline._decision_result(decision, found, {
                name: v for name, v in normalised.get(index, rows[index]).items() if v is not None}, exact)
        if id(found) not in slot_of[k]:
            slot_of[k][id(found)] = len(kept[k])
            kept[k].append(found)
        return slot_of[k][id(found)]

    for index, raw in answered.items():
        slots = [slot(k, raw[at], index) for k, (_, at, _, _) in enumerate(plan)]
        out[index] = slots[0] if single else tuple(slots)
    codes: list[list[Any]] = [out] if single else [list(c) for c in zip(*out, strict=True)] if out else [[] for _ in plan]
    for k, column in enumerate(codes):  # an outcome the loop gave as it is (no rule fired, no `otherwise`)
        if set(map(type, column)) - {int}:
            column[:] = [code if code.__class__ is int else slot(k, code, i) for i, code in enumerate(column)]
    shape, sets = schema(guideline), domains(guideline)
    arrays: list[pa.Array] = []
    for k, results in enumerate(kept):
        taken = pa.array(codes[k], pa.int32())
        first = k * len(SUFFIXES)
        for at, values in enumerate(([r.value for r in results], [r.status for r in results],
                                     [r.rule for r in results], [r.possible for r in results],
                                     [r.missing for r in results]), first):
            small = encoded_lists(values, sets[at]) if pa.types.is_list(shape.field(at).type) else \
                encoded(values, sets[at])
            arrays.append(small.take(taken))
    return pa.Table.from_arrays(arrays, schema=shape)


_ROW_CODE: weakref.WeakKeyDictionary[Guideline, tuple[Any, bool, list[list[Any]]]] = weakref.WeakKeyDictionary()


def _row_code(guideline: Guideline) -> tuple[Any, bool, list[list[Any]]]:
    """The guideline's `evaluate_rows` (eligo.python.validated.BatchCodeGenerator), written on first use, whether it
    has one decision of its own, and per own decision its shared results by slot. None for the function when a
    decision's answer is no slot (a decision another reads, `collect`, `unique`, a long first-match one: their
    outcomes are not the shared results), or when the loop cannot be written."""
    if guideline not in _ROW_CODE:
        from eligo.python.evaluator import compile_source
        from eligo.python.validated import BatchCodeGenerator

        kept = [list(guideline._decided[d.key].values()) if d.policy != "collect" else [] for d in guideline._own]
        slots = {d.key: {rule: slot for slot, rule in enumerate(guideline._decided[d.key])}
                 for d in guideline._own if d.policy != "collect"}
        code = guideline.code
        generator = BatchCodeGenerator(code.program, slots, guideline._own_indices)
        function = None
        if all(d.policy == "first" and not generator.uses[d.key] and len(d.rules) <= NEST_LIMIT for d in guideline._own):
            try:
                source = generator.write()
            except AssertionError:  # a return it does not know: the row-by-row way
                pass
            else:
                function = compile_source(source, {**generator.consts, "fallback": code.three_valued}, code.name,
                                          "evaluate_rows")
        _ROW_CODE[guideline] = function, len(guideline._own) == 1, kept
    return _ROW_CODE[guideline]


# ---------------------------------------------------------------- a table or frame, in DuckDB


def _to_arrow(guideline: Guideline, data: Any, kind: str) -> pa.Table:
    table: pa.Table
    if kind == "pandas":
        table = _from_pandas(data)
    elif kind == "polars":
        table = _from_polars(data)
    else:
        table = data
    return _typed_lists(guideline, table)


def _from_polars(frame: Any) -> pa.Table:
    """The frame as Arrow, its text columns as Polars holds them (string views: not copied; DuckDB reads them, and
    eligo.compiled.batch_checks checks them); any other column holding views (categories, binary, lists or structs
    of texts) as Polars' default conversion gives it."""
    import polars as pl

    table: pa.Table = frame.to_arrow(compat_level=pl.CompatLevel.newest())
    for at, field in enumerate(table.schema):
        if not _views(field.type, plain=True) and _views(field.type):
            table = table.set_column(at, field.name, frame.select(field.name).to_arrow().column(0))
    return table


def _views(kind: pa.DataType, plain: bool = False) -> bool:
    """Whether an Arrow type is (with `plain`: is exactly) text as string views, or (else) holds views anywhere."""
    import pyarrow as pa

    if pa.types.is_string_view(kind):
        return True
    if plain:
        return False
    if pa.types.is_binary_view(kind):
        return True
    if pa.types.is_dictionary(kind):
        return _views(kind.value_type)
    return any(_views(kind.field(i).type) for i in range(kind.num_fields))


def _from_pandas(frame: Any) -> pa.Table:
    """The frame as Arrow, NaN and None missing values, as `pa.Table.from_pandas` gives it, column by column as it
    converts each (`pa.array(column, from_pandas=True)`) but without selecting columns of the frame (2 ms a
    million rows); a column of NumPy floats is taken as it is, its missing values marked by a validity bitmap from
    `isnan` (about half the time). Columns that are not named by distinct texts: `pa.Table.from_pandas` itself."""
    import numpy as np
    import pyarrow as pa

    names = list(frame.columns)
    if not (all(isinstance(n, str) for n in names) and len(set(names)) == len(names)):
        return pa.Table.from_pandas(frame, preserve_index=False)
    columns: dict[str, Any] = {}
    for name in names:
        column = frame[name]
        if not (isinstance(column.dtype, np.dtype) and column.dtype.kind == "f"):
            columns[name] = pa.array(column, from_pandas=True)
            continue
        values = np.ascontiguousarray(column.to_numpy())
        missing = np.isnan(values)
        nulls = int(np.count_nonzero(missing))
        validity = pa.py_buffer(np.packbits(~missing, bitorder="little")) if nulls else None
        columns[name] = pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values),
                                              [validity, pa.py_buffer(values)], null_count=nulls)
    return pa.table(columns)


def _typed_lists(guideline: Guideline, table: pa.Table) -> pa.Table:
    """`table` with each list input's column that holds no element (its type null, or a list of nulls: pandas keeps
    no element type for a column of empty or missing lists) given the list's declared record type."""
    import pyarrow as pa

    for at, field in enumerate(table.schema):
        info = guideline.inputs.get(field.name)
        untyped = pa.types.is_null(field.type) or ((pa.types.is_list(field.type) or pa.types.is_large_list(
            field.type)) and pa.types.is_null(field.type.value_type))
        if info is not None and info.type.kind == "list" and untyped:
            table = table.set_column(at, field.name, table.column(at).cast(_arrow_type(info)))
    return table


_ARROW_TYPES = {"bool": "bool_", "number": "float64", "quantity": "float64", "date": "date32", "enum": "string",
                "text": "string"}


def _arrow_type(info: ir.InputInfo) -> pa.DataType:
    """The Arrow type of an input as a batch may hold it: a list of records as a list of structs, one field each."""
    import pyarrow as pa

    if info.type.kind == "list":
        return pa.list_(pa.struct([(f.name, _arrow_type(f)) for f in info.fields]))
    made: pa.DataType = getattr(pa, _ARROW_TYPES[info.type.kind])()
    return made
