"""The value classes of each input that a program can tell apart, for deciding exactly what missing data decides.

A program tests an input only in ways that split its values into finitely many classes when the input is
- yes/no or a kind (each value is a class), or
- a number, quantity or date compared, directly or through arithmetic with constants, only with constants
  (`x > 12 months`, `x * 2 between 2 and 5`, `x in {…}`, `dfi > dfi_threshold[site]`: the table's values): the
  cut points are those constants with the arithmetic undone, and every value between two cut points behaves alike.
Such an input is *splittable*: one representative per class stands for all its values. An input compared through
arithmetic with other inputs (`x + y > 10`, `x / y > 2`, `weight > 2 * height`; a divisor is also cut where it is
zero, which makes the quotient `none`) or through the time between it and
another date (`months between start and x > 12 months`) is *relative*: its cut points follow from those other
inputs' values, so a case that holds them splits it too (eligo.compiled.cuts undoes the arithmetic and inverts
`months between` for that case; `sites` keeps what it needs). An input used in any other way (inside an `if` that feeds
arithmetic, a numeric table key, compared with an `if`) is *opaque*: a case missing it keeps the three-valued (Kleene)
answer, which is sound but may be wider than the truth, marked inexact.

>>> from eligo.ir import types as t
>>> info = InputInfo("n", t.COUNT, None, 0, 10, True, None, "m@1")
>>> representatives(info, [3.0, 5.0])
(0, 1, 3, 4, 5, 6, 10)
>>> undo((Step("*", 2.0), Step("+", 1.0)), 11.0, lambda v: v)  # (x * 2) + 1 = 11 at x = 5
[5.0]
>>> undo((Step("+", (0.0, 1.0)),), 2.0, lambda v: v)  # x + (if c then 1 else 0) = 2 at x = 2 or 1
[2.0, 1.0]
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from eligo.ir import list_domains, tables
from eligo.ir.analysis import Facts
from eligo.ir.list_domains import ListDomain
from eligo.ir.nodes import (
    NA,
    Arith,
    Between,
    BoolOp,
    Compare,
    Const,
    Definition,
    DefRef,
    Elapsed,
    FirstKnown,
    If,
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
from eligo.ir.units import DAYS_PER_MONTH

MAX_COMPLETIONS = 4096  # completions of one case's missing inputs tried at most; beyond, the Kleene answer stands


@dataclass(frozen=True, slots=True)
class Step:
    """One operation between a compared input and the comparison: `x op operand` (`operand op x` when `left`);
    `operand` is a constant, the constants an `if` or a table can give, or an expression of other inputs; op
    "neg" negates."""

    op: str
    operand: object
    left: bool = False


@dataclass(frozen=True, slots=True)
class Pair:
    """The time between two date inputs, `months between start and end` ("months") or in days ("days")."""

    unit: str
    start: str
    end: str


@dataclass(frozen=True, slots=True)
class Site:
    """A comparison that reads an input relatively: `steps` applied to the input (to the time of `pair` when set)
    are compared with `against`, constants or an expression of other inputs."""

    steps: tuple[Step, ...]
    against: tuple[object, ...] | Node
    pair: Pair | None = None


Chain = tuple[str | Pair, tuple[Step, ...]]  # a subject (input or time between two dates) and the steps after it


@dataclass(frozen=True, slots=True)
class Domains:
    """Per input of a program: its representatives when it is splittable, or None; for a relative input its static
    cut points and the comparisons that cut it relative to other inputs (eligo.compiled.cuts)."""

    classes: dict[str, tuple[object, ...] | None]
    inputs: dict[str, InputInfo] = field(default_factory=dict)
    cuts: dict[str, dict[object, str]] = field(default_factory=dict)  # static cut points and their sides
    sites: dict[str, tuple[Site, ...]] = field(default_factory=dict)
    partners: dict[str, tuple[str, ...]] = field(default_factory=dict)  # the inputs a relative input's cuts read
    bodies: dict[str, Node] = field(default_factory=dict)  # each definition's expression, by key
    memo: dict[object, tuple[object, ...] | None] = field(default_factory=dict, compare=False, repr=False)
    chains_of: Callable[[Node], list[Chain] | None] = field(default=lambda node: None, compare=False, repr=False)
    rule_cones: dict[str, tuple[frozenset[str], ...]] = field(default_factory=dict)  # per decision, rule: its inputs
    # two dates read only as the time between them, against whole months (or days): per pair, those months
    joint: dict[Pair, tuple[float, ...]] = field(default_factory=dict)
    lists: dict[tuple[str, str], ListDomain | None] = field(default_factory=dict)  # per decision, list (list_domains)
    wanted: dict[tuple[str, int], frozenset[str]] = field(default_factory=dict, compare=False, repr=False)
    """The inputs an expression is computed from by arithmetic a case can undo, with the steps after each."""

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


def undo(steps: tuple[Step, ...], value: float, operand: Callable[[object], object]) -> list[float]:
    """The subject's values at which `steps` give `value` (`operand` evaluates a step's operand: a number, or the
    tuple of numbers an `if` or a table of constants can give, each undone), none where the steps do not depend on
    the subject (a factor 0, a divisor 0, an operand `none` or unknown)."""
    found = [value]
    for step in reversed(steps):
        k = operand(step.operand) if step.op != "neg" else 0.0
        found = [v for each in (k if isinstance(k, tuple) else (k,)) for x in found
                 if (v := _undo_step(step, x, each)) is not None]
    return found


def _undo_step(step: Step, value: float, k: object) -> float | None:
    if step.op == "neg":
        return -value
    if not isinstance(k, (int, float)) or isinstance(k, bool) or not math.isfinite(k):
        return None
    match step.op, step.left:
        case "+", _:
            return value - k
        case "-", False:
            return value + k
        case "-", True:
            return k - value
        case "*", _:
            return value / k if k != 0 else None
        case "/", False:
            return value * k if k != 0 else None
        case "/", True:  # k / x = value at x = k / value (the divisor's zero is a cut of its own)
            return k / value if value != 0 else None
    return None


def domains(program: Program) -> Domains:
    """The classes of every input of `program`, from how its definitions and decisions read them."""
    facts = Facts(program)
    cuts: dict[str, dict[object, str]] = {name: {} for name in program.inputs}  # cut point -> side
    sites: dict[str, list[Site]] = {name: [] for name in program.inputs}
    partners: dict[str, set[str]] = {name: set() for name in program.inputs}
    opaque: set[str] = set()
    chained: dict[str, list[Chain] | None] = {}

    def body(node: DefRef) -> Node | None:
        target = facts.nodes.get(node.key)
        return target.expr if isinstance(target, Definition) and not node.decision else None

    def constants(node: Node) -> list[object] | None:
        """The values `node` can take whatever the case (several for a table or an `if`), or None."""
        match node:
            case Const(value):
                return [] if value is None or value is NA else [value]
            case DefRef() if (inner := body(node)) is not None:
                return constants(inner)
            case Neg(operand):
                negated = constants(operand)
                if negated is None or not all(_number(v) for v in negated):
                    return None
                return [-v for v in negated]  # type: ignore[operator]
            case Lookup(_, _, rows, default):
                values = [row.value.value for row in rows] + ([default.value] if default is not None else [])
                return [v for v in values if v is not None and v is not NA]
            case If(_, then, otherwise):
                a, b = constants(then), constants(otherwise)
                return None if a is None or b is None else a + b
            case Arith(op, left, right):
                a, b = constants(left), constants(right)
                if a is None or b is None or len(a) * len(b) > 64 or not all(_number(v) for v in (*a, *b)):
                    return None
                return [r for x, y in itertools.product(a, b) if (r := _arith(op, x, y)) is not NA]  # type: ignore[arg-type]
            case FirstKnown(items):
                parts = [constants(item) for item in items]
                return None if any(p is None for p in parts) else [v for p in parts for v in p or []]
        return None

    def chains(node: Node) -> list[Chain] | None:
        """The inputs `node` is computed from by arithmetic a case can undo, with the steps; None if it is not."""
        match node:
            case Const():
                return []
            case InputRef(name):
                return [(name, ())]
            case DefRef(key) if (inner := body(node)) is not None:
                if key not in chained:
                    chained[key] = None  # a definition never reads itself; guards the memo
                    chained[key] = chains(inner)
                return chained[key]
            case If() | Lookup() if constants(node) is not None:
                visit(node, "value")  # its condition, or its keys; its values are constants (a step's operands)
                return []
            case If(condition, then, otherwise):
                a, b = chains(then), chains(otherwise)
                if a is None or b is None:
                    return None
                visit(condition, "truth")
                return a + b  # each branch's inputs, cut as if it were taken
            case Neg(operand):
                inner_chains = chains(operand)
                return None if inner_chains is None else [(s, (*st, Step("neg", None))) for s, st in inner_chains]
            case FirstKnown(items):
                parts = [chains(item) for item in items]
                return None if any(p is None for p in parts) else [c for p in parts for c in p or []]
            case Elapsed(unit, start, end):
                first, last = _date_input(start, body), _date_input(end, body)
                if first is None or last is None or first == last:
                    return None
                return [(Pair("months" if unit in ("months", "years") else "days", first, last), ())]
            case Arith(op, left, right):
                a, b = chains(left), chains(right)
                if a is None or b is None:
                    return None
                out = [(s, (*st, Step(op, _operand(right, constants)))) for s, st in a]
                if op == "/" and b:
                    record(b, [0.0], "eq")  # a divisor of zero makes none, whatever the dividend: a cut of its own
                return out + [(s, (*st, Step(op, _operand(left, constants), True))) for s, st in b]
        return None

    def make_opaque(found: list[Chain] | None) -> None:
        for subject, _ in found or ():
            opaque.update((subject.start, subject.end) if isinstance(subject, Pair) else (subject,))

    def read(steps: tuple[Step, ...], against: list[object] | Node) -> set[str]:
        """The inputs a site's cut points are computed from."""
        nodes = [s.operand for s in steps if isinstance(s.operand, Node)] + ([] if isinstance(against, list)
                                                                              else [against])
        found = [c for n in nodes for c in chains(n) or ()]
        return {n for s, _ in found for n in ((s.start, s.end) if isinstance(s, Pair) else (s,))}

    def record(found: list[Chain], against: list[object] | Node, side: str) -> None:
        """Cut each subject where its steps reach `against`; `side`: which side of a cut point the point itself is
        on, "le" (x <= c | x > c), "lt" (x < c | x >= c), or "eq" (below, at, above), once the steps are undone."""
        for subject, steps in found:
            if isinstance(subject, Pair):
                site = Site(steps, tuple(against) if isinstance(against, list) else against, subject)
                for name, other in ((subject.start, subject.end), (subject.end, subject.start)):
                    sites[name].append(site)
                    partners[name].update(read(steps, against) | {other})
                continue
            if program.inputs[subject].type.kind in ("bool", "enum"):
                continue
            static = isinstance(against, list) and all(not isinstance(s.operand, Node) for s in steps)
            if static:
                for value in against:  # type: ignore[union-attr]
                    if isinstance(value, dt.date):
                        if not steps:
                            _cut(cuts[subject], value, side)
                    elif _number(value):
                        for undone in undo(steps, float(value), lambda k: k):  # type: ignore[arg-type]
                            _cut(cuts[subject], undone, side if not steps else "eq")
            else:
                sites[subject].append(Site(steps, tuple(against) if isinstance(against, list) else against))
                partners[subject].update(read(steps, against) - {subject})

    def compared(subject: Node, other: Node, side: str = "eq") -> None:
        found = chains(subject)
        if found is None:
            visit(subject, "value")
            return
        values = constants(other)
        if values is not None:
            record(found, values, side)
            visit(other, "value")  # the keys of a table, the conditions of an `if`
        elif chains(other) is not None:
            record(found, other, "eq")  # relative to the other side's inputs (cut on their values in each case)
        else:
            make_opaque(found)

    def visit(node: Node, position: str) -> None:
        """`position`: "truth" where a yes/no is read as a condition, "value" elsewhere."""
        match node:
            case InputRef(name):
                if program.inputs[name].type.kind not in ("bool", "enum") and position != "test":
                    opaque.add(name)
                return
            case DefRef() if position not in ("truth", "test"):
                make_opaque(chains(node))  # a value computed from inputs, read by what cannot undo it
                return
            case Test(operand):
                visit(operand, "test")
                return
            case Compare(op, left, right):
                compared(left, right, SIDES[op][0])
                compared(right, left, SIDES[op][1])
                return
            case Between(operand, low, high):
                compared(operand, low, "lt")
                compared(operand, high, "le")
                for bound in (low, high):
                    if constants(bound) is None:
                        visit(bound, "value")
                return
            case InSet(operand, items):
                for item in items:
                    compared(operand, item)
                    if constants(item) is None:
                        visit(item, "value")
                return
            case Lookup(_, keys, rows):
                for column, key in enumerate(keys):
                    bounds = tables.column_cuts([row.keys for row in rows], column)
                    found = chains(key) if bounds else None
                    if found is not None:  # a band column: its bounds are cut points of the key's inputs
                        record(found, list(bounds), "eq")
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
            if isinstance(owner, Definition) and chains(expr) is not None:
                continue  # a value shown, computed by arithmetic that completions can bound
            visit(expr, "truth")
    classes: dict[str, tuple[object, ...] | None] = {}
    for name, info in program.inputs.items():
        ordered = sorted(cuts[name], key=_order)
        relative = bool(sites[name]) and name not in opaque
        classes[name] = None if name in opaque or relative else representatives(info, ordered, cuts[name])
    return Domains(classes, dict(program.inputs), {n: dict(sorted(c.items(), key=lambda i: _order(i[0])))
                                                   for n, c in cuts.items()},
                   {n: tuple(dict.fromkeys(s)) for n, s in sites.items() if s and n not in opaque},
                   {n: tuple(sorted(p)) for n, p in partners.items() if sites[n] and n not in opaque},
                   {d.key: d.expr for d in program.definitions}, chains_of=chains,
                   rule_cones={d.key: tuple(facts.cone(r.condition) for r in d.rules) for d in program.decisions},
                   joint=_joint(sites, cuts, opaque), lists=list_domains.analyse(program, representatives))


