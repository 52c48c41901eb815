"""Reading a cohort's columns: each input's canonical value from its column, and when a present value is bad.

The expressions are sqlglot trees that DuckDB and Spark both run. A column's kind (bool, date, timestamp,
text, number) comes from the engine's type for it: a number column holds a quantity in its input's declared
unit, a text column may hold "18 months", dates are DATE or ISO text, yes/no inputs are booleans or
yes/no/true/false text. A bad value is reported with what the Python evaluator says of it (`message`).
"""

from __future__ import annotations

import contextlib
import re

from sqlglot import exp

from eligo import cases, ir
from eligo.ir import units
from eligo.sql.expr import DATE, DOUBLE, and_, case, col, is_null, lit, negate, or_
from eligo.sql.lists import ELEMENT, field_of

_QUANTITY = r"^\s*(-?\d+(?:\.\d+)?)\s*([^\s\d].*?)\s*$"  # as `cases._QUANTITY`
_DUCKDB_NUMERIC = re.compile(r"^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|"
                             r"UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$")
_SPARK_NUMERIC = re.compile(r"^(tinyint|smallint|int|bigint|float|double|decimal.*)$")


def duckdb_kind(duck_type: str) -> str:
    """The kind of a DuckDB column type, as `read_input` reads it."""
    if duck_type.startswith("STRUCT(") and duck_type.endswith("[]"):
        return "list"
    if duck_type == "BOOLEAN":
        return "bool"
    if duck_type == "DATE":
        return "date"
    if duck_type.startswith("TIMESTAMP"):
        return "timestamp"
    if duck_type == "VARCHAR" or duck_type.startswith("ENUM"):
        return "text"
    return "number" if _DUCKDB_NUMERIC.match(duck_type) else "other"


def spark_kind(spark_type: str) -> str:
    """The kind of a Spark column type (its `simpleString`), as `read_input` reads it."""
    if spark_type.startswith("array<struct<"):
        return "list"
    if spark_type == "boolean":
        return "bool"
    if spark_type == "date":
        return "date"
    if spark_type.startswith("timestamp"):
        return "timestamp"
    if spark_type in ("string", "void") or spark_type.startswith(("varchar", "char")):
        return "text"
    return "number" if _SPARK_NUMERIC.match(spark_type) else "other"


def _try_cast(value: exp.Expr, to: str) -> exp.Expr:
    """NULL where `value` cannot be read as `to` (`safe`: Spark writes TRY_CAST too, not an ANSI CAST that fails)."""
    return exp.TryCast(this=value, to=exp.DataType.build(to), safe=True)


NUMBER_TEXT = r"^ *-?[0-9]+(\.[0-9]+)? *$"  # as `cases.number_from_text`: `1e3`, `0x1A`, `1_000`, `inf` are not numbers


def _try_double(text: exp.Expr) -> exp.Expr:
    """The number a text spells, read as the Python case reader reads it (eligo.cases.number_from_text), else NULL."""
    spelled = exp.RegexpLike(this=text, expression=lit(NUMBER_TEXT))
    return case([(spelled, _try_cast(exp.Trim(this=text.copy()), "DOUBLE"))])


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
                          (exp.In(this=lower.copy(), expressions=[lit("no"), lit("false")]), exp.false())])
            return value, and_(present, is_null(value.copy()))
        case "enum", "text":
            return text, and_(present, negate(exp.In(this=text.copy(), expressions=[lit(v) for v in info.type.values])))
        case "date", "date" | "timestamp":
            return exp.cast(raw, DATE), exp.false()
        case "date", "text":
            iso = exp.RegexpLike(this=exp.Trim(this=text), expression=lit(r"^\d{4}-\d{2}-\d{2}$"))
            value = case([(iso, _try_cast(exp.Trim(this=text.copy()), "DATE"))])
            return value, and_(present, is_null(value.copy()))
        case "number", "number" | "text":
            number = exp.cast(raw, DOUBLE) if kind == "number" else _try_double(text)
            return number, and_(present, or_(is_null(number.copy()), _out_of_range(info, number.copy(), number.copy())))
        case "quantity", "number" | "text":
            return _quantity(info, raw, kind)
        case "list", "list":
            return raw, _bad_elements(info, raw)
    return exp.cast(exp.null(), sql_type(info)), present


