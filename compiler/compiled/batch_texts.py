"""The answer columns of `Guideline.evaluate_many` as Arrow types: every text is a dictionary array over its closed
set, in the order eligo.sql.texts gives it, so that the answers DuckDB computes (ENUMs of the same sets, which come
out of it as dictionary arrays) and the answers decoded from codes share one dictionary.

A decision's value is a dictionary over its outcomes (a `collect` decision's, a list of them), its status over the
five statuses, its rule over its rules' names, the items of its possible list over its outcomes, `open` and `none`,
the items of its missing list over the guideline's inputs. The indices are DuckDB's: one byte up to 255 texts, two
up to 65,535, four above. The dictionary is the whole set, whether or not a row uses a text: a pandas frame gets
Categorical columns with every category, a Polars one Enum columns of the set.

>>> encoded(["b", None, "a"], ("a", "b")).indices.to_pylist()
[1, None, 0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from eligo.sql import texts

if TYPE_CHECKING:
    import pyarrow as pa

    from eligo.compiled.guideline import Guideline

SUFFIXES = ("", "_status", "_rule", "_possible", "_missing")
POLARS_ENUM = b"_PL_ENUM_VALUES2"  # the field metadata by which Polars (1.32 on) reads a dictionary as an Enum


def domains(guideline: Guideline) -> list[tuple[str, ...]]:
    """Per result column, in `schema`'s order, the closed set its texts (or its lists' items) are taken from."""
    program = guideline.program
    out: list[tuple[str, ...]] = []
    for decision in program.own:
        out += [texts.outcomes(decision), texts.STATUS, texts.rules(decision), texts.possible(decision),
                texts.inputs(program)]
    return [tuple(dict.fromkeys(domain)) for domain in out]  # as an ENUM holds them: each text once


def index_type(size: int) -> pa.DataType:
    """The indices of a dictionary of `size` texts, as DuckDB types an ENUM of that many values."""
    import pyarrow as pa

    return pa.uint8() if size <= 0xFF else pa.uint16() if size <= 0xFFFF else pa.uint32()


def schema(guideline: Guideline) -> pa.Schema:
    """The result's columns: per decision its value (a list for a `collect` decision), status, rule, possible and
    missing, each text a dictionary (`domains` gives the dictionaries)."""
    import pyarrow as pa

    fields = []
    names = [f"{d.name}{suffix}" for d in guideline.program.own for suffix in SUFFIXES]
    lists = {n for d in guideline.program.own for n in (f"{d.name}_possible", f"{d.name}_missing",
                                                         *([d.name] if d.policy == "collect" else []))}
    for name, domain in zip(names, domains(guideline), strict=True):
        kind = pa.dictionary(index_type(len(domain)), pa.string())
        fields.append(pa.field(name, pa.list_(kind) if name in lists else kind))
    return pa.schema(fields)


def dictionary(domain: Sequence[str]) -> pa.Array:
    import pyarrow as pa

    return pa.array(domain, pa.string())


def encoded(values: Sequence[str | None], domain: Sequence[str]) -> pa.DictionaryArray:
    """Texts of `domain` (None: NULL) as a dictionary array over it."""
    import pyarrow as pa

    at = {text: i for i, text in enumerate(domain)}
    strangers = {v for v in values if v is not None and v not in at}
    if strangers:
        raise AssertionError(f"texts outside their closed set {tuple(domain)}: {sorted(strangers)}")
    indices = pa.array([None if v is None else at[v] for v in values], index_type(len(domain)))
    return pa.DictionaryArray.from_arrays(indices, dictionary(domain))


def encoded_lists(values: Sequence[Sequence[str] | None], domain: Sequence[str]) -> pa.ListArray:
    """Lists of texts of `domain` (None: NULL) as a list array of dictionary items over it."""
    import numpy as np
    import pyarrow as pa

    lengths = np.fromiter((len(v) if v is not None else 0 for v in values), dtype=np.int64, count=len(values))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
    items = encoded([item for v in values if v is not None for item in v], domain)
    mask = pa.array([v is None for v in values]) if any(v is None for v in values) else None
    return pa.ListArray.from_arrays(pa.array(offsets), items, mask=mask)


def conformed(column: pa.Array | pa.ChunkedArray, domain: Sequence[str], lists: bool = False,
              filled: bool = False) -> pa.Array:
    """An answer column from SQL as `schema` types it, over `domain`'s dictionary: a DuckDB ENUM's dictionary array
    (the same texts in the same order, so its indices are kept as they are), or texts (an empty set is VARCHAR in
    SQL, see eligo.sql.texts); with `lists`, a column of lists of them. With `filled`, a NULL list is an empty one
    (SQL leaves a decided row's possible and missing lists NULL)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not lists:
        return _indexed(array, domain)
    lengths = pc.fill_null(pc.list_value_length(array), 0).to_numpy(zero_copy_only=False)
    offsets = np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)]).astype(np.int32)
    mask = pc.is_null(array) if array.null_count and not filled else None
    return pa.ListArray.from_arrays(pa.array(offsets), _indexed(pc.list_flatten(array), domain), mask=mask)


