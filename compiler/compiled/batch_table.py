"""A batch given as a table (a pyarrow Table, or a pandas or Polars frame made one), decided in DuckDB over Arrow.

Three steps. The values are checked by pyarrow.compute kernels (eligo.compiled.batch_checks); a column they
cannot clear is checked by the cohort's SQL condition (eligo.sql.plan), which names the bad rows as `eligo cohort`
does, numbered from 0 here, and refuses the whole batch. DuckDB then computes one integer code per decision and
row (eligo.sql.query, as cheap as the decision alone), and the columns are made in Arrow from the codes by `take`
over the small table of what each code says (eligo.sql.codes). The rows whose code is unknown are decided again by
the whole cohort query over those rows alone, the exact step included (eligo.sql.exact), and their answers put in
their places.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eligo.cases import CaseProblem
from eligo.compiled.batch_checks import BatchError, clean
from eligo.ir.outcome import UNKNOWN_CODE

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from eligo.compiled.guideline import Guideline
    from eligo.sql.plan import Plan

SUFFIXES = ("", "_status", "_rule", "_possible", "_missing")
MAX_REGISTERED = 32  # guidelines whose exact functions one thread's connection keeps before starting afresh
_VIEW = "_eligo_batch_source"  # the data's name on the connection, while one batch is decided
_ROW = "_eligo_batch_row"
CONCURRENT = 65_536  # rows from which the values are checked while DuckDB computes the codes


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


def decide(guideline: Guideline, table: pa.Table, exact: bool, ignore_unknown: bool, views: bool = False) -> pa.Table:
    """Every row of `table` decided, in its order; BatchError (nothing returned) if a value is bad. With `views`, the
    texts are Arrow string views (for Polars, whose strings they are), not of `schema`'s types."""
    import numpy as np
    import pyarrow as pa

    from eligo.dsl.diagnostics import did_you_mean

    inputs = guideline.inputs
    names = [str(n) for n in table.column_names]
    strangers = [n for n in names if n not in inputs]
    if strangers and not ignore_unknown:
        raise BatchError([CaseProblem(n, "is not an input of this guideline (a column of the data)",
                                      did_you_mean(n, inputs)) for n in strangers], table.num_rows)
    if strangers:
        table = table.select([n for n in names if n in inputs])
    count = table.num_rows
    # each row carries its position, by which the rows left unknown are put back after the exact step
    table = table.append_column(_ROW, pa.array(np.arange(count, dtype=np.int64)))
    engine = _engine()
    con = engine.con
    con.register(_VIEW, table)  # one thread's connection decides one batch at a time
    try:
        kinds = tuple((str(row[0]), str(row[1])) for row in con.execute(f'DESCRIBE SELECT * FROM "{_VIEW}"')
                      .fetchall() if row[0] != _ROW)
        prepared = _prepared(guideline, kinds, exact, engine)
        codes, given = _checked_codes(prepared, table, engine, count)
    finally:
        con.unregister(_VIEW)
    shape = schema(guideline)
    if count == 0:
        return shape.empty_table()
    unknown = np.zeros(count, dtype=bool)
    for code in codes:
        unknown |= code <= UNKNOWN_CODE
    rows = np.flatnonzero(unknown)
    answers = _answers(prepared, _taken(table, rows), shape, engine) if len(rows) else None
    columns: list[pa.Array] = []
    for index, code in enumerate(codes):
        columns += _decoded(prepared.decoded[index], code, rows, answers, shape, index * 5, given[index], views)
    return pa.Table.from_arrays(columns, names=shape.names) if views else pa.Table.from_arrays(columns, schema=shape)


@dataclass(frozen=True)
class _Prepared:
    plan: Plan
    sql: str  # every column, the exact step included: for the rows left unknown
    codes: str  # each decision's code, and after it a `collect` decision's value
    collected: tuple[bool, ...]  # per decision: a `collect` decision, whose value the code does not hold
    decoded: tuple[tuple[Any, ...], ...]  # per decision: eligo.sql.codes.decoding


