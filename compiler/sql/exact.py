"""The exact step of the SQL back end: functions registered on DuckDB and Spark that refine, through the one Python
implementation (eligo.compiled.exact), the rows the three-valued SQL leaves unknown.

`compile_query(..., exact=names(guideline))` calls, per decision D, `eligo_exact_<n>(D_status, inputs…)` where
D_status is unknown and reads value, status, rule, possible and missing from the struct it returns; the rows the
SQL decides never reach Python. `register_duckdb` / `register_spark` make the functions known to an engine.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from eligo import ir
from eligo.ir import units
from eligo.ir.lists import Records

if TYPE_CHECKING:
    import duckdb
    from pyspark.sql import SparkSession

    from eligo.compiled.guideline import Guideline

Answer = dict[str, object] | None
FIELDS = ("value", "status", "rule", "possible", "missing")


def names(guideline: Guideline) -> dict[str, str]:
    """The function that refines each decision (collect decisions are not refined: their sets stay three-valued)."""
    prefix = f"eligo_exact_{guideline.sha256[:12]}"
    return {d.name: f"{prefix}_{i}" for i, d in enumerate(guideline.program.own) if d.policy != "collect"}


def refiner(guideline: Guideline, decision: str) -> Callable[..., Answer]:
    """A function of (status, canonical inputs…) giving the exact answer of an unknown row, or None for others."""
    inputs = list(guideline.inputs)

    def refine(status: object, *values: object) -> Answer:
        if status != "unknown":
            return None
        prepared = {n: _canonical(guideline.inputs[n], v) for n, v in zip(inputs, values, strict=True) if v is not None}
        got = guideline.evaluate_prepared(prepared).decisions[decision]
        return {"value": got.value, "status": got.status, "rule": got.rule, "possible": list(got.possible),
                "missing": list(got.missing)}
    return refine


def _canonical(info: ir.InputInfo, value: object) -> object:
    if info.type.kind == "list" and isinstance(value, (list, tuple)):  # array of structs, a NULL element: at least
        items = [item.asDict() if hasattr(item, "asDict") else item for item in value]
        return Records([{f.name: _field(f, item.get(f.name)) for f in info.fields} for item in items if item is not None],
                       complete=all(item is not None for item in items))
    if info.type.kind == "number" and info.type.integer and isinstance(value, float) and value.is_integer():
        return int(value)
    if info.type.kind == "date" and isinstance(value, dt.datetime):
        return value.date()
    return value


def _field(info: ir.InputInfo, value: object) -> object:
    """A struct field's value as a case holds it: quantities from the declared unit to the canonical one."""
    unit = units.lookup(info.unit) if info.unit and info.type.kind == "quantity" else None
    if unit is not None and isinstance(value, (int, float)):
        return value * unit.factor
    return _canonical(info, value) if value is not None else None


def register_duckdb(con: duckdb.DuckDBPyConnection, guideline: Guideline) -> dict[str, str]:
    """Register the exact step of every decision on a DuckDB connection (vectorised over Arrow); its names."""
    import duckdb
    import pyarrow as pa
    from duckdb.func import ARROW, SPECIAL

    found = names(guideline)
    types = [_duckdb_type(info) for info in guideline.inputs.values()]
    result = duckdb.struct_type({"value": "VARCHAR", "status": "VARCHAR", "rule": "VARCHAR",
                                 "possible": "VARCHAR[]", "missing": "VARCHAR[]"})
    arrow_type = pa.struct([("value", pa.string()), ("status", pa.string()), ("rule", pa.string()),
                            ("possible", pa.list_(pa.string())), ("missing", pa.list_(pa.string()))])
    for decision, name in found.items():
        one = refiner(guideline, decision)

        def batch(status: Any, *columns: Any, one: Callable[..., Answer] = one) -> Any:  # pyarrow arrays
            statuses = status.to_pylist()
            rows = [c.to_pylist() for c in columns]
            return pa.array([one(s, *(r[i] for r in rows)) if s == "unknown" else None
                             for i, s in enumerate(statuses)], type=arrow_type)
        batch.__signature__ = _arity(1 + len(types))  # type: ignore[attr-defined]  # duckdb counts parameters
        with contextlib.suppress(duckdb.InvalidInputException):  # none registered yet under this name
            con.remove_function(name)
        con.create_function(name, batch, ["VARCHAR", *types], result, type=ARROW,
                            null_handling=SPECIAL, side_effects=False)
    return found


def _arity(count: int) -> inspect.Signature:
    return inspect.Signature([inspect.Parameter(f"a{i}", inspect.Parameter.POSITIONAL_ONLY) for i in range(count)])


def _duckdb_type(info: ir.InputInfo) -> str:
    if info.type.kind == "list":
        return f"STRUCT({', '.join(f'{f.name} {_duckdb_type(f)}' for f in info.fields)})[]"
    return {"bool": "BOOLEAN", "date": "DATE", "enum": "VARCHAR"}.get(info.type.kind, "DOUBLE")


def register_spark(spark: SparkSession, guideline: Guideline) -> dict[str, str]:
    """Register the exact step of every decision as a Spark SQL function (a Python UDF); its names."""
    from pyspark.sql.types import ArrayType, StringType, StructField, StructType

    found = names(guideline)
    result = StructType([StructField("value", StringType()), StructField("status", StringType()),
                         StructField("rule", StringType()), StructField("possible", ArrayType(StringType())),
                         StructField("missing", ArrayType(StringType()))])
    for decision, name in found.items():
        one = refiner(guideline, decision)

        def row(*values: Any, one: Callable[..., Answer] = one) -> Sequence[object] | None:
            answer = one(*values)
            return None if answer is None else tuple(answer[f] for f in FIELDS)
        spark.udf.register(name, row, result)
    return found
