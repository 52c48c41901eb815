"""Thresholds: the constants a guideline compares its inputs with, traced back to those inputs.

A threshold is found where a comparison (`<`, `between`, `in`) has a constant on one side (a
literal, a definition or table whose values are constants) and an input on the other, directly
or through definitions: `metastatic_lesions <= most_metastatic_lesions` is a threshold of 5 on
`metastatic_lesions`; `disease_free_interval > 12 months` with `disease_free_interval: months
between treatment_completed and recurrence_detected` is a threshold of 12 months on that pair
of dates. Arithmetic with constants is undone (`x * 2 > 10` is a threshold of 5 on `x`).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass

from eligo import ir
from eligo.compiled import result as results
from eligo.dsl.ast import Span
from eligo.ir import tables, units
from eligo.ir.types import NUMBER, Type

Number = int | float


@dataclass(frozen=True, slots=True)
class InputSubject:
    """An input compared directly (through definitions that only pass it on or scale it)."""

    name: str


@dataclass(frozen=True, slots=True)
class PairSubject:
    """The time between two date inputs, `unit between start and end` (in months, canonical)."""

    unit: str
    start: str
    end: str

    @property
    def months(self) -> bool:
        return self.unit in ("months", "years")


@dataclass(frozen=True, slots=True)
class ListSubject:
    """A list operation compared with a constant (`count(lesions where organ = liver) > 3`): generated lists are
    aimed at either side of it (eligo.verify.aims), and the examples' lists are counted against it in coverage."""

    op: ir.ListOp


Subject = InputSubject | PairSubject  # what the exact sweep takes as a variable
Compared = Subject | ListSubject  # what a threshold is on


@dataclass(frozen=True, slots=True)
class Linear:
    """The compared expression is `scale * subject + offset`."""

    scale: float = 1.0
    offset: float = 0.0

    def undo(self, value: Number) -> float:
        return (value - self.offset) / self.scale

    def then(self, op: str, k: float, constant_left: bool) -> Linear | None:
        match op, constant_left:
            case "+", _:
                return Linear(self.scale, self.offset + k)
            case "-", False:
                return Linear(self.scale, self.offset - k)
            case "-", True:
                return Linear(-self.scale, k - self.offset)
            case "*", _ if k != 0:
                return Linear(self.scale * k, self.offset * k)
            case "/", False if k != 0:
                return Linear(self.scale / k, self.offset / k)
        return None


IDENTITY = Linear()


@dataclass(frozen=True, slots=True)
class Threshold:
    subject: Compared
    value: float | dt.date  # in the subject's canonical unit (months for a pair of dates)
    constant: object  # the constant as compared (canonical)
    constant_type: Type
    text: str  # the comparison as written
    span: Span  # where the comparison is
    position: int = 1  # which operand of the comparison (as traced) is the constant

    def shown(self) -> str:
        return show_value(self.constant, self.constant_type)


def show_value(value: object, typ: Type) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and typ.kind == "quantity":
        unit = units.CANONICAL.get(typ.dimension or "", "")
        return f"{results.show(value)}%" if unit == "%" else f"{results.show(value)} {unit}"
    return results.show(value)


