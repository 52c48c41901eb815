"""The classes of a list input's elements and the states of its list operations, per decision, for deciding exactly
what a partly known list decides (the search over a case's list is eligo.compiled.list_states).

A decision reads a list only through its list operations (eligo.ir.lists), each a fold over the elements. When each
`where` and body reads only element fields compared with constants (and yes/no fields as conditions), an element
behaves as its *element class*: one class per field (a yes/no or kind field: each value; a number or quantity: the
classes its comparisons' constants cut, as an input's in eligo.ir.domains), so each element class has one *effect*
on each operation, computed here once. When each operation's value is read only by comparisons with constants (or
as a yes/no), the decision depends on the list only through the *state*: per operation, its value saturated where
no comparison the decision makes can tell larger values apart:
- `count` beyond the largest constant it is compared with (cap = ⌊max⌋ + 1: every count ≥ cap compares alike);
- `distinct` the same (the set of values seen is kept until it reaches the cap, since a repeated value adds none);
- `any` once yes, `all` once no (an element that has the body, or one that lacks it, settles it for good);
- `largest`/`smallest` as the class of the extreme field value (classes are intervals, so the extreme's class is
  the extreme of the classes), or none when nothing is selected;
- `sum` exactly (only over a complete list whose summed field every element holds: the sum is then a function
  of which elements are selected, finitely many).
Proof that one list per reachable state is enough: every operation is a fold whose step reads only the element's
class (its effect), so the state after a list is a function of the multiset of its elements' classes; the
saturated value of each operation determines every comparison the decision makes on it (by the caps above and the
class cuts), and nothing else reads the list (checked here), so two completions of the list that reach one state
give the same outcome for every completion of the other inputs. The states reachable by completing the known
elements' unknown fields and then adding any number of elements of any classes are finitely many (each component
is bounded), found by a search memoized on the state; each state is reached by a concrete list (the search's
path), which stands for all of its completions. Where the argument does not hold (a `sum` over an incomplete
list or an unknown summed field, a field read otherwise than against constants, an operation read otherwise than
by a comparison with constants, a date or text field read) there is no `ListDomain` and the answer stays
three-valued, marked inexact.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from eligo.ir.nodes import (
    NA,
    Between,
    BoolOp,
    Compare,
    Const,
    Decision,
    Definition,
    DefRef,
    Field,
    InputInfo,
    InputRef,
    InSet,
    ListOp,
    Node,
    Not,
    Program,
    Test,
    children,
    walk,
)

MAX_ELEMENT_CLASSES = 256  # element classes of one list at most; beyond, the list stays three-valued
COMPARED = ("<", "<=", ">", ">=", "=", "!=")


class _Refused(Exception):
    """The decision reads the list in a way its states cannot stand for."""


@dataclass(frozen=True, slots=True)
class ListDomain:
    """One list input as one decision reads it: its read fields with their classes, its operations, and the effect
    of each element class on each operation (see the module docstring)."""

    fields: tuple[str, ...]  # the fields the operations read, in declaration order
    reps: tuple[tuple[object, ...], ...]  # per field: one value per class, in increasing order for numbers
    cuts: tuple[tuple[float, ...] | None, ...]  # per field: its cut points (None for a yes/no or a kind)
    ops: tuple[tuple[str, int, str | None], ...]  # per operation: its kind, its cap, its summed field
    classes: tuple[tuple[int, ...], ...]  # per element class: its class index in each field
    effects: tuple[tuple[int, ...], ...]  # per element class: its effect on each operation (see `step`)
    names: tuple[str, ...] = ()  # every field the record declares
    groups: tuple[tuple[int, ...], ...] = ()  # per operation: for a distinct, masks of its interchangeable values
    points: tuple[tuple[float, ...], ...] = ()  # per operation: for a count or distinct, the constants it meets

    def canonical(self, state: tuple[float, ...]) -> tuple[float, ...]:
        """The state with each distinct set's interchangeable values renamed to the first of their group: states
        alike but for such a renaming reach alike states by adding elements of every class (the search for extra
        elements keeps one of them; not while known elements, whose values are fixed, are folded)."""
        if not any(self.groups):
            return state
        out = list(state)
        for k, groups in enumerate(self.groups):
            value = int(out[k])
            if groups and value > 0:
                for group in groups:
                    seen = (value & group).bit_count()
                    value &= ~group
                    low = group
                    for _ in range(seen):
                        chosen = low & -low
                        value |= chosen
                        low ^= chosen
                out[k] = value
        return tuple(out)

    def initial(self) -> tuple[float, ...]:
        """The state of the empty list."""
        return tuple(-1 if op in ("largest", "smallest") or (op == "distinct" and cap == 0) else 0
                     for op, cap, _ in self.ops)

    def step(self, state: tuple[float, ...], element_class: int, element: Mapping[str, object] | None) -> tuple[float, ...]:
        """The state after adding one element of `element_class` (`element`: its values, which a `sum` adds)."""
        effects = self.effects[element_class]
        out = list(state)
        for k, (op, cap, summed) in enumerate(self.ops):
            effect, value = effects[k], out[k]
            if op == "count":
                out[k] = min(value + effect, cap)
            elif op in ("any", "all"):  # any: has the body; all: lacks it (1 settles it for good)
                out[k] = max(value, effect)
            elif op == "distinct":
                if value >= 0 and effect >= 0:
                    mask = int(value) | 1 << effect
                    out[k] = -1 if mask.bit_count() >= cap else mask  # -1: saturated
            elif op == "largest":
                out[k] = max(value, effect)
            elif op == "smallest":
                out[k] = effect if value < 0 else value if effect < 0 else min(value, effect)
            elif effect:  # sum: of the element's own value, when it is selected
                assert element is not None and summed is not None
                out[k] = value + element[summed]  # type: ignore[operator]
        return tuple(out)

    def class_index(self, field: int, value: object) -> int:
        """The class of a known field value (-1 if none holds it: outside the declared range)."""
        cuts, reps = self.cuts[field], self.reps[field]
        if cuts is None:
            return reps.index(value) if value in reps else -1
        signature = _signature(value, cuts)
        return next((i for i, rep in enumerate(reps) if _signature(rep, cuts) == signature), -1)

    def observable(self, state: tuple[float, ...]) -> tuple[object, ...]:
        """What the decision can see of a state: a count, or a distinct set's size, by its side of each constant it
        is compared with (below, at or above)."""
        seen: list[object] = []
        for (op, cap, _), value, points in zip(self.ops, state, self.points, strict=True):
            if op == "distinct":
                value = cap if value < 0 else int(value).bit_count()
            seen.append(_signature(value, points) if op in ("count", "distinct") else value)
        return tuple(seen)


def _signature(value: object, cuts: tuple[float, ...]) -> tuple[int, ...]:
    return tuple(0 if value < c else 1 if value == c else 2 for c in cuts)  # type: ignore[operator]


Classes = Callable[[InputInfo, list[object]], tuple[object, ...] | None]  # eligo.ir.domains.representatives


def analyse(program: Program, representatives: Classes) -> dict[tuple[str, str], ListDomain | None]:
    """Per (decision key, list input) the decision reads: its ListDomain, or None where states cannot stand for it.
    `representatives`: one value per class a field's cut points make (as an input's)."""
    nodes = {n.key: n for n in program.nodes}
    found: dict[tuple[str, str], ListDomain | None] = {}
    for decision in program.decisions:
        uses: dict[str, dict[ListOp, list[object]]] = {}
        refused: set[str] = set()
        _scan(decision, nodes, uses, refused)
        for name, ops in uses.items():
            try:
                found[decision.key, name] = None if name in refused else _domain(program.inputs[name], ops, nodes,
                                                                                 representatives)
            except _Refused:
                found[decision.key, name] = None
        for name in refused - set(uses):
            found[decision.key, name] = None
    return found


def constant(node: Node, nodes: Mapping[str, Definition | Decision]) -> object:
    """The constant `node` is (through definitions), or raise _Refused."""
    while isinstance(node, DefRef) and not node.decision and isinstance(nodes.get(node.key), Definition):
        node = nodes[node.key].expr  # type: ignore[union-attr]
    if isinstance(node, Const) and node.value is not None and node.value is not NA:
        return node.value
    raise _Refused


def _resolve(node: Node, nodes: Mapping[str, Definition | Decision]) -> Node:
    while isinstance(node, DefRef) and not node.decision and isinstance(nodes.get(node.key), Definition):
        node = nodes[node.key].expr  # type: ignore[union-attr]
    return node


def _scan(decision: Decision, nodes: Mapping[str, Definition | Decision], uses: dict[str, dict[ListOp, list[object]]],
          refused: set[str]) -> None:
    """Every list operation the decision reads (through definitions and decisions), with the constants its value is
    compared with; a list read any other way is `refused`."""
    stack: list[Node] = list(decision.exprs)
    seen: set[str] = {decision.key}
    for top in decision.exprs:
        if isinstance(op := _resolve(top, nodes), ListOp):
            uses.setdefault(op.source.name, {}).setdefault(op, [])
            if op.op not in ("any", "all"):
                refused.add(op.source.name)
    while stack:
        for node in walk(stack.pop()):
            if isinstance(node, DefRef) and node.key not in seen and node.key in nodes:
                seen.add(node.key)
                stack.extend(nodes[node.key].exprs)
            if isinstance(node, ListOp):
                continue  # its where and body are judged by _domain
            for child in children(node):
                op = _resolve(child, nodes)
                if isinstance(op, ListOp):
                    against = uses.setdefault(op.source.name, {}).setdefault(op, [])
                    if op.op not in ("any", "all") and not _compared(node, child, against, nodes):
                        refused.add(op.source.name)
                elif isinstance(op, InputRef) and op.type.kind == "list" and not isinstance(node, Test):
                    refused.add(op.name)


def _compared(parent: Node, child: Node, against: list[object], nodes: Mapping[str, Definition | Decision]) -> bool:
    """Whether `parent` reads the numeric operation `child` only against constants (added to `against`)."""
    try:
        match parent:
            case Compare(_, left, right):
                against.append(constant(right if left is child else left, nodes))
            case Between(operand, low, high) if operand is child:
                against.extend((constant(low, nodes), constant(high, nodes)))
            case InSet(operand, items) if operand is child:
                against.extend(constant(i, nodes) for i in items)
            case Test(_, test) if test in ("none", "missing", "known"):
                pass
            case _:
                return False
    except _Refused:
        return False
    return True


def _domain(info: InputInfo, ops: Mapping[ListOp, list[object]], nodes: Mapping[str, Definition | Decision],
            representatives: Classes) -> ListDomain:
    declared = {f.name: f for f in info.fields}
    cuts: dict[str, list[float]] = {}
    for op, against in ops.items():
        for part in (op.where, op.body if op.op in ("any", "all") else None):
            if part is not None:
                _fields(part, declared, cuts, nodes)
        if op.op in ("largest", "smallest", "sum", "distinct"):
            if not isinstance(op.body, Field):
                raise _Refused
            kind = declared[op.body.name].type.kind
            if op.op == "distinct" and kind not in ("bool", "enum"):
                raise _Refused
            if op.op in ("largest", "smallest"):
                if kind not in ("number", "quantity"):
                    raise _Refused
                cuts.setdefault(op.body.name, []).extend(_numbers(against))
            if op.op != "sum":
                cuts.setdefault(op.body.name, [])
    fields = tuple(name for name in declared if name in cuts)
    reps: list[tuple[object, ...]] = []
    for name in fields:
        field = declared[name]
        points = tuple(sorted(set(cuts[name])))
        values = representatives(field, list(points))
        if values is None:
            raise _Refused
        if field.type.kind not in ("bool", "enum"):  # one value per class (an input's also holds its range's ends)
            values = tuple({_signature(v, points): v for v in reversed(values)}.values())[::-1]
        reps.append(values)
    classes = tuple(itertools.product(*(range(len(r)) for r in reps)))
    if len(classes) > MAX_ELEMENT_CLASSES:
        raise _Refused
    listed = tuple(ops)
    table = tuple((op.op, _cap(op.op, against), op.body.name if op.op == "sum" else None)  # type: ignore[union-attr]
                  for op, against in ops.items())
    effects = []
    for indices in classes:
        element = {name: reps[i][j] for i, (name, j) in enumerate(zip(fields, indices, strict=True))}
        effects.append(tuple(_effect(op, element, dict(zip(fields, indices, strict=True)), nodes) for op in listed))
    numeric = tuple(None if declared[n].type.kind in ("bool", "enum") else tuple(sorted(set(cuts[n]))) for n in fields)
    groups = tuple(_groups(k, listed, fields, classes, tuple(effects)) for k in range(len(listed)))
    met: list[tuple[float, ...]] = []  # per operation, the constants a count or distinct is compared with
    for op, against in ops.items():
        met.append(tuple(sorted(set(_numbers(against)))) if op.op in ("count", "distinct") else ())
    return ListDomain(fields, tuple(reps), numeric, table, classes, tuple(effects), tuple(declared), groups,
                      tuple(met))


def _groups(k: int, ops: tuple[ListOp, ...], fields: tuple[str, ...], classes: tuple[tuple[int, ...], ...],
            effects: tuple[tuple[int, ...], ...]) -> tuple[int, ...]:
    """For a distinct over a field no other distinct reads: its values that no operation tells apart otherwise
    (swapping two in every element class swaps them in this distinct's effect and changes no other effect), as
    masks of value indices (groups of one left out)."""
    op = ops[k]
    if op.op != "distinct" or sum(o.op == "distinct" and o.body == op.body for o in ops) > 1:
        return ()
    at = fields.index(op.body.name)  # type: ignore[union-attr]
    index = {c: i for i, c in enumerate(classes)}
    values = sorted({c[at] for c in classes})

    def alike(v: int, w: int) -> bool:
        for c, indices in enumerate(classes):
            if indices[at] != v:
                continue
            other = effects[index[(*indices[:at], w, *indices[at + 1:])]]
            mine = effects[c]
            if any(a != b for j, (a, b) in enumerate(zip(mine, other, strict=True)) if j != k):
                return False
            if (mine[k] < 0) != (other[k] < 0):
                return False
        return True

    found: list[list[int]] = []
    for v in values:
        group = next((g for g in found if alike(g[0], v)), None)
        if group is None:
            found.append([v])
        else:
            group.append(v)
    return tuple(sum(1 << v for v in g) for g in found if len(g) > 1)


def _numbers(values: list[object]) -> list[float]:
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise _Refused
    return [float(v) for v in values]  # type: ignore[arg-type]


def _cap(op: str, against: list[object]) -> int:
    """Where a count or distinct saturates: past the largest constant it is compared with."""
    if op not in ("count", "distinct"):
        return 0
    numbers = _numbers(against)
    return max(0, math.floor(max(numbers)) + 1) if numbers else 0


def _fields(node: Node, declared: Mapping[str, InputInfo], cuts: dict[str, list[float]],
            nodes: Mapping[str, Definition | Decision]) -> None:
    """Check that a `where` or body reads fields only against constants; gather each number field's cut points."""
    match node:
        case Field(name) if declared[name].type.kind == "bool":
            cuts.setdefault(name, [])
        case Not(operand):
            _fields(operand, declared, cuts, nodes)
        case BoolOp(_, operands):
            for operand in operands:
                _fields(operand, declared, cuts, nodes)
        case Compare(_, left, right) if isinstance(left, Field) or isinstance(right, Field):
            field, other = (left, right) if isinstance(left, Field) else (right, left)
            _field_against(field, [constant(other, nodes)], declared, cuts)  # type: ignore[arg-type]
        case Between(Field() as field, low, high):
            _field_against(field, [constant(low, nodes), constant(high, nodes)], declared, cuts)
        case InSet(Field() as field, items):
            _field_against(field, [constant(i, nodes) for i in items], declared, cuts)
        case DefRef() | Const():
            constant(node, nodes)
        case _:
            raise _Refused


def _field_against(field: Field, values: list[object], declared: Mapping[str, InputInfo],
                   cuts: dict[str, list[float]]) -> None:
    kind = declared[field.name].type.kind
    if kind in ("bool", "enum"):
        cuts.setdefault(field.name, [])
    elif kind in ("number", "quantity"):
        cuts.setdefault(field.name, []).extend(_numbers(values))
    else:
        raise _Refused


def _effect(op: ListOp, element: Mapping[str, object], indices: Mapping[str, int],
            nodes: Mapping[str, Definition | Decision]) -> int:
    """An element's effect on one operation: count and sum 1 if selected; any 1 if it has the body, all 1 if it
    lacks it; distinct the class of its value, largest and smallest that of its field, if selected (else -1)."""
    selected = op.where is None or _truth(op.where, element, nodes)
    if op.op in ("count", "sum"):
        return int(selected)
    if op.op in ("any", "all"):
        body = op.body is None or _truth(op.body, element, nodes)
        return int(selected and (body if op.op == "any" else not body))
    if not selected:
        return -1
    assert isinstance(op.body, Field)
    return indices[op.body.name]


def _truth(node: Node, element: Mapping[str, object], nodes: Mapping[str, Definition | Decision]) -> bool:
    """A checked `where` or body (see `_fields`) on an element whose fields are all known."""
    match node:
        case Field(name):
            return bool(element[name])
        case Not(operand):
            return not _truth(operand, element, nodes)
        case BoolOp(op, operands):
            parts = [_truth(o, element, nodes) for o in operands]
            return all(parts) if op == "and" else any(parts)
        case Compare(op, left, right):
            a, b = (_value(side, element, nodes) for side in (left, right))
            return bool({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "=": a == b, "!=": a != b}[op])  # type: ignore[operator]
        case Between(operand, low, high):
            value = _value(operand, element, nodes)
            return bool(_value(low, element, nodes) <= value <= _value(high, element, nodes))  # type: ignore[operator]
        case InSet(operand, items, negated):
            inside = _value(operand, element, nodes) in [_value(i, element, nodes) for i in items]
            return inside != negated
    return bool(constant(node, nodes))


def _value(node: Node, element: Mapping[str, object], nodes: Mapping[str, Definition | Decision]) -> object:
    return element[node.name] if isinstance(node, Field) else constant(node, nodes)
