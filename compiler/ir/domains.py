"""The value classes of each input that a program can tell apart, for deciding exactly what missing data decides.

A program tests an input only in ways that split its values into finitely many classes when the input is
- yes/no or a kind (each value is a class), or
- a number, quantity or date compared only with constants (`x > 12 months`, `x between 2 and 5`, `x in {…}`):
  the cut points are those constants, and every value between two cut points behaves alike.
Such an input is *splittable*: one representative per class stands for all its values. An input used in any
other way (in arithmetic, `months between`, compared with another input) is *opaque*: its classes depend on
other values. Both back ends complete a case's missing splittable inputs with every combination of
representatives to decide exactly; a case missing an opaque input keeps the three-valued (Kleene) answer,
which is sound but may be wider than the truth.

>>> from eligo.ir import types as t
>>> info = InputInfo("n", t.COUNT, None, 0, 10, True, None, "m@1")
>>> representatives(info, [3.0, 5.0])
(0, 1, 3, 4, 5, 6, 10)
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass

from eligo.ir import tables
from eligo.ir.analysis import Facts
from eligo.ir.nodes import (
    NA,
    Between,
    BoolOp,
    Compare,
    Const,
    Decision,
    DefRef,
    FirstKnown,
    InputInfo,
    InputRef,
    InSet,
    Lookup,
    Neg,
    Node,
    Not,
    Program,
    Test,
    children,
)

MAX_COMPLETIONS = 4096  # completions of one case's missing inputs tried at most; beyond, the Kleene answer stands


@dataclass(frozen=True, slots=True)
class Domains:
    """Per input of a program: its representatives when it is splittable, or None when it is opaque."""

    classes: dict[str, tuple[object, ...] | None]

    def splittable(self, names: Iterable[str]) -> bool:
        return all(self.classes.get(n) is not None for n in names)

    def completions(self, names: Iterable[str]) -> int:
        total = 1
        for name in names:
            values = self.classes.get(name)
            if values is None:
                return MAX_COMPLETIONS + 1
            total *= len(values)
        return total


def domains(program: Program) -> Domains:
    """The classes of every input of `program`, from how its definitions and decisions read them."""
    facts = Facts(program)
    cuts: dict[str, set[object]] = {name: set() for name in program.inputs}
    opaque: set[str] = set()

    def constant(node: Node) -> tuple[bool, object]:
        """Whether `node` is a constant (a literal, or a definition whose value is one), and its value."""
        while isinstance(node, DefRef) and not isinstance(facts.nodes[node.key], Decision):
            target = facts.nodes[node.key]
            assert not isinstance(target, Decision)
            node = target.expr
        if isinstance(node, Neg) and isinstance(node.operand, Const) and isinstance(node.operand.value, (int, float)):
            return True, -node.operand.value
        return (True, node.value) if isinstance(node, Const) else (False, None)

    def direct_inputs(node: Node) -> list[str] | None:
        """The inputs a compared operand stands for: an input, or `first known of` inputs; None otherwise."""
        match node:
            case InputRef(name):
                return [name]
            case FirstKnown(items):
                found = [direct_inputs(i) for i in items]
                return None if any(f is None for f in found) else [n for f in found if f for n in f]
        return None

    def cut(names: list[str], values: Iterable[object]) -> None:
        for name in names:
            cuts[name].update(v for v in values if v is not None and v is not NA)

    def visit(node: Node, position: str) -> None:
        """`position`: "truth" where a yes/no is read as a condition, "value" elsewhere."""
        match node:
            case InputRef(name):
                if program.inputs[name].type.kind not in ("bool", "enum") and position != "test":
                    opaque.add(name)
                return
            case Test(operand):
                visit(operand, "test")
                return
            case Compare(_, left, right):
                for subject, other in ((left, right), (right, left)):
                    names = direct_inputs(subject)
                    known, value = constant(other)
                    if names is not None and known:
                        cut(names, [value])
                    else:
                        visit(subject, "value")
                return
            case Between(operand, low, high):
                names = direct_inputs(operand)
                bounds = [constant(low), constant(high)]
                if names is not None and all(k for k, _ in bounds):
                    cut(names, [v for _, v in bounds])
                else:
                    visit(operand, "value")
                visit(low, "value")
                visit(high, "value")
                return
            case InSet(operand, items):
                names = direct_inputs(operand)
                constants = [constant(i) for i in items]
                if names is not None and all(k for k, _ in constants):
                    cut(names, [v for _, v in constants])
                else:
                    visit(operand, "value")
                for item in items:
                    visit(item, "value")
                return
            case Lookup(_, keys, rows):
                for column, key in enumerate(keys):
                    names = direct_inputs(key)
                    bounds = tables.column_cuts([row.keys for row in rows], column)
                    if names is not None and bounds:  # a band column: its bounds are the cut points
                        cut(names, bounds)
                    else:
                        visit(key, "key")
                return
            case Not() | BoolOp():
                for child in children(node):
                    visit(child, "truth")
                return
        for child in children(node):
            visit(child, "value")

    for owner in program.nodes:
        for expr in owner.exprs:
            visit(expr, "truth")
    classes: dict[str, tuple[object, ...] | None] = {}
    for name, info in program.inputs.items():
        classes[name] = None if name in opaque else representatives(info, sorted(cuts[name], key=_order))
    return Domains(classes)


def _order(value: object) -> tuple[int, object]:
    return (0, value) if isinstance(value, (int, float, dt.date)) else (1, str(value))


def representatives(info: InputInfo, cuts: list[object]) -> tuple[object, ...] | None:
    """One value of each class the cut points make, within the declared range; None if not enumerable."""
    match info.type.kind:
        case "bool":
            return (True, False)
        case "enum":
            return tuple(info.type.values)
        case "date":
            days = [c for c in cuts if isinstance(c, dt.date)]
            if len(days) != len(cuts):
                return None
            step = dt.timedelta(days=1)
            points = [days[0] - step] if days else [dt.date(2000, 1, 1)]
            for i, day in enumerate(days):
                points.append(day)
                points.append(day + step if i + 1 == len(days) or days[i + 1] > day + step else day)
            return tuple(dict.fromkeys(points))
        case "number" | "quantity":
            numbers = [float(c) for c in cuts if isinstance(c, (int, float)) and not isinstance(c, bool)]
            if len(numbers) != len(cuts):
                return None
            return _numeric(numbers, info)
    return None


def _numeric(cuts: list[float], info: InputInfo) -> tuple[object, ...]:
    scale = 1.0
    if info.type.kind == "quantity" and info.unit:
        from eligo.ir import units

        unit = units.lookup(info.unit)
        scale = unit.factor if unit else 1.0
    low = info.low * scale if info.low is not None else -math.inf
    high = info.high * scale if info.high is not None else math.inf
    integer = info.type.integer
    points: list[float | None] = []
    inside = [c for c in cuts if low <= c <= high]
    anchors = [low, *inside, high]
    for a, b in itertools.pairwise(anchors):
        points.append(a)
        points.append(_between(a, b, integer))
    points.append(high)
    values = [p for p in points if p is not None and math.isfinite(p) and low <= p <= high]
    if integer:
        values = [v for v in values if float(v).is_integer()]
    if not values:
        values = [0.0 if low <= 0 <= high else (low if math.isfinite(low) else high)]
    return tuple(dict.fromkeys(int(v) if integer else v for v in values))


def _between(a: float, b: float, integer: bool) -> float | None:
    """A value strictly between two cut points (or beyond the only finite one), or None if there is none."""
    if math.isinf(a) and math.isinf(b):
        return 0.0
    if math.isinf(a):
        return b - 1
    if math.isinf(b):
        return a + 1
    if integer:
        middle = math.floor(a) + 1
        return float(middle) if middle < b else None
    return (a + b) / 2 if a < b else None
