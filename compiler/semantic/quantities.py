"""Units and percentages in expressions: spellings (W155), mismatched units and numbers (E105-E107), thresholds
outside a declared range (E108), and a ratio compared with a percentage as fractions."""

from __future__ import annotations

from eligo import ir
from eligo.dsl import ast
from eligo.dsl.diagnostics import Diagnostic, error, warning
from eligo.ir import types as t
from eligo.ir import units
from eligo.ir.types import Type


def spelling(written: str, unit: units.Unit, span: ast.Span, before: str) -> Diagnostic | None:
    """W155 for an accepted but not canonical spelling (`ng/ml`); singular durations (`1 year`) are English."""
    if written == unit.name or unit.dimension == "duration":
        return None
    return warning("W155", f"`{written}` is written `{unit.name}`", span,
                   f"write `{before}{unit.name}`: one spelling per unit, as UCUM names it")


def incompatible(a: Type, b: Type, node: ast.Expr, span: ast.Span, other: ast.Expr | None = None) -> Diagnostic:
    """Why two types that are not compatible cannot be compared, and how to write it."""
    bare = next((x for x in (node, other) if isinstance(x, ast.Number)), None)
    quantity = a if a.kind == "quantity" else b if b.kind == "quantity" else None
    if bare is not None and quantity is not None:
        value = bare.value
        if quantity.dimension == "duration":
            return error("E105", f"expected a unit after {value}: months, days or years", bare.span,
                         f"write `{value} months` (or days, weeks, years)")
        if quantity.dimension == "percent":
            return error("E105", f"expected `%` after {value}: the other side is a percentage", bare.span,
                         f"write `{value}%`")
        unit = units.CANONICAL.get(quantity.dimension or "", "")
        return error("E105", f"expected a unit after {value}: the other side is {quantity.describe()}",
                     bare.span, f"write it with its unit, e.g. `{value} {unit}`")
    if a.kind == "quantity" and b.kind == "quantity":
        return error("E107", f"cannot compare {a.describe()} with {b.describe()}: their units measure different "
                     "things", span, dimension_hint(a.dimension or "", b.dimension or ""))
    percent = any(x.kind == "quantity" and x.dimension == "percent" for x in (a, b))
    number = any(x.kind == "number" for x in (a, b))
    return error("E106", f"cannot compare {a.describe()} with {b.describe()}", span,
                 "a percentage compares with a percentage, or with a ratio written with `/`, such as "
                 "`(before - after) / before > 50%` (50% is 0.5)" if percent and number else "")


def dimension_hint(a: str, b: str) -> str:
    """Which units each side may be written in (they convert within a dimension, never across).

    >>> dimension_hint("length", "mass")
    'check the unit of the threshold: one side is in mm, cm, m, the other in kg, g, mg'
    """
    if {a, b} == {"concentration_ng", "concentration_mol"}:
        return ("a mass concentration (mg/dL) and a molar one (umol/L) convert only with the molar mass: write the "
                "threshold in the input's unit")
    left, right = (", ".join(units.of_dimension(d)) for d in (a, b))
    return f"check the unit of the threshold: one side is in {left}, the other in {right}" if left and right else ""


def out_of_range(info: ir.InputInfo, value: object, span: ast.Span) -> Diagnostic | None:
    """E108 when a constant compared with an input lies outside the input's declared range."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    unit_of_input = units.lookup(info.unit) if info.unit else None
    factor = unit_of_input.factor if unit_of_input else 1.0
    low = None if info.low is None else info.low * factor
    high = None if info.high is None else info.high * factor
    if (low is None or value >= low - 1e-9) and (high is None or value <= high + 1e-9):
        return None
    unit = f" {info.unit}" if info.unit and info.unit != "%" else info.unit or ""
    return error("E108", f"this threshold lies outside the declared range of `{info.name}` "
                 f"({info.low}{unit} to {info.high}{unit})", span,
                 "no patient can reach it: check the number, its unit, or the input's range")


def as_fractions(left: ir.Node, right: ir.Node) -> tuple[ir.Node, ir.Node]:
    """A ratio compared with a percentage: the percentage as a fraction (a constant folded, 50% is 0.5), so that
    `(100 - 40) / 100 > 60%` compares 0.6 with 0.6 exactly."""
    def fraction(node: ir.Node) -> ir.Node:
        if isinstance(node, ir.Const) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return ir.Const(node.value / 100, t.RATIO, origin=node.origin)
        return ir.Arith("/", node, ir.Const(100, t.COUNT, origin=node.origin), t.RATIO, origin=node.origin)
    if left.type.percent_and_ratio(right.type):
        return (fraction(left), right) if left.type.kind == "quantity" else (left, fraction(right))
    return left, right
