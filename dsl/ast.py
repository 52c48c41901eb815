"""The typed Eligo AST: a closed set of frozen, slotted dataclasses built only by dsl.builder.

Every node has a `span` that structural equality and hashing ignore, so that
`parse(format(m)) == m` compares meaning, not layout.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal as TypingLiteral
from typing import TypeAlias, TypeVar

from eligo import classcode

classcode.install()  # the classes' generated methods compiled once per interpreter, not at every import

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Span:
    """A source range: 1-based line and column of the first character, end exclusive."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


NO_SPAN = Span("<generated>", 0, 0, 0, 0)


def _span() -> Span:
    return field(default=NO_SPAN, compare=False, hash=False, repr=False, kw_only=True)


# ---------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class Number:
    value: int | float
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number with a unit, as written: `12 months`, `37 U/mL`, `50%`."""

    value: int | float
    unit: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class DateLit:
    value: dt.date
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Bool:
    value: bool
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class NoneLit:
    """`none`: a known absence of value (e.g. no DFI threshold for a site)."""

    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Text:
    value: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Ref:
    """A name: an input, definition, decision, enumeration value, or `alias.name`."""

    name: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Expr
    span: Span = _span()


ArithOp: TypeAlias = TypingLiteral["+", "-", "*", "/"]


@dataclass(frozen=True, slots=True)
class Arith:
    op: ArithOp
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class BoolOp:
    """`a and b and c` or `a or b`: n-ary, so long chains do not nest."""

    op: TypingLiteral["and", "or"]
    operands: tuple[Expr, ...]
    span: Span = _span()


CompareOp: TypeAlias = TypingLiteral["<", "<=", ">", ">=", "=", "!="]


@dataclass(frozen=True, slots=True)
class Compare:
    op: CompareOp
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Test:
    """`x is missing`, `x is known`, `x is none`: never unknown itself."""

    operand: Expr
    test: TypingLiteral["missing", "known", "none"]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class InSet:
    operand: Expr
    items: tuple[Expr, ...]
    negated: bool = False
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Between:
    """`x between low and high`, inclusive at both ends."""

    operand: Expr
    low: Expr
    high: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class FirstKnown:
    """`first known of (a, b, c)`: the first operand whose value is known."""

    items: tuple[Expr, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class IfThen:
    condition: Expr
    then: Expr
    otherwise: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Lookup:
    """`table[key, ...]`."""

    table: str
    keys: tuple[Expr, ...]
    span: Span = _span()


ElapsedUnit: TypeAlias = TypingLiteral["days", "weeks", "months", "years"]


@dataclass(frozen=True, slots=True)
class Elapsed:
    """`months between start and end`: a duration from two dates."""

    unit: ElapsedUnit
    start: Expr
    end: Expr
    span: Span = _span()


ListOpName: TypeAlias = TypingLiteral["count", "any", "all", "largest", "smallest", "sum", "distinct"]
LIST_OPS: tuple[str, ...] = ("count", "any", "all", "largest", "smallest", "sum", "distinct")
FIELD_OPS: tuple[str, ...] = ("largest", "smallest", "sum", "distinct")  # written `op(FIELD of LIST)`


@dataclass(frozen=True, slots=True)
class ListOp:
    """A quantifier or aggregate over a list of records: `count(lesions where organ = liver)`,
    `all(lesions have treatable)`, `largest(size of lesions where organ = liver)`.

    Inside `where` and `have`, a bare name is a field of the element (before any other name)."""

    op: ListOpName
    source: str
    where: Expr | None = None
    field: str | None = None  # `largest(size of lesions)`
    have: Expr | None = None  # `all(lesions have treatable)`
    span: Span = _span()


Literal: TypeAlias = Number | Quantity | DateLit | Bool | NoneLit | Text
Expr: TypeAlias = (
    Literal
    | Ref
    | Neg
    | Arith
    | Not
    | BoolOp
    | Compare
    | Test
    | InSet
    | Between
    | FirstKnown
    | IfThen
    | Lookup
    | Elapsed
    | ListOp
)
LITERAL_TYPES = (Number, Quantity, DateLit, Bool, NoneLit, Text)

# ---------------------------------------------------------------- types


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """An input or table result type. `unit` for durations and quantities; `kind` for enumerations."""

    base: TypingLiteral["yes/no", "count", "number", "percent", "date", "duration", "quantity", "kind", "list"]
    unit: str | None = None
    kind: str | None = None  # the kind, or for `list of R` the record R
    span: Span = _span()


# ---------------------------------------------------------------- declarations


@dataclass(frozen=True, slots=True)
class Header:
    name: str
    version: str
    title: str | None = None
    status: TypingLiteral["draft", "approved", "retired"] = "draft"
    effective: dt.date | None = None
    supersedes: str | None = None
    committee: str | None = None
    summary: str | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Use:
    module: str
    constraint: str | None = None
    alias: str | None = None
    span: Span = _span()

    @property
    def local_name(self) -> str:
        return self.alias or self.module.rsplit(".", 1)[-1]


@dataclass(frozen=True, slots=True)
class Reference:
    key: str
    citation: str
    doi: str | None = None
    pmid: str | None = None
    url: str | None = None
    evidence: str | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class KindValue:
    name: str
    label: str | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Kind:
    name: str
    values: tuple[KindValue, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Input:
    name: str
    type: TypeSpec
    low: int | float | None = None
    high: int | float | None = None
    optional: bool = False
    description: str | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class RecordField:
    """One field of a record, declared as an input is (`size: quantity in mm from 0 to 300`)."""

    name: str
    type: TypeSpec
    low: int | float | None = None
    high: int | float | None = None
    optional: bool = False
    description: str | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Record:
    """`record lesion:` and its fields: what each element of a `list of lesion` input holds."""

    name: str
    fields: tuple[RecordField, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Annotations:
    """`because "…"` texts, `cite key, …` keys and a reader's `label "…"` attached to a definition, row or rule."""

    because: tuple[str, ...] = ()
    cites: tuple[str, ...] = ()
    label: str | None = None  # what readers call it ("SBRT"), where its name is an identifier
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Define:
    name: str
    expr: Expr
    notes: Annotations = Annotations()
    span: Span = _span()