class _Engine:
    """One thread's DuckDB connection, the guidelines whose exact functions it has, and their prepared queries."""

    def __init__(self) -> None:
        import duckdb

        self.con = duckdb.connect()
        self.con.execute("SET preserve_insertion_order = true")  # the default, which the codes' order rests on
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
    """The queries deciding a source of these column types (written once per guideline, types and thread)."""
    from sqlglot import exp

    from eligo.sql.codes import decoding
    from eligo.sql.columns import duckdb_kind
    from eligo.sql.plan import CohortError, Plan
    from eligo.sql.query import CODE, compile_query

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
    own = guideline.program.own
    query = compile_query(guideline, source, inputs=plan.readers[0], keep=[_ROW], dialect="duckdb",
                          exact=plan.exact[0] or None)
    coding = compile_query(guideline, source, inputs=plan.readers[0], keep=[], dialect="duckdb",
                           outputs={d.name: (CODE, "") if d.policy == "collect" else (CODE,) for d in own})
    prepared = engine.prepared[key] = _Prepared(plan, query.sql("duckdb"), coding.sql("duckdb"),
                                                tuple(d.policy == "collect" for d in own),
                                                tuple(decoding(d) for d in own))
    return prepared


def _checked_codes(prepared: _Prepared, table: pa.Table, engine: _Engine, count: int
                   ) -> tuple[list[np.ndarray], list[pa.Array | None]]:
    """The codes (`_codes`) of a batch whose values are good (`_check`; else BatchError, and no code is used). In a
    large batch the kernels check the values in a thread of their own while DuckDB computes the codes (both let go
    of the interpreter's lock), so the two use the machine's cores at once."""
    plan = prepared.plan

    def doubtful() -> list[Any]:  # the SQL conditions of the columns the kernels cannot clear
        return [bad for name, (info, bad) in plan.problems.items()
                if not clean(info, plan.columns[name], table.column(name))]

    if count < CONCURRENT or not plan.problems:
        _check(prepared, doubtful(), engine)
        return _codes(prepared, engine.con, count)
    found: list[list[Any]] = []
    failed: list[BaseException] = []

    def kernels() -> None:
        try:
            found.append(doubtful())
        except BaseException as error:  # handed to the caller's thread below
            failed.append(error)

    worker = threading.Thread(target=kernels, name="eligo-batch-checks")
    worker.start()
    try:
        codes = _codes(prepared, engine.con, count)
    except Exception:  # bad values may be why: they are refused as such before anything else is said
        worker.join()
        if not failed:
            _check(prepared, found[0], engine)
        raise
    worker.join()
    if failed:
        raise failed[0]
    _check(prepared, found[0], engine)
    return codes


def _check(prepared: _Prepared, doubtful: list[Any], engine: _Engine) -> None:
    """Refuse the batch if a value is bad: the `doubtful` SQL conditions (the columns the kernels cannot clear)
    counted, then the first bad rows named by every condition, as `eligo cohort` names them (here from 0)."""
    from sqlglot import exp

    from eligo.sql.expr import or_
    from eligo.sql.plan import ROW
    from eligo.sql.query import PREFIX

    plan = prepared.plan
    if not doubtful:
        return
    counting = exp.select(exp.func("count", exp.Star())).from_(_VIEW).where(or_(*doubtful))
    counted = int(engine.con.execute(counting.sql("duckdb")).fetchall()[0][0])
    if not counted:
        return
    position = exp.Add(this=exp.column(_ROW, quoted=True), expression=exp.Literal.number(1))
    numbered = exp.select(exp.Star(), exp.alias_(position, ROW, quoted=True)).from_(_VIEW).subquery(f"{PREFIX}numbered")
    found = engine.con.execute(plan.bad_query(numbered).sql("duckdb"))
    values = plan.bad_values([d[0] for d in found.description], found.fetchall())
    problems = [CaseProblem(f"row {v.row - 1}: {v.input}", v.message) for v in values]
    raise BatchError(problems, counted, counted - len({v.row for v in values}))