class Resolver:
    """Follows definitions to the constants and the inputs behind an expression."""

    def __init__(self, program: ir.Program) -> None:
        self.definitions = {d.key: d for d in program.definitions}

    def constants(self, node: ir.Node) -> list[object] | None:
        """The values `node` can take if it is constant whatever the case (several for a table), else None."""
        match node:
            case ir.Const(value):
                return [] if value is None or value is ir.NA else [value]
            case ir.DefRef(key, _, False) if key in self.definitions:
                return self.constants(self.definitions[key].expr)
            case ir.Lookup(_, _, rows, default):
                values = [row.value.value for row in rows] + ([default.value] if default is not None else [])
                return [v for v in values if v is not None and v is not ir.NA]
            case ir.If(_, then, otherwise):
                a, b = self.constants(then), self.constants(otherwise)
                return None if a is None or b is None else a + b
            case ir.FirstKnown(items):
                parts = [self.constants(item) for item in items]
                return None if any(p is None for p in parts) else [v for p in parts for v in p or []]
            case ir.Neg(operand):
                inner = self.constants(operand)
                if inner is None or not all(_number(v) for v in inner):
                    return None
                return [-v for v in inner]  # type: ignore[operator]
            case ir.Arith(op, left, right):
                a, b = self.constants(left), self.constants(right)
                if a is None or b is None or len(a) != 1 or len(b) != 1 or not (_number(a[0]) and _number(b[0])):
                    return None
                x, y = float(a[0]), float(b[0])  # type: ignore[arg-type]
                return [x + y if op == "+" else x - y if op == "-" else x * y if op == "*" else
                        (x / y if y else ir.NA)]
        return None

    def constant(self, node: ir.Node) -> float | None:
        """The single number `node` always is, or None."""
        values = self.constants(node)
        return float(values[0]) if values and len(values) == 1 and _number(values[0]) else None  # type: ignore[arg-type]

    def terms(self, node: ir.Node, exact: bool = False) -> list[tuple[Compared, Linear]]:
        """The subjects `node` is a linear function of. With `exact`, only when it is exactly one
        subject whatever the case; else every subject it may stand for (each item of `first known
        of`, each branch of `if`)."""
        match node:
            case ir.InputRef(name, typ) if typ.kind in ("number", "quantity", "date", "enum", "bool"):
                return [(InputSubject(name), IDENTITY)]
            case ir.DefRef(key, _, False) if key in self.definitions:
                return self.terms(self.definitions[key].expr, exact)
            case ir.ListOp(op) if not exact and op in ("count", "distinct", "largest", "smallest", "sum"):
                return [(ListSubject(node), IDENTITY)]  # the sweep (exact) leaves lists to generated cases
            case ir.FirstKnown(items):
                return [] if exact else [t for item in items for t in self.terms(item)]
            case ir.If(_, then, otherwise) if not exact:
                return self.terms(then) + self.terms(otherwise)
            case ir.Elapsed(unit, start, end):
                starts, ends = self.dates(start, exact), self.dates(end, exact)
                if exact and (len(starts) != 1 or len(ends) != 1 or starts == ends):
                    return []
                return [(PairSubject(unit, s, e), IDENTITY) for s in starts for e in ends if s != e]
            case ir.Neg(operand):
                return [(s, Linear(-lin.scale, -lin.offset)) for s, lin in self.terms(operand, exact)]
            case ir.Arith(op, left, right):
                k_right, k_left = self.constant(right), self.constant(left)
                inner, k, constant_left = ((left, k_right, False) if k_right is not None else
                                           (right, k_left, True) if k_left is not None else (None, None, False))
                if inner is None or k is None:
                    return []
                out = []
                for subject, lin in self.terms(inner, exact):
                    if isinstance(subject, InputSubject) and not exact and lin.scale == 0:
                        continue
                    step = lin.then(op, k, constant_left)
                    if step is not None:
                        out.append((subject, step))
                return out
        return []

    def dates(self, node: ir.Node, exact: bool) -> list[str]:
        match node:
            case ir.InputRef(name, typ) if typ.kind == "date":
                return [name]
            case ir.DefRef(key, _, False) if key in self.definitions:
                return self.dates(self.definitions[key].expr, exact)
            case ir.FirstKnown(items):
                return [] if exact else [n for i in items for n in self.dates(i, exact)]
            case ir.If(_, then, otherwise) if not exact:
                return self.dates(then, exact) + self.dates(otherwise, exact)
        return []


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def comparisons(node: ir.Node) -> Iterator[tuple[ir.Compare | ir.Between | ir.InSet | ir.Lookup, ir.Node, ir.Node,
                                                 int]]:
    """(comparison, compared expression, constant side, position of the constant among the traced
    operands) for every threshold-like test under `node`."""
    for sub in ir.walk(node):
        match sub:
            case ir.Compare(_, left, right):
                yield sub, left, right, 1
                yield sub, right, left, 0
            case ir.Between(operand, low, high):
                yield sub, operand, low, 1
                yield sub, operand, high, 2
            case ir.InSet(operand, items):
                for item in items:
                    yield sub, operand, item, 1
            case ir.Lookup(_, keys, rows):  # a band's bounds are thresholds of its key
                for column, key in enumerate(keys):
                    for bound in tables.column_cuts([row.keys for row in rows], column):
                        yield sub, key, ir.Const(bound, key.type), column


def reachable(program: ir.Program, roots: list[ir.Node]) -> list[ir.Node]:
    """`roots` and the expressions of every definition and decision they read, transitively."""
    nodes = {n.key: n for n in program.nodes}
    out: list[ir.Node] = []
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        out.append(node)
        for sub in ir.walk(node):
            if isinstance(sub, ir.DefRef) and sub.key not in seen and sub.key in nodes:
                seen.add(sub.key)
                target = nodes[sub.key]
                stack.extend([target.expr] if isinstance(target, ir.Definition) else [r.condition for r in target.rules])
    return out


def collect(program: ir.Program, roots: list[ir.Node] | None = None) -> list[Threshold]:
    """Every numeric or date threshold under `roots` (default: the whole program), once per comparison,
    subject and value."""
    resolver = Resolver(program)
    if roots is None:
        roots = [d.expr for d in program.definitions] + [r.condition for d in program.decisions for r in d.rules]
    else:
        roots = reachable(program, roots)
    found: dict[tuple[Compared, object, Span], Threshold] = {}
    for root in roots:
        for comparison, compared, constant_side, position in comparisons(root):
            values = resolver.constants(constant_side)
            if not values:
                continue
            for subject, lin in resolver.terms(compared):
                for value in values:
                    undone = _undo(lin, value)
                    if undone is None:
                        continue
                    origin = comparison.origin
                    key = (subject, undone, origin.span)
                    found.setdefault(key, Threshold(subject, undone, value, _type_of(constant_side, resolver),
                                                    origin.text, origin.span, position))
    return list(found.values())


