"""A batch's refusal (BatchError), and which columns of a table certainly hold no bad value, told by
pyarrow.compute kernels over the Arrow columns (min and max, NaN, whole numbers, membership of a kind's texts),
a few milliseconds a column.

The kernels are a pre-check, never the judge: a column they cannot clear (a value outside the range, a text to
read as a number, a type they do not know) is checked by the SQL condition of eligo.sql.columns, which names the
bad rows with their messages. So a column is cleared only where that condition finds no bad value.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from eligo import ir
from eligo.cases import CaseError, CaseProblem
from eligo.ir import units

if TYPE_CHECKING:
    import pyarrow as pa

MAX_SHOWN = 20  # problems listed in a refusal; the rest are counted
TOLERANCE = 1e-9  # as eligo.sql.columns and eligo.cases compare with the declared ends


class BatchError(CaseError):
    """A batch was refused: `problems` names each bad value as `row N: field` (N from 0); `more` counts the rest
    (of a table, the rows with bad values not listed)."""

    def __init__(self, problems: list[CaseProblem], rows: int, more: int = 0) -> None:
        self.rows = rows  # how many rows were refused
        super().__init__(problems[:MAX_SHOWN], f"the batch ({rows} row{'s' * (rows != 1)} with bad values)",
                         more + max(len(problems) - MAX_SHOWN, 0))


def clean(info: ir.InputInfo, kind: str, column: pa.ChunkedArray) -> bool:
    """True when no value of `column` (of the engine's `kind`, eligo.sql.columns.duckdb_kind) is bad for `info`."""
    import pyarrow as pa

    if column.null_count == len(column):
        return True
    match info.type.kind, kind:
        case ("bool", "bool") | ("date", "date" | "timestamp"):
            return True  # read as they are: no value is bad
        case "enum", "text":
            return _texts(info, column)
        case ("number" | "quantity"), "number":
            if not (pa.types.is_integer(column.type) or pa.types.is_floating(column.type)):
                return False  # decimals: left to SQL
            return _numbers(info, column)
    return False


def _texts(info: ir.InputInfo, column: pa.ChunkedArray) -> bool:
    """Every present text is one of the kind's values (compared exactly, as SQL's IN)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_dictionary(column.type):  # pandas Categorical, Polars Categorical and Enum: the dictionary's
        # texts, or where it holds one that is not of the kind (a Polars Categorical's can hold every text the
        # process has seen), those some row holds
        return all(_texts(info, pa.chunked_array([chunk.dictionary])) or _texts(info, pa.chunked_array([_used(chunk)]))
                   for chunk in column.chunks)
    if pa.types.is_string_view(column.type):  # a Polars frame's texts: checked by Polars, whose they are
        return _viewed_texts(info, column)
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return False
    known = pc.is_in(column, value_set=pa.array(info.type.values, column.type))  # a NULL is not in the set
    found = int(pc.sum(known).as_py() or 0)
    return bool(found == len(column) - column.null_count)


def _used(chunk: pa.DictionaryArray) -> pa.Array:
    """The texts of a dictionary array's dictionary that some row holds."""
    import pyarrow.compute as pc

    return chunk.dictionary.take(pc.unique(chunk.indices).drop_null())


def _viewed_texts(info: ir.InputInfo, column: pa.ChunkedArray) -> bool:
    """As `_texts`, for texts as Arrow string views (Arrow's `is_in` takes none): the distinct ones, found by Polars
    (a quarter faster than its cast to an Enum of the kind's values), compared with the values; as large strings
    without Polars."""
    import pyarrow as pa

    try:
        import polars as pl
    except ImportError:
        return _texts(info, column.cast(pa.large_string()))
    texts = pl.from_arrow(column)
    assert isinstance(texts, pl.Series)
    return set(texts.unique().drop_nulls().to_list()) <= set(info.type.values)


def _numbers(info: ir.InputInfo, column: pa.ChunkedArray) -> bool:
    """Finite (in the canonical unit too), within the declared ends, whole for a count."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    unit = units.lookup(info.unit) if info.type.kind == "quantity" and info.unit else None
    factor = unit.factor if unit is not None else 1.0
    if info.type.integer and factor != 1.0:
        return False
    # a NULL filled in with a value within the ends changes neither the ends' verdict nor wholeness
    fill: float = info.low if info.low is not None else info.high if info.high is not None else 0.0
    if pa.types.is_integer(column.type):
        fill = math.ceil(fill) if info.low is not None else math.floor(fill)
    for chunk in column.chunks:
        if chunk.null_count == len(chunk):
            continue
        try:
            values = (pc.fill_null(chunk, fill) if chunk.null_count else chunk).to_numpy(zero_copy_only=False)
        except (pa.ArrowInvalid, OverflowError):  # the fill does not fit the type (unsigned): left to SQL
            return False
        low, high = float(values.min()), float(values.max())  # NaN if a value is NaN
        if not all(math.isfinite(v) and math.isfinite(v * factor) for v in (low, high)):
            return False
        if info.low is not None and low < info.low - TOLERANCE:
            return False
        if info.high is not None and high > info.high + TOLERANCE:
            return False
        if info.type.integer and values.dtype.kind == "f" and not np.array_equal(np.floor(values), values):
            return False
    return True