BandForm: TypeAlias = TypingLiteral["point", "to", "to_under", "under", "over", "over_to", "or_more", "or_less"]
Bound: TypeAlias = Number | Quantity


@dataclass(frozen=True, slots=True)
class Band:
    """A numeric band of a table row: `0 to 2` (`to`, both ends in), `12 months to under 36 months` (`to_under`),
    `over 12 months to 24 months` (`over_to`), `under 12 months`, `over 50%`, `36 months or more` (`or_more`),
    `3 months or less` (`or_less`), or one value `3` (`point`)."""

    form: BandForm
    low: Bound | None = None  # None: no lower end (`under`)
    high: Bound | None = None  # None: no upper end (`over`, `or more`); `point` and `or_less` have only `low`
    span: Span = _span()


RowKey: TypeAlias = str | bool | Band | None  # an enumeration value, yes/no, a band, or None for `any`


@dataclass(frozen=True, slots=True)
class Row:
    """One table row; `keys` is empty for the `otherwise` row."""

    keys: tuple[RowKey, ...]
    value: Literal | Ref
    notes: Annotations = Annotations()
    span: Span = _span()

    @property
    def is_otherwise(self) -> bool:
        return not self.keys


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    by: tuple[str, ...]
    result: TypeSpec
    rows: tuple[Row, ...]
    span: Span = _span()


HitPolicy: TypeAlias = TypingLiteral["first", "unique", "collect"]


OPEN = "open"  # the outcome of a rule that declares an open question (`then open`): the guideline does not settle it


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    condition: Expr
    outcome: str  # OPEN for an open question, whose `because` is the committee's reason
    notes: Annotations = Annotations()
    span: Span = _span()

    @property
    def is_open(self) -> bool:
        return self.outcome == OPEN


@dataclass(frozen=True, slots=True)
class Default:
    outcome: str
    notes: Annotations = Annotations()
    span: Span = _span()

    @property
    def is_open(self) -> bool:
        return self.outcome == OPEN


@dataclass(frozen=True, slots=True)
class Decision:
    """Outcomes are listed best first when `ordered` (`candidate > discuss > not_candidate`); a mixed scale
    (`group_I > group_II | not_staged`) lists its unordered outcomes last, in `beside`."""

    name: str
    outcomes: tuple[str, ...]
    ordered: bool
    policy: HitPolicy
    rules: tuple[Rule, ...]
    default: Default | None = None
    beside: tuple[str, ...] = ()  # outcomes outside the order of an ordered scale
    span: Span = _span()

    @property
    def ranked(self) -> tuple[str, ...]:
        """The ordered part of the scale, best first (empty when the outcomes are unordered)."""
        return tuple(o for o in self.outcomes if o not in self.beside) if self.ordered else ()


@dataclass(frozen=True, slots=True)
class Missing:
    """`missing` as a given value in an example."""

    span: Span = _span()


