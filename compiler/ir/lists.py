"""Lists of records: the value a case holds for a `list of R` input, and what each list operation means when
fields are unknown or the list is known to be incomplete. Every back end computes exactly this.

A list value is `Records`: its elements (dicts of field values, None where a field is unknown) and whether the
list is complete. An incomplete list (`at least [...]`, "chest not imaged yet") holds at least these elements.
Per element, `where` is yes, no or unknown, and so is the body of `all`/`any`. Then:
- `count`: at least the elements certainly in, at most those possibly in (no upper bound when incomplete);
  known when the two agree;
- `any`: yes if an element is certainly in and has the body; no if the list is complete and none can;
- `all`: no if an element certainly in certainly lacks the body; yes if the list is complete and every
  element possibly in certainly has it (an element certainly out never counts);
- `distinct`: at least the known values of the elements certainly in (one if there are none but an element
  certainly in has its field unknown), at most those possibly in plus one per element possibly in with its field
  unknown, and never more than the field's kind has values;
- `sum`: bounds from the fields' declared ranges; `largest` and `smallest`: known only when every element
  possibly in is certainly in with its field known and the list is complete (an empty selection is `none`).
A numeric operation has bounds (`low`, `high`); its value is known when they meet. Compared with a known value,
the bounds decide what they can (`count(lesions) > 5` is yes for at least six lesions, however many more).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from eligo.ir import units
from eligo.ir.nodes import NA, Decision, Definition, DefRef, Field, InputInfo, ListOp, Node

Element = Mapping[str, Any]
Judge = Callable[[Element], tuple[Any, Any]]  # an element -> (where truth, body value)

NUMERIC = frozenset({"count", "sum", "distinct", "largest", "smallest"})
BOUNDED = frozenset({"count", "sum", "distinct"})  # those with bounds; largest/smallest are known or unknown


class Records(tuple):  # type: ignore[type-arg]
    """A list input's value: its elements in order, and whether the list is complete."""

    __slots__ = ()
    complete: bool = True

    def __new__(cls, items: Iterable[Element], complete: bool = True) -> Records:
        made = super().__new__(cls if complete else _AtLeast, items)
        return made

    @property
    def settled(self) -> bool:
        """Whether nothing about the list is unknown: complete, and every field of every element known."""
        return self.complete and all(v is not None for e in self for v in e.values())

    def __repr__(self) -> str:
        return f"{'' if self.complete else 'at least '}[{', '.join(map(repr, self))}]"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Records, (tuple(self), self.complete))


class _AtLeast(Records):
    __slots__ = ()
    complete = False


def unsettled(value: object) -> bool:
    """Whether an input's value leaves something unknown: missing, or a list that is not settled."""
    return value is None or (isinstance(value, Records) and not value.settled)


def bounded(node: Node, nodes: Mapping[str, Definition | Decision]) -> ListOp | None:
    """The `count`, `sum` or `distinct` that `node` is, directly or as the expression of a definition."""
    while isinstance(node, DefRef) and not node.decision:
        target = nodes[node.key]
        assert isinstance(target, Definition)
        node = target.expr
    return node if isinstance(node, ListOp) and node.op in BOUNDED else None


def every_element(node: ListOp, inputs: Mapping[str, InputInfo]) -> bool:
    """Whether a count, sum or distinct's bounds are reached (eligo.compiled.ranges): it reads every element (no
    `where`), and a distinct's field is a kind or a yes/no (every number of values up to its bound can be had)."""
    if node.where is not None:
        return False
    if node.op != "distinct":
        return True
    field = next((f for f in inputs[node.source.name].fields if isinstance(node.body, Field) and f.name == node.body.name),
                 None)
    return field_values(field) is not None


def field_range(field: InputInfo | None) -> tuple[float, float]:
    """A field's declared range in canonical units (unbounded where none is declared)."""
    if field is None:
        return (-math.inf, math.inf)
    unit = units.lookup(field.unit) if field.unit else None
    scale = unit.factor if unit else 1.0
    return (field.low * scale if field.low is not None else -math.inf,
            field.high * scale if field.high is not None else math.inf)