def _bad_elements(info: ir.InputInfo, raw: exp.Expr) -> exp.Expr:
    """TRUE when an element of a list holds a field value its record does not allow (a value not of its kind,
    a number outside the declared range); NULL fields and NULL elements are unknowns, not errors."""
    checks: list[exp.Expr] = []
    for field in info.fields:
        value = field_of(field.name, "duckdb")  # `"#e"."select"`: any field name, whatever the inputs are named
        if field.type.kind == "enum":
            checks.append(negate(exp.In(this=value, expressions=[lit(v) for v in field.type.values])))
        elif field.type.kind in ("number", "quantity"):
            number = exp.cast(value, DOUBLE)
            checks.append(_out_of_range(field, number, number.copy()))
    if not checks:
        return exp.false()
    bad = exp.ArrayFilter(this=raw.copy(), expression=exp.Lambda(
        this=exp.func("COALESCE", or_(*checks), exp.false()), expressions=[exp.to_identifier(ELEMENT, quoted=True)]))
    return exp.GT(this=exp.func("COALESCE", exp.ArraySize(this=bad), lit(0)), expression=lit(0))


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
    amount = _try_cast(exp.RegexpExtract(this=text.copy(), expression=lit(_QUANTITY), group=lit(1)), "DOUBLE")
    unit = exp.RegexpExtract(this=text.copy(), expression=lit(_QUANTITY), group=lit(2))
    factors = [(n, u.factor) for n in units.names() if (u := units.lookup(n)) is not None
               and u.dimension == info.type.dimension]
    unit_factor = case([(exp.EQ(this=unit.copy(), expression=lit(n)), lit(f)) for n, f in factors])
    canonical = case([(negate(is_null(plain)), plain if factor == 1.0 else exp.Mul(this=plain.copy(), expression=lit(factor)))],
                     exp.Mul(this=amount, expression=unit_factor))
    in_declared = case([(negate(is_null(plain.copy())), plain.copy())],
                       exp.Div(this=exp.paren(canonical.copy()), expression=lit(factor)))
    return canonical, and_(present, or_(is_null(canonical.copy()), _out_of_range(info, in_declared, canonical.copy())))


def _out_of_range(info: ir.InputInfo, declared: exp.Expr, value: exp.Expr) -> exp.Expr:
    """Not finite, not whole for a count, or outside the declared range (with `cases`' tolerance).
    `v - v = 0` is FALSE for NaN and the infinities in DuckDB and in Spark alike (neither shares `isfinite`)."""
    finite = exp.EQ(this=exp.paren(exp.Sub(this=value, expression=value.copy())), expression=lit(0.0))
    checks: list[exp.Expr] = [exp.Not(this=exp.paren(finite))]
    if info.type.integer:
        checks.append(exp.NEQ(this=value.copy(), expression=exp.Floor(this=value.copy())))
    if info.low is not None:
        checks.append(exp.LT(this=declared, expression=lit(info.low - 1e-9)))
    if info.high is not None:
        checks.append(exp.GT(this=declared.copy(), expression=lit(info.high + 1e-9)))
    return or_(*checks)


def sql_type(info: ir.InputInfo) -> str:
    if info.type.kind == "list":  # an array of structs, one field per record field
        return f"ARRAY<STRUCT<{', '.join(f'{f.name} {sql_type(f)}' for f in info.fields)}>>"
    return {"bool": "BOOLEAN", "date": "DATE", "enum": "VARCHAR"}.get(info.type.kind, "DOUBLE")


def message(info: ir.InputInfo, raw: object) -> str:
    """What the Python evaluator says of this value (a number written as text is read as that number)."""
    value = raw
    if info.type.kind == "list":
        found: list[cases.CaseProblem] = []
        items = [dict(item) if item is not None else None for item in raw] if isinstance(raw, (list, tuple)) else raw
        cases.convert_list(info, [i for i in items if i is not None] if isinstance(items, list) else items, found)
        return str(found[0]) if found else f"{raw!r} is not {info.type.describe()}"
    if isinstance(raw, str) and info.type.kind in ("number", "quantity"):
        with contextlib.suppress(ValueError):
            value = float(raw.strip())
    try:
        cases.convert(info, value)
    except cases.CaseValueError as error:
        return str(error)
    return f"{raw!r} is not {info.type.describe()}"