@dataclass(frozen=True, slots=True)
class GivenRecord:
    """One element of a list in an example: `{organ liver, size 2 cm}`."""

    fields: tuple[Given, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class GivenList:
    """A list of records in an example; `at_least`: the list is known to be incomplete (`at least [...]`)."""

    items: tuple[GivenRecord, ...]
    at_least: bool = False
    span: Span = _span()


GivenValue: TypeAlias = Literal | Ref | Missing | GivenList


@dataclass(frozen=True, slots=True)
class Given:
    name: str
    value: GivenValue
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ExpectValue:
    target: str
    value: Literal | Ref
    by_rule: str | None = None
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ExpectUnknown:
    target: str
    missing: tuple[str, ...] | None = None
    possible: tuple[str, ...] | None = None  # the outcomes still possible (`none`: no rule applies)
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ExpectOpen:
    """`expect D is open` (optionally `by rule R`): the case is one of the guideline's declared open questions."""

    target: str
    by_rule: str | None = None
    span: Span = _span()


Expectation: TypeAlias = ExpectValue | ExpectUnknown | ExpectOpen


@dataclass(frozen=True, slots=True)
class Example:
    title: str
    given: tuple[Given, ...]
    expects: tuple[Expectation, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Monotone:
    """`target never decreases as over increases` (or any of the four direction pairs)."""

    target: str
    target_moves: TypingLiteral["increases", "decreases"]
    over: str
    over_moves: TypingLiteral["increases", "decreases"]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Added:
    """`target never increases as a lesion is added to lesions` (or `never decreases`): for every case and every
    element, the target with the element appended to the list is never above (below) the target without it.
    `element` is the noun the author wrote (the list's record, or `element`)."""

    target: str
    target_moves: TypingLiteral["increases", "decreases"]
    element: str
    over: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Independent:
    target: str
    of: tuple[str, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Implies:
    condition: Expr
    target: str
    outcome: str
    span: Span = _span()


PropertyBody: TypeAlias = Monotone | Added | Independent | Implies


@dataclass(frozen=True, slots=True)
class Property:
    title: str
    body: PropertyBody
    span: Span = _span()


Item: TypeAlias = Use | Reference | Kind | Record | Input | Define | Table | Decision | Example | Property


@dataclass(frozen=True, slots=True)
class Comment:
    """A `#` comment; `own_line` is false for a comment that follows code on its line."""

    text: str
    own_line: bool
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Module:
    header: Header
    items: tuple[Item, ...]
    comments: tuple[Comment, ...] = field(default=(), compare=False, hash=False, repr=False)
    span: Span = _span()

    def of_type(self, cls: type[T]) -> tuple[T, ...]:
        return tuple(item for item in self.items if isinstance(item, cls))

    @property
    def uses(self) -> tuple[Use, ...]:
        return self.of_type(Use)

    @property
    def references(self) -> tuple[Reference, ...]:
        return self.of_type(Reference)

    @property
    def kinds(self) -> tuple[Kind, ...]:
        return self.of_type(Kind)

    @property
    def records(self) -> tuple[Record, ...]:
        return self.of_type(Record)

    @property
    def inputs(self) -> tuple[Input, ...]:
        return self.of_type(Input)

    @property
    def defines(self) -> tuple[Define, ...]:
        return self.of_type(Define)

    @property
    def tables(self) -> tuple[Table, ...]:
        return self.of_type(Table)

    @property
    def decisions(self) -> tuple[Decision, ...]:
        return self.of_type(Decision)

    @property
    def examples(self) -> tuple[Example, ...]:
        return self.of_type(Example)

    @property
    def properties(self) -> tuple[Property, ...]:
        return self.of_type(Property)


Node: TypeAlias = (
    Expr
    | TypeSpec
    | Header
    | Item
    | KindValue
    | RecordField
    | GivenRecord
    | Annotations
    | Row
    | Band
    | Rule
    | Default
    | Missing
    | Given
    | Expectation
    | PropertyBody
    | Comment
    | Module
)


def children(expr: Expr) -> tuple[Expr, ...]:
    """The direct sub-expressions of `expr`, in source order."""
    match expr:
        case Neg(operand) | Not(operand) | Test(operand):
            return (operand,)
        case Arith(_, left, right) | Compare(_, left, right):
            return (left, right)
        case BoolOp(_, operands):
            return operands
        case InSet(operand, items):
            return (operand, *items)
        case Between(operand, low, high):
            return (operand, low, high)
        case FirstKnown(items):
            return items
        case IfThen(condition, then, otherwise):
            return (condition, then, otherwise)
        case Lookup(_, keys):
            return keys
        case Elapsed(_, start, end):
            return (start, end)
        case ListOp(_, _, where, _, have):
            return tuple(e for e in (where, have) if e is not None)
        case _:
            return ()


def walk(expr: Expr) -> list[Expr]:
    """Every sub-expression of `expr`, pre-order, without recursion."""
    out: list[Expr] = []
    stack = [expr]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(children(node)))
    return out
