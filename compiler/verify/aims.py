"""Generated lists aimed at a guideline's list operations: for each `count(L where P)`, `distinct(f of L)`,
`largest`, `smallest` or `sum` compared with a constant, lists on both sides of the constant and on it, with
elements that satisfy `P` and elements that do not (fields drawn from the values the `where` conditions tell
apart), some fields unknown and some lists incomplete; `any` and `all` get lists of none, one or two such elements.

The elements are judged here in canonical units, over the few forms a `where` takes (comparisons, `in`, `between`,
`and`, `or`, `not` of fields and constants); a condition beyond them judges an element "either way", so it is
drawn on both sides. A case gets the list in its declared units (eligo.verify.strategies.declared).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from hypothesis import strategies as st

from eligo import ir
from eligo.ir import units
from eligo.verify import boundaries
from eligo.verify.boundaries import ListSubject, Threshold

Element = dict[str, Any]
MOST = 9  # no aimed list holds more elements than this, whatever the threshold
CATALOGUE = 48  # at most this many distinct elements per list input


@dataclass(frozen=True)
class Aim:
    """One list operation and the sizes (or field values) that put its value either side of its thresholds."""

    op: ir.ListOp
    inside: tuple[Element, ...]  # elements `where` may select (canonical)
    outside: tuple[Element, ...]  # elements `where` may leave out
    sizes: tuple[int, ...]  # how many selected elements (count, distinct, any, all)
    values: tuple[float, ...] = ()  # the field values at and around the thresholds (largest, smallest, sum)
    thresholds: tuple[float, ...] = ()  # the constants it is compared with


@dataclass(frozen=True)
class ListAims:
    """What the generator aims at for one list input."""

    info: ir.InputInfo
    aims: tuple[Aim, ...]
    catalogue: tuple[Element, ...]

    @cached_property
    def weighted(self) -> tuple[Aim, ...]:
        """The aims to draw from, an aim with a threshold three times as often as a bare `any` or `all`."""
        return tuple(aim for aim in self.aims for _ in range(3 if aim.thresholds else 1))

    @property
    def sizes(self) -> tuple[int, ...]:
        """Every number of elements an aim asks for (a completion adds elements up to these)."""
        return tuple(sorted({n for aim in self.aims for n in aim.sizes}))


def list_aims(program: ir.Program, roots: Sequence[ir.Node], thresholds: Sequence[Threshold],
              inputs: Mapping[str, ir.InputInfo]) -> dict[str, ListAims]:
    """Per list input among `inputs`, the aims of the list operations under `roots` (definitions followed)."""
    ops: dict[ir.ListOp, list[float]] = {}
    for node in boundaries.reachable(program, list(roots)):
        for sub in ir.walk(node):
            if isinstance(sub, ir.ListOp) and sub.source.name in inputs:
                ops.setdefault(sub, [])
    for t in thresholds:
        if isinstance(t.subject, ListSubject) and isinstance(t.value, (int, float)):
            ops.setdefault(t.subject.op, []).append(float(t.value))
    out: dict[str, ListAims] = {}
    for name in sorted({op.source.name for op in ops}):
        info = inputs[name]
        mine = {op: values for op, values in ops.items() if op.source.name == name}
        catalogue = _catalogue(info, [op.where for op in mine if op.where is not None] +
                               [op.body for op in mine if op.body is not None and not isinstance(op.body, ir.Field)])
        aims = tuple(_aim(info, op, values, catalogue) for op, values in mine.items())
        out[name] = ListAims(info, aims, tuple(catalogue))
    return out


def _aim(info: ir.InputInfo, op: ir.ListOp, values: Sequence[float], catalogue: Sequence[Element]) -> Aim:
    inside = tuple(e for e in catalogue if judge(op.where, e) is not False) if op.where is not None else tuple(catalogue)
    outside = tuple(e for e in catalogue if judge(op.where, e) is not True) if op.where is not None else ()
    if op.op in ("count", "distinct"):
        sizes = sorted({n for v in values for n in (math.floor(v) - 1, math.floor(v), math.ceil(v), math.ceil(v) + 1)
                        if 0 <= n <= MOST} | {0, 1})
        return Aim(op, inside or tuple(catalogue), outside, tuple(sizes), (), tuple(values))
    if op.op in ("any", "all"):
        return Aim(op, inside or tuple(catalogue), outside, (0, 1, 2))
    field = next((f for f in info.fields if isinstance(op.body, ir.Field) and f.name == op.body.name), None)
    around = sorted({x for v in values for x in _around(field, v)})
    return Aim(op, inside or tuple(catalogue), outside, (1, 2), tuple(around), tuple(values))


def _around(field: ir.InputInfo | None, value: float) -> list[float]:
    if field is not None and field.type.integer:
        return [math.floor(value) - 1, math.floor(value), math.ceil(value), math.ceil(value) + 1]
    step = max(abs(value) * 0.01, 0.01)
    return [value - step, value, value + step]


def _catalogue(info: ir.InputInfo, conditions: Sequence[ir.Node]) -> list[Element]:
    """Elements whose fields take every value the conditions tell apart (all of a kind, both of yes/no, the
    constants a field is compared with and either side of them), a few thousand combinations at most, thinned
    evenly to CATALOGUE."""
    palettes: list[list[Any]] = []
    for f in info.fields:
        palettes.append(_palette(f, conditions))
    combos = list(itertools.islice(itertools.product(*palettes), 4096))
    if len(combos) > CATALOGUE:
        step = len(combos) / CATALOGUE
        combos = [combos[int(i * step)] for i in range(CATALOGUE)]
    return [dict(zip((f.name for f in info.fields), combo, strict=True)) for combo in combos]


def _palette(field: ir.InputInfo, conditions: Sequence[ir.Node]) -> list[Any]:
    kind = field.type.kind
    if kind == "bool":
        return [True, False]
    if kind == "enum":
        return list(field.type.values)
    found: list[Any] = []
    for condition in conditions:
        for sub in ir.walk(condition):
            for node, constant in _compared(sub):
                if isinstance(node, ir.Field) and node.name == field.name:
                    for value in _around(field, constant) if isinstance(constant, (int, float)) else [constant]:
                        if value not in found and boundaries.in_range(field, _declared(field, value)):
                            found.append(value)
    if not found:
        if kind == "date":
            return [dt.date(2020, 1, 1), dt.date(2024, 1, 1)]
        low = field.low if field.low is not None else 0
        high = field.high if field.high is not None else low + 100
        found = [low * _factor(field), high * _factor(field)]
    return found


def _factor(field: ir.InputInfo) -> float:
    unit = units.lookup(field.unit) if field.type.kind == "quantity" and field.unit else None
    return unit.factor if unit is not None else 1.0


def _declared(field: ir.InputInfo, value: Any) -> Any:
    """A canonical field value in the field's declared unit, as a case gives it."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and _factor(field) != 1.0:
        value = round(value / _factor(field), 9)
    if isinstance(value, float) and value.is_integer() and (field.type.integer or field.type.kind == "quantity"):
        return int(value)
    return value


