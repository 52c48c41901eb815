"""Numeric bands of tables in lowering: a band's bounds as IR values (canonical units), the range a banded key can
take (declared for an input, computed for a definition), and how a stretch of values is spoken of in messages.

>>> band_of(ast.Band("to_under", ast.Quantity(1, "years"), ast.Quantity(36, "months")))
Band(low=12.0, low_in=True, high=36.0, high_in=False)
>>> stretch((12.0, 35.0, 36.0), 35.5, "months")
'over 35 months and under 36 months'
"""

from __future__ import annotations

import math

from eligo import ir
from eligo.dsl import ast
from eligo.dsl.unparse import number
from eligo.ir import tables, units
from eligo.ir.values import literal_value

Range = tuple[float | None, float | None, bool]  # low, high (None: no end), and whether only whole numbers


def band_of(key: ast.Band, fraction: bool = False) -> tables.Band:
    """The band as the IR holds it: bounds in canonical units, each end included or not; for a key that is a ratio
    (`(before - after) / before`), a percentage bound as a fraction (50% is 0.5)."""
    def end(bound: ast.Bound | None) -> float | None:
        if bound is None:
            return None
        value = float(literal_value(bound))  # type: ignore[arg-type]
        return value / 100 if fraction and isinstance(bound, ast.Quantity) and bound.unit == "%" else value

    low, high = end(key.low), end(key.high)
    match key.form:
        case "point":
            return tables.Band(low, True, low, True)
        case "to":
            return tables.Band(low, True, high, True)
        case "to_under":
            return tables.Band(low, True, high, False)
        case "under":
            return tables.Band(None, False, high, False)
        case "over":
            return tables.Band(low, False, None, False)
        case "over_to":
            return tables.Band(low, False, high, True)
        case "or_less":
            return tables.Band(None, False, low, True)
        case _:
            return tables.Band(low, True, None, False)


def input_range(info: ir.InputInfo) -> Range:
    """An input's declared range in canonical units (a count is never negative)."""
    unit = units.lookup(info.unit) if info.unit else None
    factor = unit.factor if unit is not None else 1.0
    low = info.low * factor if info.low is not None else (0.0 if info.type.integer else None)
    high = info.high * factor if info.high is not None else None
    return low, high, info.type.integer


def node_range(node: ir.Node, inputs: dict[str, ir.InputInfo], definitions: dict[str, ir.Definition],
               depth: int = 0) -> Range:
    """The values a numeric expression can take whatever the case, as far as constants, declared ranges,
    `if`, tables and `+`, `-`, `*` tell (None ends where they do not): `(if a then 1 else 0) + (if b then 1 else
    0)` is a whole number from 0 to 2."""
    if depth > 50:
        return None, None, False
    match node:
        case ir.Const(value) if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value), float(value), float(value).is_integer()
        case ir.InputRef(name) if name in inputs:
            return input_range(inputs[name])
        case ir.DefRef(key) if key in definitions:
            return node_range(definitions[key].expr, inputs, definitions, depth + 1)
        case ir.If(_, then, otherwise):
            return _union(node_range(then, inputs, definitions, depth + 1),
                          node_range(otherwise, inputs, definitions, depth + 1))
        case ir.Lookup(_, _, rows, default):
            values = [r.value.value for r in rows] + ([default.value] if default is not None else [])
            numbers = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
            if not numbers or len(numbers) < len([v for v in values if v is not ir.NA]):
                return None, None, False
            return min(numbers), max(numbers), all(n.is_integer() for n in numbers)
        case ir.Neg(operand):
            low, high, whole = node_range(operand, inputs, definitions, depth + 1)
            return (-high if high is not None else None), (-low if low is not None else None), whole
        case ir.Arith(op, left, right) if op in "+-*":
            a = node_range(left, inputs, definitions, depth + 1)
            b = node_range(right, inputs, definitions, depth + 1)
            return _arith(op, a, b)
    return None, None, False


def _union(a: Range, b: Range) -> Range:
    low = None if a[0] is None or b[0] is None else min(a[0], b[0])
    high = None if a[1] is None or b[1] is None else max(a[1], b[1])
    return low, high, a[2] and b[2]


def _arith(op: str, a: Range, b: Range) -> Range:
    whole = a[2] and b[2]
    lo_a, hi_a = (-math.inf if a[0] is None else a[0]), (math.inf if a[1] is None else a[1])
    lo_b, hi_b = (-math.inf if b[0] is None else b[0]), (math.inf if b[1] is None else b[1])
    if op == "+":
        low, high = lo_a + lo_b, hi_a + hi_b
    elif op == "-":
        low, high = lo_a - hi_b, hi_a - lo_b
    else:
        products = [x * y for x in (lo_a, hi_a) for y in (lo_b, hi_b) if not (math.isinf(x) and y == 0)
                    and not (math.isinf(y) and x == 0)]
        low, high = min(products, default=-math.inf), max(products, default=math.inf)
    return (low if math.isfinite(low) else None), (high if math.isfinite(high) else None), whole


def shown(value: float, unit: str) -> str:
    return number(int(value) if value.is_integer() else value) + ("%" if unit == "%" else f" {unit}" if unit else "")


def stretch(cuts: tuple[float, ...], value: float, unit: str, key_range: Range = (None, None, False)) -> str:
    """The values that behave as `value` in a banded column (within the key's range), in words.

    >>> stretch((0.0, 2.0), 3.0, "", (0.0, 5.0, True))
    '3 to 5'
    """
    index = tables.piece(cuts, value)
    if index % 2:
        return f"exactly {shown(value, unit)}"
    i = index // 2
    low, high, whole = key_range
    if whole:  # the whole numbers of the stretch
        first = math.floor(cuts[i - 1]) + 1.0 if i > 0 else low
        last = math.ceil(cuts[i]) - 1.0 if i < len(cuts) else None
        last = high if last is None or (high is not None and high < last) else last
        first = low if first is None or (low is not None and low > first) else first
        if first is not None and first == last:
            return f"exactly {shown(first, unit)}"
        if first is not None and last is not None:
            return f"{shown(first, unit)} to {shown(last, unit)}"
        return f"{shown(first, unit)} or more" if first is not None else f"{shown(last or 0.0, unit)} or less"
    parts = ([f"over {shown(cuts[i - 1], unit)}"] if i > 0 else []) + \
            ([f"under {shown(cuts[i], unit)}"] if i < len(cuts) else [])
    return " and ".join(parts) or "any value"