def field_values(field: InputInfo | None) -> int | None:
    """How many values a field can take, when they are few (a kind's values, yes and no)."""
    if field is None:
        return None
    return 2 if field.type.kind == "bool" else len(field.type.values) if field.type.kind == "enum" else None


def _truth(value: Any) -> bool | None:
    return False if value is NA else value


def bounds(op: str, records: Records | None, judge: Judge, field_range: tuple[float, float] = (-math.inf, math.inf),
           values: int | None = None) -> tuple[float, float] | None:
    """The bounds of `count`, `sum` or `distinct` (None: the list itself is missing). `field_range`: the declared
    range of the summed field; `values`: how many values the field's kind has (for `distinct`)."""
    if records is None:
        return None
    low = high = 0.0
    # one loop per operation, `_truth` written out: the exact step runs these for every unknown case
    if op == "count":
        for element in records:
            where = judge(element)[0]
            if where is True:
                low += 1
                high += 1
            elif where is not False and where is not NA:  # unknown whether it is selected
                high += 1
    elif op == "sum":
        least, most = field_range
        for element in records:
            where, body = judge(element)
            if where is False or where is NA:
                continue
            lo, hi = (body, body) if body is not None else (least, most)
            if where is True:
                low += lo
                high += hi
            else:
                low += min(lo, 0.0)
                high += max(hi, 0.0)
    else:  # distinct
        seen: set[Any] = set()
        maybe_seen: set[Any] = set()
        maybe_unknown = 0
        certain_unknown = False  # an element certainly in with its field unknown: at least one value
        for element in records:
            where, body = judge(element)
            if where is False or where is NA:
                continue
            if body is None:
                maybe_unknown += 1
                certain_unknown = certain_unknown or where is True
            else:
                maybe_seen.add(body)
                if where is True:
                    seen.add(body)
        low, high = float(len(seen) or certain_unknown), float(len(maybe_seen) + maybe_unknown)
    if not records.complete:  # more elements may come, each within the field's range
        if op != "sum" or field_range[1] > 0:
            high = math.inf
        if op == "sum" and field_range[0] < 0:
            low = -math.inf
    if op == "distinct" and values is not None:
        high = min(high, float(values))
    return low, high


def value_of(found: tuple[float, float] | None) -> Any:
    """The value bounds give: known when they meet (a whole number when whole), else unknown (None)."""
    if found is None or found[0] != found[1]:
        return None
    low = found[0]
    return int(low) if low.is_integer() else low


def compare_bounds(op: str, found: tuple[float, float] | None, other: Any, flipped: bool = False) -> bool | None:
    """`aggregate OP other` (or `other OP aggregate` when `flipped`) from the aggregate's bounds."""
    if found is None or other is None:
        return None
    if other is NA:
        return False
    low, high = found
    if flipped:
        op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
    match op:
        case "<":
            return True if high < other else False if low >= other else None
        case "<=":
            return True if high <= other else False if low > other else None
        case ">":
            return True if low > other else False if high <= other else None
        case ">=":
            return True if low >= other else False if high < other else None
        case "=":
            return True if low == high == other else False if other < low or other > high else None
        case _:  # !=
            return False if low == high == other else True if other < low or other > high else None


def quantify(op: str, records: Records | None, judge: Judge) -> bool | None:
    """`any` or `all` of the elements: yes, no, or unknown."""
    if records is None:
        return None
    unsure = not records.complete
    for element in records:
        where, body = judge(element)
        if where is NA:  # `_truth`, written out
            where = False
        if body is NA:
            body = False
        if op == "any":
            if where is True and body is True:
                return True
            if where is not False and body is not False:
                unsure = True
        else:
            if where is True and body is False:
                return False
            if where is not False and body is not True:
                unsure = True
    return None if unsure else op == "all"


def extreme(op: str, records: Records | None, judge: Judge) -> Any:
    """`largest` or `smallest` of a field over the selected elements: the value, `none` if none is selected, or
    unknown (None) when an element possibly selected is unsure or the list is incomplete."""
    if records is None or not records.complete:
        return None
    found: list[Any] = []
    for element in records:
        where, body = judge(element)
        where = _truth(where)
        if where is False:
            continue
        if where is None or body is None:
            return None
        found.append(body)
    if not found:
        return NA
    return max(found) if op == "largest" else min(found)