SIDES = {">": ("le", "lt"), "<=": ("le", "lt"), ">=": ("lt", "le"), "<": ("lt", "le"), "=": ("eq", "eq"),
         "!=": ("eq", "eq")}  # per comparison: the side of a cut on its left operand, and on its right


def _cut(found: dict[object, str], value: object, side: str) -> None:
    found[value] = side if found.get(value, side) == side else "eq"


def _joint(sites: dict[str, list[Site]], cuts: dict[str, dict[object, str]],
           opaque: set[str]) -> dict[Pair, tuple[float, ...]]:
    """The pairs of dates read only as the time between them, compared with constants that are whole months (or,
    in days, whole days): a case missing both is split on that time alone (eligo.compiled.exact)."""
    found: dict[Pair, tuple[float, ...]] = {}
    for name, own in sites.items():
        pair = own[0].pair if own else None
        if pair is None or pair.start != name or pair in found:
            continue
        both = [*own, *sites[pair.end]]
        if {s.pair for s in both} != {pair} or cuts[pair.start] or cuts[pair.end] or {pair.start, pair.end} & opaque:
            continue
        months: set[float] = set()
        for site in both:
            if not isinstance(site.against, tuple) or any(isinstance(s.operand, Node) for s in site.steps):
                break
            months.update(m for v in site.against if _number(v) for m in undo(site.steps, float(v), lambda k: k))  # type: ignore[arg-type]
        else:
            scale = 1.0 if pair.unit == "months" else DAYS_PER_MONTH
            if all(abs(m * scale - round(m * scale)) < 1e-9 for m in months):
                found[pair] = tuple(sorted(months))
    return found


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _arith(op: str, x: float, y: float) -> object:
    return x + y if op == "+" else x - y if op == "-" else x * y if op == "*" else (x / y if y else NA)


