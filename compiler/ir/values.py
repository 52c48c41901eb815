"""Literals as values, converted once: a source literal as the IR holds it (canonical units), and an example's
`given` value as a case would hold it (the author's units, for case validation to convert)."""

from __future__ import annotations

from typing import Any

from eligo.dsl import ast
from eligo.ir import units
from eligo.ir.nodes import NA, Value


def literal_value(value: ast.Literal | ast.Ref) -> Value:
    """A literal in canonical units (as definitions hold values): `5 cm` is 50 (mm), `none` is NA."""
    match value:
        case ast.Quantity(number, unit_name):
            unit = units.lookup(unit_name)
            return number * unit.factor if unit else number
        case ast.NoneLit():
            return NA
        case ast.Ref(name):
            return name
        case ast.Number(v) | ast.Bool(v) | ast.Text(v) | ast.DateLit(v):
            return v
    raise AssertionError(value)  # pragma: no cover - the parser admits no other literal


def given_value(value: ast.GivenValue) -> Any:
    """An example's `given` value as a case value (what a JSON case would hold)."""
    match value:
        case ast.Missing():
            return None
        case ast.Quantity(number, unit):
            return {"value": number, "unit": unit}
        case ast.Ref(name):
            return name
        case ast.NoneLit():
            return None
        case ast.Number(v) | ast.Bool(v) | ast.Text(v) | ast.DateLit(v):
            return v
        case ast.GivenList(items, at_least):  # as a JSON case holds it: an array, `{"at_least": [...]}` if incomplete
            records = [{g.name: given_value(g.value) for g in item.fields} for item in items]
            return {"at_least": records} if at_least else records
    raise AssertionError(value)  # pragma: no cover - the parser admits no other given value
