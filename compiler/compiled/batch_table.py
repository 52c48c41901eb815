"""A batch given as a table (a pyarrow Table, or a pandas or Polars frame made one), decided in DuckDB over Arrow.

Three steps. The values are checked by pyarrow.compute kernels (eligo.compiled.batch_checks); a column they
cannot clear is checked by the cohort's SQL condition (eligo.sql.plan), which names the bad rows as `eligo cohort`
does, numbered from 0 here, and refuses the whole batch. DuckDB then computes one integer code per decision and
row (eligo.sql.query, as cheap as the decision alone), and the columns are made in Arrow from the codes: each
text column a dictionary array over its closed set (eligo.compiled.batch_texts), its indices gathered row by row
from the small table of what each code says (eligo.sql.codes). The rows whose code is unknown are decided again by
the whole cohort query over those rows alone, the exact step included (eligo.sql.exact), and their answers, over
the same dictionaries, put in their places.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eligo.cases import CaseProblem
from eligo.compiled.batch_checks import BatchError, clean
from eligo.compiled.batch_texts import SUFFIXES, conformed, dictionary, domains, empty, encoded, encoded_lists, index_type, schema
from eligo.ir.outcome import UNKNOWN_CODE

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from eligo.compiled.guideline import Guideline
    from eligo.sql.plan import Plan

MAX_REGISTERED = 32  # guidelines whose exact functions one thread's connection keeps before starting afresh
_VIEW = "_eligo_batch_source"  # the data's name on the connection, while one batch is decided
_ROW = "_eligo_batch_row"
CONCURRENT = 65_536  # rows from which the values are checked while DuckDB computes the codes
COMPARED = 24  # a decision's known codes up to which its rows per code are counted by comparisons (`_counts`)


def decide(guideline: Guideline, table: pa.Table, exact: bool, ignore_unknown: bool) -> pa.Table:
    """Every row of `table` decided, in its order, as `schema` types the answers; BatchError (nothing returned) if
    a value is bad."""
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
    engine = _engine()
    con = engine.con
    con.register(_VIEW, table)  # one thread's connection decides one batch at a time
    try:
        kinds = tuple((str(row[0]), str(row[1])) for row in con.execute(f'DESCRIBE SELECT * FROM "{_VIEW}"')
                      .fetchall())
        prepared = _prepared(guideline, kinds, exact, engine)
        codes, given = _checked_codes(prepared, table, engine, count)
    finally:
        con.unregister(_VIEW)
    if count == 0:
        return empty(guideline)
    shape, sets = schema(guideline), domains(guideline)
    unknown = np.zeros(count, dtype=bool)
    for code in codes:
        unknown |= code <= UNKNOWN_CODE
    rows = np.flatnonzero(unknown)
    # the rows left unknown carry their positions, by which their answers are put back after the exact step
    answers = _answers(prepared, _taken(table, rows).append_column(_ROW, pa.array(rows.astype(np.int64))), shape,
                       sets, engine) if len(rows) else None
    columns: list[pa.Array] = []
    shared: dict[Any, pa.Array] = {}
    for index, code in enumerate(codes):
        first = index * len(SUFFIXES)
        collected = given[index]
        columns += _decoded(prepared.decoded[index], code, rows, answers, sets[first:first + len(SUFFIXES)], first,
                            None if collected is None else conformed(collected, sets[first], lists=True), shared)
    return pa.Table.from_arrays(columns, schema=shape)


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
        _check(prepared, doubtful(), engine, table)
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
            _check(prepared, found[0], engine, table)
        raise
    worker.join()
    if failed:
        raise failed[0]
    _check(prepared, found[0], engine, table)
    return codes


def _check(prepared: _Prepared, doubtful: list[Any], engine: _Engine, table: pa.Table) -> None:
    """Refuse the batch if a value is bad: the `doubtful` SQL conditions (the columns the kernels cannot clear)
    counted, then the first bad rows named by every condition, as `eligo cohort` names them (here from 0)."""
    import numpy as np
    import pyarrow as pa
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
    # each row numbered by its position (only here: a batch with bad values), the source the same name
    engine.con.register(_VIEW, table.append_column(_ROW, pa.array(np.arange(table.num_rows, dtype=np.int64))))
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


def _answers(prepared: _Prepared, rows: pa.Table, shape: pa.Schema, sets: list[tuple[str, ...]],
             engine: _Engine) -> pa.Table:
    """Every column of these rows (those some decision leaves unknown) by the whole query, exact step included, its
    texts over the dictionaries of `schema` (batch_texts.conformed: DuckDB's ENUMs are of the same sets)."""
    import pyarrow as pa

    engine.con.register(_VIEW, rows)
    try:
        decided = engine.con.sql(prepared.sql).to_arrow_table()
    finally:
        engine.con.unregister(_VIEW)
    decided = decided.sort_by(_ROW).drop_columns([_ROW])
    columns = [conformed(column, domain, pa.types.is_list(field.type), field.name.endswith(("_possible", "_missing")))
               for field, domain, column in zip(shape, sets, decided.columns, strict=True)]
    return pa.Table.from_arrays(columns, schema=shape)


def _decoded(decoded: tuple[Any, ...], code: np.ndarray, rows: np.ndarray, answers: pa.Table | None,
             sets: Sequence[tuple[str, ...]], first: int, given: pa.Array | None, shared: dict[Any, pa.Array]
             ) -> list[pa.Array]:
    """One decision's five columns: each row's answer taken from what its code says (eligo.sql.codes), or, for the
    `rows` left unknown, from `answers`; a `collect` decision's value is `given`, from SQL. Each text column is a
    dictionary array over its set in `sets` (batch_texts), whose indices are gathered from the slots' own: no text
    is copied. `shared` keeps the buffers every decision's columns can share (offsets, a text in every row).

    Fresh memory is what a million rows cost most here (first touched, each 4 MB is a millisecond or more), so no
    array is made that is not a column: without unknown rows the indices are gathered by code straight from small
    tables indexed by code (a negative one from the end: np.take's "wrap"), not through a slot per row."""
    import numpy as np
    import pyarrow as pa

    count, unknown = len(code), len(rows)
    known = np.array([d.code for d in decoded], dtype=np.int64)
    highest, lowest = max(int(code.max()), int(known.max()), 0), min(int(code.min()), int(known.min()), 0)
    slot = np.full(highest + 1 - lowest, -1, dtype=np.int32)  # by code, a negative one from the end
    slot[known] = np.arange(len(decoded), dtype=np.int32)
    counts = _counts(code, known, slot, rows)  # rows per slot

    def undecoded() -> AssertionError:
        strange = sorted(set(code[np.take(slot, code, mode="wrap") < 0].tolist()) - set(code[rows].tolist()))
        return AssertionError(f"a code that eligo.sql.codes does not decode: {strange[:5]}")

    if unknown:  # keys: each row's slot, the rows left unknown after the known slots, in order
        keys = np.take(slot, code, mode="wrap")
        keys[rows] = len(decoded) + np.arange(unknown, dtype=np.int32)
        if keys.min() < 0:
            raise undecoded()
    elif int(counts.sum()) != count:
        raise undecoded()
    else:  # keys: the codes themselves
        keys = code

    def by_key(per_slot: np.ndarray) -> np.ndarray:
        if unknown:
            return per_slot
        table = np.zeros(len(slot), dtype=per_slot.dtype)
        table[known] = per_slot
        return table

    def slots() -> pa.Array:
        return pa.array(keys if unknown else np.take(slot, code, mode="wrap"))

    used = [i for i, n in enumerate(counts[:len(decoded)]) if n]

    def column(offset: int, lookup: list[str | None]) -> pa.Array:
        small = encoded(lookup, sets[offset])  # per slot: its text's index
        alike = {lookup[i] for i in used} if answers is None else set()
        if len(alike) == 1:  # one text (or none) in every row
            at = small.indices[used[0]].as_py()
            return pa.DictionaryArray.from_arrays(_constant(shared, count, small.indices.type, at), small.dictionary)
        indices = small.indices if answers is None else pa.concat_arrays(
            [small.indices, answers.column(first + offset).chunk(0).indices])
        valid = indices.is_valid().to_numpy(zero_copy_only=False)
        nulls = int(counts[~valid].sum())
        gathered = np.take(by_key(indices.fill_null(0).to_numpy()), keys, mode="wrap")
        validity = pa.py_buffer(np.packbits(np.take(by_key(valid), keys, mode="wrap"), bitorder="little")) \
            if nulls else None
        return pa.DictionaryArray.from_arrays(pa.Array.from_buffers(indices.type, count, [
            validity, pa.py_buffer(gathered)], null_count=nulls), small.dictionary)

    def lists(offset: int, lookup: list[tuple[str, ...]], widths: set[int], values: pa.Array | None) -> pa.Array:
        domain = sets[offset]
        if answers is not None or len(widths) != 1 or widths - {0, 1}:
            small = encoded_lists(lookup, domain)
            if answers is not None:
                small = pa.concat_arrays([small, answers.column(first + offset).chunk(0)])
            return small.take(slots())
        width = widths.pop()  # every row's list is empty, or of one text: offsets alone over the texts
        if not width:
            flat = encoded([], domain)
        elif values is not None:  # each list is [value]: the value's indices, over the possible outcomes
            flat = _widened(values, domain)
        else:
            flat = column(offset, [i[0] if i else None for i in lookup])
        return pa.ListArray.from_arrays(_constant(shared, count + 1, pa.int32(), width, step=True), flat)

    if given is None:
        value = column(0, [d.value for d in decoded])
    elif answers is None:
        value = given
    else:
        spread = np.arange(count, dtype=np.int64)
        spread[rows] = count + np.arange(unknown, dtype=np.int64)
        value = pa.concat_arrays([given, answers.column(first).chunk(0)]).take(pa.array(spread))
    same = given is None and all(decoded[i].possible == (decoded[i].value,) for i in used)  # each possible: [value]
    return [value, column(1, [d.status for d in decoded]), column(2, [d.rule for d in decoded]),
            lists(3, [d.possible for d in decoded], {len(decoded[i].possible) for i in used}, value if same else None),
            lists(4, [() for _ in decoded], {0}, None)]


def _counts(code: np.ndarray, known: np.ndarray, slot: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Rows per slot: per known code the rows that have it and are not among the `rows` left unknown (by some
    decision), then one per row left unknown. A comparison a code is a tenth of a millisecond a million rows,
    `np.bincount` of the slots (widened to 64 bits) 2.5: it counts a decision of many rules."""
    import numpy as np

    def found(codes: np.ndarray) -> np.ndarray:
        if len(known) <= COMPARED:
            return np.array([np.count_nonzero(codes == c) for c in known.tolist()], dtype=np.int64)
        return np.bincount(np.take(slot + 1, codes, mode="wrap"), minlength=len(known) + 1)[1:]

    kept = found(code) - found(code[rows]) if len(rows) else found(code)
    return np.concatenate([kept, np.ones(len(rows), dtype=np.int64)])


def _constant(shared: dict[Any, pa.Array], count: int, kind: pa.DataType, at: int | None, step: bool = False
              ) -> pa.Array:
    """`count` integers of `kind`: `at` in every place (None: NULL), or with `step` 0, at, 2·at, … (list offsets);
    made once per batch and shared by the columns that have them. Zeros are calloc's: no page is touched."""
    import numpy as np
    import pyarrow as pa

    key = (count, kind, at, step)
    if key not in shared:
        dtype = kind.to_pandas_dtype()
        if at is None:
            shared[key] = pa.nulls(count, kind)
        elif at == 0:
            shared[key] = pa.array(np.zeros(count, dtype=dtype))
        elif step:
            shared[key] = pa.array(np.arange(0, count * at, at, dtype=dtype))
        else:
            shared[key] = pa.array(np.full(count, at, dtype=dtype))
    return shared[key]


def _widened(value: pa.DictionaryArray, domain: Sequence[str]) -> pa.DictionaryArray:
    """A value column (over a decision's outcomes) as items of its possible list (over the outcomes, `open` and
    `none`): the outcomes come first in both (eligo.sql.texts), so an outcome's index is the same in each."""
    import pyarrow as pa

    ours = dictionary(domain)
    if not ours.slice(0, len(value.dictionary)).equals(value.dictionary):
        raise AssertionError(f"the outcomes {value.dictionary.to_pylist()} do not begin {list(domain)}")
    return pa.DictionaryArray.from_arrays(value.indices.cast(index_type(len(domain))), ours)


def _taken(table: pa.Table, rows: np.ndarray) -> pa.Table:
    """The `rows` of `table`; Arrow's `take` has no kernel for string views (a Polars frame's texts): they are
    gathered as `_viewed` gathers them."""
    import pyarrow as pa

    if not any(pa.types.is_string_view(t) for t in table.schema.types):
        return table.take(pa.array(rows))
    return pa.table({field.name: _viewed(column.combine_chunks(), rows) if pa.types.is_string_view(field.type)
                     else column.take(pa.array(rows)) for field, column in zip(table.schema, table.columns, strict=True)})


_VIEW_ENTRY = [("length_and_prefix", "<u8"), ("text_or_place", "<u8")]  # one Arrow string view: 16 bytes


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