def as_case(info: ir.InputInfo, items: Sequence[Mapping[str, Any]], complete: bool) -> Any:
    """Canonical elements as a case holds the list: declared units, unknown fields left out, `at_least` if
    incomplete."""
    fields = {f.name: f for f in info.fields}
    out = [{k: _declared(fields[k], v) for k, v in e.items() if v is not None and k in fields} for e in items]
    return out if complete else {"at_least": out}


def _compared(node: ir.Node) -> list[tuple[ir.Node, Any]]:
    match node:
        case ir.Compare(_, left, ir.Const(value)) if value is not None:
            return [(left, value)]
        case ir.Compare(_, ir.Const(value), right) if value is not None:
            return [(right, value)]
        case ir.Between(operand, ir.Const(low), ir.Const(high)):
            return [(operand, low), (operand, high)]
    return []


def judge(node: ir.Node | None, element: Mapping[str, Any]) -> bool | None:
    """Whether `element` satisfies a `where` condition: yes, no, or None (unknown, or a form not judged here)."""
    value = _value(node, element)
    return value if isinstance(value, bool) else None


def _value(node: ir.Node | None, e: Mapping[str, Any]) -> Any:
    match node:
        case None:
            return True
        case ir.Field(name):
            return e.get(name)
        case ir.Const(value):
            return value
        case ir.Not(operand):
            inner = _value(operand, e)
            return (not inner) if isinstance(inner, bool) else None
        case ir.BoolOp(op, operands):
            values = [_value(o, e) for o in operands]
            decisive = op == "or"
            if decisive in values:
                return decisive
            return None if None in values or not all(isinstance(v, bool) for v in values) else not decisive
        case ir.Compare(op, left, right):
            a, b = _value(left, e), _value(right, e)
            if a is None or b is None:
                return None
            try:
                return _COMPARE[op](a, b)
            except TypeError:
                return None
        case ir.InSet(operand, items, negated):
            a = _value(operand, e)
            values = [_value(i, e) for i in items]
            return None if a is None or None in values else (a in values) != negated
        case ir.Between(operand, low, high):
            a, lo, hi = _value(operand, e), _value(low, e), _value(high, e)
            return None if None in (a, lo, hi) else lo <= a <= hi
    return None


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b,
}