def _codes(prepared: _Prepared, con: Any, count: int) -> tuple[list[np.ndarray], list[pa.Array | None]]:
    """Per decision its code for every row, and a `collect` decision's value (else None), in the data's order: a
    query of SELECTs over one table keeps it (duckdb.org/docs/2.0/sql/dialect/order_preservation). Fetched as numpy
    (one pass over the query) unless a `collect` decision's lists come too, as Arrow."""
    import numpy as np
    import pyarrow as pa

    if not prepared.collected:  # a module without decisions of its own
        return [], []
    if any(prepared.collected):
        decided = con.sql(prepared.codes).to_arrow_table()
        fetched = [decided.column(i).to_numpy() if pa.types.is_integer(t) else decided.column(i).combine_chunks()
                   for i, t in enumerate(decided.schema.types)]
    else:
        fetched = list(con.execute(prepared.codes).fetchnumpy().values())
    if fetched and len(fetched[0]) != count:
        raise AssertionError(f"the codes query gave {len(fetched[0])} rows for {count}")
    codes: list[np.ndarray] = []
    given: list[pa.Array | None] = []
    at = 0
    for collected in prepared.collected:  # a decision's code, then a `collect` decision's value
        codes.append(np.asarray(fetched[at]))
        given.append(fetched[at + 1] if collected else None)
        at += 1 + collected
    return codes, given


def _answers(prepared: _Prepared, rows: pa.Table, shape: pa.Schema, engine: _Engine) -> pa.Table:
    """Every column of these rows (those some decision leaves unknown) by the whole query, exact step included."""
    import pyarrow as pa
    import pyarrow.compute as pc

    engine.con.register(_VIEW, rows)
    try:
        decided = engine.con.sql(prepared.sql).to_arrow_table()
    finally:
        engine.con.unregister(_VIEW)
    decided = decided.sort_by(_ROW).drop_columns([_ROW]).cast(shape)
    columns = []
    for field, column in zip(shape, decided.columns, strict=True):  # SQL leaves a decided row's lists NULL
        if pa.types.is_list(field.type) and column.null_count and field.name.endswith(("_possible", "_missing")):
            column = pc.if_else(pc.is_null(column), pa.scalar([], field.type), column)
        columns.append(column.combine_chunks())
    return pa.Table.from_arrays(columns, schema=shape)


def _decoded(decoded: tuple[Any, ...], code: np.ndarray, rows: np.ndarray, answers: pa.Table | None,
             shape: pa.Schema, first: int, given: pa.Array | None, views: bool) -> list[pa.Array]:
    """One decision's five columns: each row's answer taken from what its code says (eligo.sql.codes), or, for the
    `rows` left unknown, from `answers`; a `collect` decision's value is `given`, from SQL. With `views`, texts are
    Arrow string views (Polars' own strings, so that Polars takes them without a copy)."""
    import numpy as np
    import pyarrow as pa

    count, unknown = len(code), len(rows)
    known = np.array([d.code for d in decoded], dtype=np.int64)
    lowest, highest = min(int(code.min()), int(known.min())), max(int(code.max()), int(known.max()))
    slot = np.full(highest - lowest + 1, -1, dtype=np.int32)
    slot[known - lowest] = np.arange(len(decoded), dtype=np.int32)
    index = slot[code - lowest]
    index[rows] = len(decoded) + np.arange(unknown, dtype=np.int32)
    if index.min() < 0:
        raise AssertionError(f"a code that eligo.sql.codes does not decode: {sorted(set(code[index < 0]))[:5]}")
    taken = pa.array(index)
    used = [i for i, n in enumerate(np.bincount(index, minlength=len(decoded))[:len(decoded)]) if n]

    def column(offset: int, lookup: list[Any]) -> pa.Array:
        kind = shape.field(first + offset).type
        alike = {lookup[i] for i in used} if answers is None else set()
        if len(alike) == 1 and kind == pa.string():  # one text (or none) in every row
            return _repeat_view(alike.pop(), count) if views else _repeat(alike.pop(), count)
        small = pa.array(lookup, kind)
        if answers is not None:
            small = pa.concat_arrays([small, answers.column(first + offset).chunk(0)])
        return _viewed(small, index) if views and kind == pa.string() else small.take(taken)

    def lists(offset: int, lookup: list[tuple[str, ...]], widths: set[int], values: pa.Array | None) -> pa.Array:
        if answers is not None or len(widths) != 1 or widths - {0, 1}:
            return column(offset, [list(i) for i in lookup])
        width = widths.pop()  # every row's list is empty, or of one text: offsets alone over the texts
        firsts = pa.array([i[0] if i else None for i in lookup], pa.string())
        flat = pa.array([], pa.string_view() if views else pa.string()) if not width else values \
            if values is not None else _viewed(firsts, index) if views else firsts.take(taken)
        return pa.ListArray.from_arrays(pa.array(np.arange(count + 1, dtype=np.int32) * width), flat)

    if given is None:
        value = column(0, [d.value for d in decoded])
    elif answers is None:
        value = given.cast(shape.field(first).type)
    else:
        spread = np.arange(count, dtype=np.int64)
        spread[rows] = count + np.arange(unknown, dtype=np.int64)
        value = pa.concat_arrays([given.cast(shape.field(first).type), answers.column(first).chunk(0)]).take(
            pa.array(spread))
    same = given is None and all(decoded[i].possible == (decoded[i].value,) for i in used)  # each possible: [value]
    return [value, column(1, [d.status for d in decoded]), column(2, [d.rule for d in decoded]),
            lists(3, [d.possible for d in decoded], {len(decoded[i].possible) for i in used}, value if same else None),
            lists(4, [() for _ in decoded], {0}, None)]