def _operand(node: Node, constants: Callable[[Node], list[object] | None]) -> object:
    """A step's operand: its number when it is one constant, the numbers an `if` or a table of constants can give,
    else the expression (evaluated per case)."""
    values = constants(node)
    if values is None or not values or not all(_number(v) for v in values) or len(set(values)) > 16:
        return node
    numbers = tuple(sorted({float(v) for v in values}))  # type: ignore[arg-type]
    return numbers[0] if len(numbers) == 1 else numbers


def _date_input(node: Node, body: Callable[[DefRef], Node | None]) -> str | None:
    while isinstance(node, DefRef) and (inner := body(node)) is not None:
        node = inner
    return node.name if isinstance(node, InputRef) and node.type.kind == "date" else None


def _order(value: object) -> tuple[int, object]:
    return (0, value) if isinstance(value, (int, float, dt.date)) else (1, str(value))


def representatives(info: InputInfo, cuts: list[object],
                    sides: dict[object, str] | None = None) -> tuple[object, ...] | None:
    """One value of each class the cut points make, within the declared range; None if not enumerable. `sides`
    (cut point -> "le", "lt" or "eq") merges the classes a comparison cannot tell apart: `x > 12` only splits at or
    below 12 from above it (default "eq": below, at and above each cut are three classes)."""
    found = _representatives(info, cuts)
    if found is None or not sides or all(side == "eq" for side in sides.values()):
        return found
    kept: dict[tuple[object, ...], object] = {}
    for value in found:
        signature = tuple(value <= c if side == "le" else value < c if side == "lt" else (value < c, value == c)  # type: ignore[operator]
                          for c, side in sides.items())
        kept.setdefault(signature, value)
    return tuple(kept.values())


def _representatives(info: InputInfo, cuts: list[object]) -> tuple[object, ...] | None:
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