def aimed_strategy(aims: ListAims) -> st.SearchStrategy[Any]:
    """A list value as a case holds it, aimed at one of the list's operations."""

    @st.composite
    def draw(draw: st.DrawFn) -> Any:
        aim = aims.weighted[draw(st.integers(0, len(aims.weighted) - 1))]
        n = aim.sizes[draw(st.integers(0, len(aim.sizes) - 1))]

        def pick(pool: Sequence[Element]) -> Element:
            return dict(pool[draw(st.integers(0, len(pool) - 1))])

        items: list[Element]
        field = aim.op.body.name if isinstance(aim.op.body, ir.Field) else None
        if aim.op.op == "distinct" and field is not None:
            kinds = list(dict.fromkeys(e[field] for e in aim.inside))
            items = [{**pick(aim.inside), field: v} for v in kinds[:n]]
            items += [{**pick(aim.inside), field: kinds[0]} for _ in range(draw(st.integers(0, 2)))] if kinds else []
        elif aim.values and field is not None:
            value = aim.values[draw(st.integers(0, len(aim.values) - 1))]
            share = value / n if aim.op.op == "sum" else value
            items = [{**pick(aim.inside), field: share} for _ in range(n)]
        else:
            items = [pick(aim.inside) for _ in range(n)]
        if aim.outside:
            items += [pick(aim.outside) for _ in range(draw(st.integers(0, 2)))]
        order = draw(st.permutations(range(len(items)))) if len(items) > 1 else range(len(items))
        items = [items[i] for i in order]
        for _ in range(draw(st.integers(0, 2)) // 2):  # now and then a field is unknown
            if items and aims.info.fields:
                at = draw(st.integers(0, len(items) - 1))
                items[at][aims.info.fields[draw(st.integers(0, len(aims.info.fields) - 1))].name] = None
        return as_case(aims.info, items, draw(st.integers(0, 4)) != 0)  # one list in five is incomplete

    return draw()


def extra_sizes(aims: ListAims | None, present: int, added: int) -> list[int]:
    """How many elements a completion of an incomplete list of `present` elements may add: up to `added`, and
    enough to reach each size an aim asks for (and one more)."""
    out = set(range(added + 1))
    if aims is not None:
        out |= {n - present for n in aims.sizes if 0 <= n - present <= MOST}
    return sorted(out)