def _undo(lin: Linear, value: object) -> float | dt.date | None:
    if isinstance(value, dt.date):
        return value if lin == IDENTITY else None
    if _number(value):
        return lin.undo(value)  # type: ignore[arg-type]
    return None


def _type_of(node: ir.Node, resolver: Resolver) -> Type:
    match node:
        case ir.Const(_, typ) | ir.Lookup(type=typ) | ir.If(type=typ) | ir.FirstKnown(type=typ) | ir.Arith(type=typ):
            return typ
        case ir.DefRef(key, typ):
            return resolver.definitions[key].type if key in resolver.definitions else typ
        case ir.Neg(operand):
            return _type_of(operand, resolver)
    return NUMBER


# ---------------------------------------------------------------- what the case generator needs


@dataclass(frozen=True, slots=True)
class Relation:
    """Thresholds on the time between two dates: generate pairs exactly that far apart, and a day either side."""

    subject: PairSubject
    months: tuple[float, ...]


def input_values(thresholds: list[Threshold], inputs: dict[str, ir.InputInfo]) -> dict[str, list[object]]:
    """For each input, in its declared unit: every threshold on it, and the nearest values either side."""
    out: dict[str, list[object]] = {}
    for threshold in thresholds:
        subject = threshold.subject
        if not isinstance(subject, InputSubject) or subject.name not in inputs:
            continue
        info = inputs[subject.name]
        values = out.setdefault(subject.name, [])
        for value in _around(info, threshold.value):
            if value not in values and in_range(info, value):
                values.append(value)
    return out


def _around(info: ir.InputInfo, value: float | dt.date) -> list[object]:
    if isinstance(value, dt.date):
        if info.type.kind != "date":
            return []
        return [value, value - dt.timedelta(days=1), value + dt.timedelta(days=1)]
    if info.type.kind not in ("number", "quantity"):
        return []
    unit = units.lookup(info.unit) if info.unit else None
    declared: float = float(value) / unit.factor if unit else float(value)
    if info.type.integer:
        low, high = math.floor(declared), math.ceil(declared)
        nearest: list[int] = sorted({low, high, low - 1, high + 1}, key=lambda v: (abs(v - declared), v))
        return list(nearest)
    base = round(declared, 6)
    return [_tidy(v) for v in (base, base - 0.01, base + 0.01, base - 1, base + 1)]


def _tidy(value: float) -> float | int:
    rounded = round(value, 6)
    return int(rounded) if rounded.is_integer() else rounded


def in_range(info: ir.InputInfo, value: object) -> bool:
    if not _number(value):
        return True
    number = float(value)  # type: ignore[arg-type]
    if info.type.kind == "number" and info.type.integer and info.low is None and number < 0:
        return False
    return (info.low is None or number >= info.low - 1e-9) and (info.high is None or number <= info.high + 1e-9)


def relations(thresholds: list[Threshold], inputs: dict[str, ir.InputInfo]) -> list[Relation]:
    found: dict[PairSubject, list[float]] = {}
    for threshold in thresholds:
        subject = threshold.subject
        if isinstance(subject, PairSubject) and subject.start in inputs and subject.end in inputs \
                and isinstance(threshold.value, float | int):
            months = found.setdefault(subject, [])
            if threshold.value not in months:
                months.append(float(threshold.value))
    return [Relation(subject, tuple(sorted(months))) for subject, months in found.items()]


def shift(start: dt.date, subject: PairSubject, months: float, days: int = 0) -> dt.date:
    """The date `months` (canonical) after `start` as `subject` measures time, then `days` more."""
    if subject.months:
        whole = math.floor(months + 1e-9)
        leftover = round((months - whole) * units.DAYS_PER_MONTH)
        return add_months(start, whole) + dt.timedelta(days=leftover + days)
    return start + dt.timedelta(days=round(months * units.DAYS_PER_MONTH) + days)


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved by whole calendar months, clamped to the month's last day (as `months between` counts)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def unshift(end: dt.date, subject: PairSubject, months: float, days: int = 0) -> dt.date:
    """A start date such that `end` is `months` after it (as measured by `subject`), less `days`."""
    if subject.months:
        whole = math.floor(months + 1e-9)
        leftover = round((months - whole) * units.DAYS_PER_MONTH)
        return add_months(end - dt.timedelta(days=leftover + days), -whole)
    return end - dt.timedelta(days=round(months * units.DAYS_PER_MONTH) + days)