def _indexed(array: pa.Array, domain: Sequence[str]) -> pa.DictionaryArray:
    """Texts, or a dictionary array of texts, as a dictionary array over `domain` (the same texts, new indices)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ours, kind = dictionary(domain), index_type(len(domain))
    if pa.types.is_dictionary(array.type):
        if array.dictionary.cast(pa.string()).equals(ours):  # DuckDB's ENUM of the same set: kept as it is
            return pa.DictionaryArray.from_arrays(array.indices.cast(kind), ours)
        texts_, positions = array.dictionary, array.indices
    else:
        texts_, positions = array, None
    at = pc.index_in(texts_.cast(pa.string()), value_set=ours)
    if at.null_count != texts_.null_count:
        strangers = pc.filter(texts_, pc.and_(pc.is_null(at), pc.is_valid(texts_))).to_pylist()
        raise AssertionError(f"texts outside their closed set {tuple(domain)}: {sorted(set(strangers))}")
    indices = at if positions is None else at.take(positions)
    return pa.DictionaryArray.from_arrays(indices.cast(kind), ours)


def empty(guideline: Guideline) -> pa.Table:
    """The result of no rows, its dictionaries the whole sets as in any other result."""
    import pyarrow as pa

    shape = schema(guideline)
    columns = [encoded_lists([], domain) if pa.types.is_list(field.type) else encoded([], domain)
               for field, domain in zip(shape, domains(guideline), strict=True)]
    return pa.Table.from_arrays(columns, schema=shape)


def to_pandas(table: pa.Table) -> Any:
    """A pandas frame of the result: texts as Categorical columns (categories: the closed set), lists as Arrow-backed
    columns (pd.ArrowDtype, not copied; their items read back as texts)."""
    import pandas as pd
    import pyarrow as pa

    return pd.DataFrame({field.name: _categorical(column) if pa.types.is_dictionary(field.type) else
                         pd.arrays.ArrowExtensionArray(column) for field, column in zip(table.schema, table.columns,
                                                                                       strict=True)}, copy=False)


def _categorical(column: pa.ChunkedArray) -> Any:
    """A dictionary column as a pandas Categorical, its codes the indices (-1 for NULL) in the integer type pandas
    gives that many categories: a third of the time pyarrow's own conversion takes."""
    import numpy as np
    import pandas as pd

    array = column.combine_chunks()
    size = len(array.dictionary)
    kind = np.int8 if size < 0x7F else np.int16 if size < 0x7FFF else np.int32  # as pandas' coerce_indexer_dtype
    indices = array.indices
    codes = np.frombuffer(indices.buffers()[1], dtype=indices.type.to_pandas_dtype(),
                          count=len(indices), offset=indices.offset * indices.type.byte_width).astype(kind)
    if indices.null_count:
        codes[~indices.is_valid().to_numpy(zero_copy_only=False)] = -1
    kinds = pd.CategoricalDtype(array.dictionary.to_pylist(), ordered=False)
    return pd.Categorical.from_codes(codes, dtype=kinds, validate=False)


def to_polars(table: pa.Table, guideline: Guideline) -> Any:
    """A Polars frame of the result: texts, and lists' items, as Enum columns of their closed sets (a Polars that
    does not read the Enum metadata gives Categorical columns, of the same texts)."""
    import polars as pl
    import pyarrow as pa

    fields, columns = [], []
    for field, domain, column in zip(table.schema, domains(guideline), table.columns, strict=True):
        marked = {POLARS_ENUM: b"".join(b"%d;%s" % (len(t.encode()), t.encode()) for t in domain)}
        if pa.types.is_list(field.type):  # the items' field is part of the list's type: the arrays are viewed as it
            kind = pa.list_(field.type.value_field.with_metadata(marked))
            fields.append(field.with_type(kind))
            columns.append(pa.chunked_array([chunk.view(kind) for chunk in column.chunks], kind))
        else:
            fields.append(field.with_metadata(marked))
            columns.append(column)
    return pl.from_arrow(pa.Table.from_arrays(columns, schema=pa.schema(fields)))
