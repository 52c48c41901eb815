"""Conditions as unions of boxes, and the boundary sweep that finds what a set of boxes leaves out.

As DMN verifiers do, a rule condition over complete cases becomes a union of boxes (per variable,
a set of values: an interval union for numbers, durations and the time between two dates, a set
for yes/no and enumerations), following definitions, `if`, and table lookups keyed by bands of one input or interval, or by
enumerations. Conditions that ask about missing data (`is missing`, `is known`, `is none`,
`first known of`) are left to generated cases: over complete cases they would look exact but say
nothing of patients with missing data. `uncovered` then sweeps one variable at a time over the boundaries of the boxes
and returns a point no box contains, or None: exact, with no sampling.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from eligo import ir
from eligo.ir import tables as ir_tables
from eligo.verify import sets
from eligo.verify.boundaries import InputSubject, ListSubject, PairSubject, Resolver, Subject
from eligo.verify.sets import Domain, Values

MAX_BOXES = 4096
Box = dict[str, Values]  # variable -> allowed values; a variable absent is unconstrained
Point = dict[str, object]


# ---------------------------------------------------------------- formulas over variables


@dataclass(frozen=True, slots=True)
class Atom:
    var: str
    values: Values


@dataclass(frozen=True, slots=True)
class And:
    parts: tuple[Formula, ...]


@dataclass(frozen=True, slots=True)
class Or:
    parts: tuple[Formula, ...]


Formula = Atom | And | Or | bool


class Unsupported(Exception):
    """The condition is not a combination of interval and enumeration tests on inputs."""


@dataclass
class Variables:
    """The variables met so far: their domains, and the inputs (or pair of dates) they stand for."""

    domains: dict[str, Domain] = field(default_factory=dict)
    subjects: dict[str, Subject] = field(default_factory=dict)

    def independent(self) -> bool:
        """Whether the variables can take their values independently (each date in at most one
        measured interval tree, never also compared directly)."""
        parent: dict[str, str] = {}

        def root(x: str) -> str:
            while parent.get(x, x) != x:
                x = parent[x]
            return x

        direct = {s.name for s in self.subjects.values() if isinstance(s, InputSubject)}
        for subject in self.subjects.values():
            if isinstance(subject, PairSubject):
                if subject.start in direct or subject.end in direct:
                    return False
                a, b = root(subject.start), root(subject.end)
                if a == b:
                    return False
                parent[a] = b
        return True


class Converter:
    """Turns IR conditions into formulas over variables; raises Unsupported otherwise."""

    def __init__(self, program: ir.Program) -> None:
        self.resolver = Resolver(program)
        self.inputs = program.inputs
        self.variables = Variables()

    def variable(self, subject: Subject | ListSubject) -> str:
        if isinstance(subject, ListSubject):  # lists are left to generated cases
            raise Unsupported(str(subject.op.origin.text))
        if isinstance(subject, PairSubject):
            name = f"{subject.unit} between {subject.start} and {subject.end}"
            domain = Domain("months" if subject.months else "days")
        else:
            info = self.inputs.get(subject.name)
            if info is None:
                raise Unsupported(subject.name)
            name = subject.name
            domain = _domain(info)
        self.variables.domains.setdefault(name, domain)
        self.variables.subjects.setdefault(name, subject)
        return name

    def negate(self, f: Formula) -> Formula:
        match f:
            case bool():
                return not f
            case Atom(var, values):
                return Atom(var, sets.complement(self.variables.domains[var], values))
            case And(parts):
                return Or(tuple(self.negate(p) for p in parts))
            case Or(parts):
                return And(tuple(self.negate(p) for p in parts))

    def formula(self, node: ir.Node) -> Formula:
        match node:
            case ir.Const(value) if isinstance(value, bool):
                return value
            case ir.DefRef(key, _, False) if key in self.resolver.definitions:
                return self.formula(self.resolver.definitions[key].expr)
            case ir.Not(operand):
                return self.negate(self.formula(operand))
            case ir.BoolOp("and", operands):
                return And(tuple(self.formula(o) for o in operands))
            case ir.BoolOp("or", operands):
                return Or(tuple(self.formula(o) for o in operands))
            case ir.Compare(op, left, right):
                return self.compare(op, left, right)
            case ir.Between(operand, low, high):
                return And((self.compare(">=", operand, low), self.compare("<=", operand, high)))
            case ir.InSet(operand, items, negated):
                f = Or(tuple(self.compare("=", operand, item) for item in items))
                return self.negate(f) if negated else f
            case ir.Test(_, test):
                raise Unsupported(f"`is {test}` asks about missing data, which complete cases never have")
            case ir.If(condition, then, otherwise):
                c = self.formula(condition)
                return Or((And((c, self.formula(then))), And((self.negate(c), self.formula(otherwise)))))
        return Or(tuple(And((f, True)) for f, value in self.cases(node) if value is True))

    def cases(self, node: ir.Node) -> list[tuple[Formula, object]]:
        """For an expression with finitely many values: (when, value) pairs covering every complete case."""
        match node:
            case ir.Const(value):
                return [(True, value)]
            case ir.InputRef(_, typ) if typ.kind in ("enum", "bool"):
                var = self.variable(InputSubject(node.name))
                return [(Atom(var, frozenset([v])), v) for v in self.variables.domains[var].values]
            case ir.DefRef(key, _, False) if key in self.resolver.definitions:
                return self.cases(self.resolver.definitions[key].expr)
            case ir.If(condition, then, otherwise):
                c = self.formula(condition)
                branches: list[tuple[Formula, object]] = [(And((c, f)), v) for f, v in self.cases(then)]
                return branches + [(And((self.negate(c), f)), v) for f, v in self.cases(otherwise)]
            case ir.FirstKnown():
                raise Unsupported("`first known of` depends on which data is missing")
            case ir.Lookup(_, keys, rows, default):
                key_cases = [self.band_cases(k, rows, i) if ir_tables.column_cuts([r.keys for r in rows], i)
                             else self.cases(k) for i, k in enumerate(keys)]
                if sum(len(k) for k in key_cases) > 64:
                    raise Unsupported("lookup")
                out: list[tuple[Formula, object]] = []
                for combo in itertools.product(*key_cases):
                    values = tuple(v for _, v in combo)
                    row = next((r for r in rows if ir_tables.matches(r.keys, values)), None)
                    value = row.value.value if row is not None else (default.value if default else ir.NA)
                    out.append((And(tuple(f for f, _ in combo)), value))
                return out
        raise Unsupported(type(node).__name__)

    def band_cases(self, key: ir.Node, rows: tuple[ir.TableRow, ...], column: int) -> list[tuple[Formula, object]]:
        """A banded key's pieces (eligo.ir.tables): each bound, and each stretch between two, with a value of it.
        Only for a key that is one input or one interval between two dates (never `none`)."""
        if len(self.resolver.terms(key, exact=True)) != 1 or _finite_valued(key):
            raise Unsupported("a band keyed by a computed value")
        cuts = ir_tables.column_cuts([r.keys for r in rows], column)
        out: list[tuple[Formula, object]] = []
        for index in range(2 * len(cuts) + 1):
            i = index // 2
            if index % 2:
                when: Formula = self.compare("=", key, ir.Const(cuts[i], key.type))
            else:
                ends = ([self.compare(">", key, ir.Const(cuts[i - 1], key.type))] if i > 0 else []) + \
                       ([self.compare("<", key, ir.Const(cuts[i], key.type))] if i < len(cuts) else [])
                when = And(tuple(ends)) if ends else True
            out.append((when, ir_tables.representative(cuts, index)))
        return out

    def compare(self, op: str, left: ir.Node, right: ir.Node) -> Formula:
        for term_side, other, flipped in ((left, right, False), (right, left, True)):
            terms = self.resolver.terms(term_side, exact=True)
            if len(terms) != 1 or _finite_valued(term_side):
                continue
            subject, lin = terms[0]
            var = self.variable(subject)
            domain = self.variables.domains[var]
            parts: list[Formula] = []
            for when, value in self.cases(other):
                if value is ir.NA or value is None:
                    continue
                operator = _flip(op) if flipped else op
                if not domain.numeric:
                    atom: Formula = Atom(var, sets.atom(domain, operator, value))
                else:
                    undone = _number(value, subject)
                    if lin.scale < 0:
                        operator = _flip(operator)
                    atom = Atom(var, sets.atom(domain, operator, lin.undo(undone)))
                parts.append(And((when, atom)))
            return Or(tuple(parts))
        out: list[Formula] = []
        for (f, a), (g, b) in itertools.product(self.cases(left), self.cases(right)):
            if a is ir.NA or b is ir.NA or a is None or b is None:
                continue
            if _holds(op, a, b):
                out.append(And((f, g)))
        return Or(tuple(out))


def _finite_valued(node: ir.Node) -> bool:
    typ = getattr(node, "type", None)
    return typ is not None and typ.kind in ("enum", "bool") and not isinstance(node, ir.InputRef)


def _flip(op: str) -> str:
    return {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "!=": "!="}[op]


def _number(value: object, subject: Subject | ListSubject) -> float:
    import datetime as dt

    if isinstance(value, dt.date):
        if isinstance(subject, PairSubject):
            raise Unsupported("date against a duration")
        return float(value.toordinal())
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Unsupported(repr(value))
    return float(value)


def _holds(op: str, a: object, b: object) -> bool:
    if op == "=":
        return a == b
    if op == "!=":
        return a != b
    try:
        return bool({"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op])  # type: ignore[operator]
    except TypeError:
        return False


def _domain(info: ir.InputInfo) -> Domain:
    from eligo.ir import units

    typ = info.type
    if typ.kind == "bool":
        return Domain("enum", (True, False))
    if typ.kind == "enum":
        return Domain("enum", tuple(typ.values))
    if typ.kind == "date":
        return Domain("int")
    factor = units.lookup(info.unit).factor if info.unit and units.lookup(info.unit) else 1.0  # type: ignore[union-attr]
    low = info.low * factor if info.low is not None else (0.0 if typ.integer else -sets.INF)
    high = info.high * factor if info.high is not None else sets.INF
    return Domain("int" if typ.integer else "real", (), low, high)


# ---------------------------------------------------------------- boxes


def boxes(f: Formula, variables: Variables) -> list[Box]:
    """The formula as a union of non-empty boxes (disjunctive normal form)."""
    match f:
        case bool():
            return [{}] if f else []
        case Atom(var, values):
            return [{var: values}] if sets.pick(variables.domains[var], values) is not None else []
        case Or(parts):
            out = [b for p in parts for b in boxes(p, variables)]
        case And(parts):
            out = [{}]
            for part in parts:
                out = [m for a in out for b in boxes(part, variables)
                       if (m := meet(a, b, variables)) is not None]
                if len(out) > MAX_BOXES:
                    raise Unsupported("too many cases")
    if len(out) > MAX_BOXES:
        raise Unsupported("too many cases")
    return out


def meet(a: Box, b: Box, variables: Variables) -> Box | None:
    out = dict(a)
    for var, values in b.items():
        merged = sets.intersect(out[var], values) if var in out else values
        if sets.pick(variables.domains[var], merged) is None:
            return None
        out[var] = merged
    return out


def uncovered(region: Box, covers: Sequence[Box], variables: Variables) -> Point | None:
    """A point of `region` that no box of `covers` contains, or None when they cover it all."""
    live = [c for c in covers if meet(region, c, variables) is not None]
    if not live:
        return point(region, variables)
    split: str | None = None
    for cover in live:
        outside = [v for v, values in cover.items()
                   if not sets.subset(variables.domains[v], _of(region, v, variables), values)]
        if not outside:
            return None
        split = split or outside[0]
    assert split is not None
    domain = variables.domains[split]
    for piece in sets.pieces(domain, _of(region, split, variables), [c[split] for c in live if split in c]):
        found = uncovered({**region, split: piece}, live, variables)
        if found is not None:
            return found
    return None


def _of(box: Box, var: str, variables: Variables) -> Values:
    return box[var] if var in box else sets.full(variables.domains[var])


def point(box: Box, variables: Variables) -> Point:
    return {var: sets.pick(variables.domains[var], _of(box, var, variables)) for var in variables.domains}
