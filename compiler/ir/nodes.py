"""The IR: the checked, name-resolved, typed program that every back end compiles (`analysis` states what it implies).

Values are canonical: durations in months, lengths in mm, percentages as numbers, enumeration
values and outcomes as strings, dates as `datetime.date`. `NA` is the value of `none`.
Every node keeps the span and source text it came from, for traces and explanations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Literal, TypeAlias

from eligo.dsl.ast import NO_SPAN, Span
from eligo.ir.tables import Band
from eligo.ir.types import BOOL, DURATION, Type

__all__ = [
    "NA",
    "OPEN",
    "Arith",
    "Between",
    "BoolOp",
    "Compare",
    "Const",
    "Decision",
    "DefRef",
    "Definition",
    "Elapsed",
    "Field",
    "FirstKnown",
    "If",
    "InSet",
    "InputInfo",
    "InputRef",
    "ListOp",
    "Lookup",
    "Neg",
    "Node",
    "Not",
    "Origin",
    "Program",
    "Rule",
    "TableRow",
    "Test",
    "Value",
    "children",
    "walk",
]


class _NotApplicable:
    """`none`: a known absence of value. Comparisons with it are false, never unknown."""

    _instance: _NotApplicable | None = None

    def __new__(cls) -> _NotApplicable:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NA"

    def __reduce__(self) -> str:
        return "NA"


NA = _NotApplicable()
Value: TypeAlias = bool | int | float | str | dt.date | _NotApplicable | tuple[str, ...] | None


@dataclass(frozen=True, slots=True)
class Origin:
    span: Span = NO_SPAN
    text: str = ""


def _origin() -> Origin:
    return field(default=Origin(), compare=False, kw_only=True)


class _Condition:
    """A node whose value is yes/no (or unknown): its type is BOOL."""

    __slots__ = ()

    @property
    def type(self) -> Type:
        return BOOL


@dataclass(frozen=True, slots=True)
class Const:
    value: Value
    type: Type
    origin: Origin = _origin()


@dataclass(frozen=True, slots=True)
class InputRef:
    name: str
    type: Type
    origin: Origin = _origin()


@dataclass(frozen=True, slots=True)
class DefRef:
    """A definition or decision of some module, by its global key `module_id@version:name`."""

    key: str
    type: Type
    decision: bool = False
    origin: Origin = _origin()


@dataclass(frozen=True, slots=True)
class Not(_Condition):
    operand: Node
    origin: Origin = _origin()


@dataclass(frozen=True, slots=True)
class BoolOp(_Condition):
    op: Literal["and", "or"]
    operands: tuple[Node, ...]
    origin: Origin = _origin()


@dataclass(frozen=True, slots=True)
class Compare(_Condition):
    op: Literal["<", "<=", ">", ">=", "=", "!="]
    left: Node
    right: Node
    origin: Origin = _origin()


@dataclass(frozen=True, slots=True)
class Arith:
    op: Literal["+", "-", "*", "/"]
    left: Node
    right: Node
    type: Type
    origin: Origin = _origin()


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Node
    origin: Origin = _origin()

    @property
    def type(self) -> Type:
        return self.operand.type


@dataclass(frozen=True, slots=True)
class Test(_Condition):
    operand: Node
    test: Literal["missing", "known", "none"]
    origin: Origin = _origin()


@dataclass(frozen=True, slots=True)
class InSet(_Condition):
    operand: Node
    items: tuple[Node, ...]
    negated: bool
    origin: Origin = _origin()


@dataclass(frozen=True, slots=True)
class Between(_Condition):
    operand: Node
    low: Node
    high: Node
    origin: Origin = _origin()


@dataclass(frozen=True, slots=True)
class FirstKnown:
    items: tuple[Node, ...]
    type: Type
    origin: Origin = _origin()


@dataclass(frozen=True, slots=True)
class If:
    condition: Node
    then: Node
    otherwise: Node
    type: Type
    origin: Origin = _origin()


@dataclass(frozen=True, slots=True)
class TableRow:
    keys: tuple[str | bool | Band | None, ...]  # None is `any`; a Band in a column keyed by a number
    value: Const
    because: tuple[str, ...] = ()
    cites: tuple[str, ...] = ()
    span: Span = NO_SPAN


@dataclass(frozen=True, slots=True)
class Lookup:
    table: str  # global key of the table
    keys: tuple[Node, ...]
    rows: tuple[TableRow, ...]
    default: Const | None
    type: Type
    origin: Origin = _origin()


@dataclass(frozen=True, slots=True)
class Elapsed:
    unit: Literal["days", "weeks", "months", "years"]
    start: Node
    end: Node
    origin: Origin = _origin()

    @property
    def type(self) -> Type:
        return DURATION


@dataclass(frozen=True, slots=True)
class Field:
    """A field of the element a list operation is looking at (only inside a `ListOp`'s `where` and `body`)."""

    name: str
    type: Type
    origin: Origin = _origin()


@dataclass(frozen=True, slots=True)
class ListOp:
    """A quantifier or aggregate over a list input (`eligo.ir.lists` states its three-valued meaning).

    `where` filters the elements (None: all of them); `body` is the condition of `all`/`any` (None: `any` of
    the filtered elements), or the `Field` that `largest`, `smallest`, `sum` and `distinct` are taken over."""

    op: Literal["count", "any", "all", "largest", "smallest", "sum", "distinct"]
    source: InputRef
    where: Node | None
    body: Node | None
    type: Type
    origin: Origin = _origin()


Node: TypeAlias = (
    Const | InputRef | DefRef | Not | BoolOp | Compare | Arith | Neg | Test | InSet | Between
    | FirstKnown | If | Lookup | Elapsed | Field | ListOp
)


_CHILDREN: dict[type, Callable[[Any], tuple[Node, ...]]] = {
    Not: lambda n: (n.operand,),
    Neg: lambda n: (n.operand,),
    Test: lambda n: (n.operand,),
    BoolOp: attrgetter("operands"),
    Compare: lambda n: (n.left, n.right),
    Arith: lambda n: (n.left, n.right),
    InSet: lambda n: (n.operand, *n.items),
    Between: lambda n: (n.operand, n.low, n.high),
    FirstKnown: attrgetter("items"),
    Lookup: attrgetter("keys"),
    If: lambda n: (n.condition, n.then, n.otherwise),
    Elapsed: lambda n: (n.start, n.end),
    ListOp: lambda n: tuple(x for x in (n.source, n.where, n.body) if x is not None),
}  # by the node's class: a dictionary look-up where a `match` tried each kind in turn (back ends walk a lot)


def children(node: Node) -> tuple[Node, ...]:
    """A node's operands in reading order (none for a leaf)."""
    found = _CHILDREN.get(node.__class__)
    return found(node) if found is not None else ()


def walk(node: Node) -> list[Node]:
    """Every node of an expression, depth first in reading order, without recursion."""
    out: list[Node] = []
    stack = [node]
    pop, push, keep, find = stack.pop, stack.extend, out.append, _CHILDREN.get
    while stack:
        current = pop()
        keep(current)
        found = find(current.__class__)
        if found is not None:
            push(reversed(found(current)))
    return out


@dataclass(frozen=True, slots=True)
class Definition:
    key: str
    name: str
    module: str
    expr: Node
    type: Type
    because: tuple[str, ...] = ()
    cites: tuple[str, ...] = ()
    span: Span = NO_SPAN

    @property
    def exprs(self) -> tuple[Node, ...]:
        """The expressions this definition owns."""
        return (self.expr,)


OPEN = "open"  # the outcome of a rule declaring an open question: the guideline deliberately does not settle it


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    condition: Node
    outcome: str  # OPEN for an open question, whose `because` is the committee's reason
    because: tuple[str, ...] = ()
    cites: tuple[str, ...] = ()
    span: Span = NO_SPAN

    @property
    def is_open(self) -> bool:
        return self.outcome == OPEN


@dataclass(frozen=True, slots=True)
class Decision:
    key: str
    name: str
    module: str
    outcomes: tuple[str, ...]
    ordered: bool
    policy: Literal["first", "unique", "collect"]
    rules: tuple[Rule, ...]
    default: Rule | None  # the `otherwise` clause, as a rule named "otherwise" with condition yes
    span: Span = NO_SPAN
    beside: tuple[str, ...] = ()  # outcomes outside the order of an ordered scale (`a > b | x`)

    @property
    def ranked(self) -> tuple[str, ...]:
        """The ordered part of the scale, best first (empty when its outcomes are unordered)."""
        return tuple(o for o in self.outcomes if o not in self.beside) if self.ordered else ()

    @property
    def open_questions(self) -> tuple[Rule, ...]:
        """The rules (and `otherwise`) that declare an open question."""
        return tuple(r for r in (*self.rules, *([self.default] if self.default else [])) if r.is_open)

    @property
    def exprs(self) -> tuple[Node, ...]:
        """The expressions this decision owns: its rules' conditions, in order."""
        return tuple(rule.condition for rule in self.rules)


@dataclass(frozen=True, slots=True)
class InputInfo:
    """A declared input, as a case must supply it."""

    name: str
    type: Type
    unit: str | None  # the unit a bare number in a case is read in
    low: float | None
    high: float | None
    optional: bool
    description: str | None
    module: str
    span: Span = NO_SPAN
    spec: str = ""  # the type as written: `count`, `quantity in U/mL`, `site`, `list of lesion`
    fields: tuple[InputInfo, ...] = ()  # a list of records: each field, declared as an input is


@dataclass(frozen=True, slots=True)
class Program:
    """Everything one guideline version needs to evaluate: its inputs, and its definitions and
    decisions (with those of the modules it uses) in evaluation order."""

    inputs: dict[str, InputInfo]
    nodes: tuple[Definition | Decision, ...]  # in evaluation order
    own_decisions: tuple[str, ...]  # keys of the decisions the guideline itself declares
    module: str = ""  # the guideline's own module, `id@version`

    def value_name(self, node: Definition | Decision) -> str:
        """How a result names a definition or decision: by name if the guideline's own, else `module.name`."""
        return node.name if node.module == self.module else f"{node.module.split('@')[0]}.{node.name}"

    @property
    def decisions(self) -> tuple[Decision, ...]:
        return tuple(n for n in self.nodes if isinstance(n, Decision))

    @property
    def own(self) -> tuple[Decision, ...]:
        """The decisions the guideline itself declares, in evaluation order."""
        own = set(self.own_decisions)
        return tuple(d for d in self.decisions if d.key in own)

    @property
    def by_key(self) -> dict[str, Definition | Decision]:
        return {n.key: n for n in self.nodes}

    @property
    def definitions(self) -> tuple[Definition, ...]:
        return tuple(n for n in self.nodes if isinstance(n, Definition))