def _taken(table: pa.Table, rows: np.ndarray) -> pa.Table:
    """The `rows` of `table`; Arrow's `take` has no kernel for string views (a Polars frame's texts): they are
    gathered as `_viewed` gathers them."""
    import pyarrow as pa

    if not any(pa.types.is_string_view(t) for t in table.schema.types):
        return table.take(pa.array(rows))
    return pa.table({field.name: _viewed(column.combine_chunks(), rows) if pa.types.is_string_view(field.type)
                     else column.take(pa.array(rows)) for field, column in zip(table.schema, table.columns, strict=True)})


def _repeat(text: str | None, count: int) -> pa.Array:
    """`text` `count` times (NULL for None), made from its buffers rather than taken row by row."""
    import numpy as np
    import pyarrow as pa

    if text is None:
        return pa.nulls(count, pa.string())
    data = text.encode()
    if len(data) * count >= 2**31:  # past 32-bit offsets
        return pa.array([text], pa.string()).take(pa.array(np.zeros(count, dtype=np.int32)))
    offsets = np.arange(count + 1, dtype=np.int32) * len(data)
    return pa.Array.from_buffers(pa.string(), count, [None, pa.py_buffer(offsets), pa.py_buffer(data * count)])


_VIEW_ENTRY = [("length_and_prefix", "<u8"), ("text_or_place", "<u8")]  # one Arrow string view: 16 bytes


def _repeat_view(text: str | None, count: int) -> pa.Array:
    """`text` `count` times as Arrow string views (NULL for None): its one view repeated, the text not copied."""
    import numpy as np
    import pyarrow as pa

    if text is None:
        return pa.nulls(count, pa.string_view())
    one = pa.array([text], pa.string_view())
    buffers = one.buffers()
    entry = np.frombuffer(buffers[1], dtype=np.dtype(_VIEW_ENTRY))[one.offset]
    return pa.Array.from_buffers(pa.string_view(), count,
                                 [None, pa.py_buffer(np.full(count, entry, dtype=np.dtype(_VIEW_ENTRY))), *buffers[2:]])


def _viewed(small: pa.Array, index: np.ndarray) -> pa.Array:
    """`small` taken at `index` as Arrow string views: 16 bytes gathered per row, the texts themselves not copied."""
    import numpy as np
    import pyarrow as pa

    small = small.cast(pa.string_view())
    buffers = small.buffers()
    entries = np.frombuffer(buffers[1], dtype=np.dtype(_VIEW_ENTRY))[small.offset:small.offset + len(small)]
    validity, nulls = None, 0
    if small.null_count:
        valid = small.is_valid().to_numpy(zero_copy_only=False)[index]
        nulls = int(len(index) - np.count_nonzero(valid))
        validity = pa.py_buffer(np.packbits(valid, bitorder="little")) if nulls else None
    return pa.Array.from_buffers(pa.string_view(), len(index),
                                 [validity, pa.py_buffer(np.take(entries, index)), *buffers[2:]], null_count=nulls)
