"""A guideline as one SQL query (a sqlglot tree), written in the DuckDB, Spark, PostgreSQL or BigQuery dialect.

The query is built from `sqlglot.exp` nodes, never from strings: sqlglot quotes every name and literal
for the dialect. Per decision D of the guideline it yields D, D_status, D_rule and D_missing, equal
row by row to what `Guideline.evaluate` reports (D_missing is NULL unless D_status is `unknown`).
Intermediate values are columns of a chain of CTEs, each reading only earlier ones; a definition
read once is inlined, and a short first-match decision is one CASE, so DuckDB can short-circuit.

>>> print(to_sql(guideline, "spark"))  # doctest: +SKIP
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from sqlglot import exp

from eligo import ir
from eligo.dsl.diagnostics import EligoError, error
from eligo.ir import lists, units
from eligo.ir.analysis import Facts
from eligo.ir.outcome import CONFLICT_CODE, UNKNOWN_CODE, UNMATCHED_CODE, open_codes
from eligo.sql import settled
from eligo.sql.answers import CODE as CODE  # re-exported: what callers ask a decision's code by
from eligo.sql.answers import SUFFIXES as SUFFIXES
from eligo.sql.answers import Answers, code_in, commonest_first
from eligo.sql.expr import (
    DOUBLE,
    HANDLERS,
    Unsupported,
    Val,
    and_,
    case,
    coalesce_false,
    col,
    compact,
    is_const,
    is_null,
    lit,
    negate,
    not_,
    num,
    or_,
    parenthesize,
    simplify_for_truth,
    truth,
)
from eligo.sql.lists import ListCompiler
from eligo.sql.refined import refined
from eligo.sql.texts import Texts, outcomes

DIALECTS = ("duckdb", "spark", "postgres", "bigquery")

# Capabilities as data: per dialect, the IR node kinds it cannot express. Compiling a guideline that uses one for that
# dialect is diagnostic E170, never SQL that fails at run time. Every IR node kind has a handler in `sqlexpr.HANDLERS`,
# and sqlglot writes each of them in all four dialects.
UNSUPPORTED: dict[str, frozenset[str]] = {dialect: frozenset() for dialect in DIALECTS}
UNSUPPORTED_CODE = "E170"

PREFIX = "_eligo_"
CHAIN_LIMIT = 24  # definitions inlined into one another before one is a column of its own
SETTLING = -1  # a code column's sentinel, never an answer: this row's rules may be unknown, the three-valued CASE says
SHORT_DECISION = 12  # a first-match decision with more rules is compiled to SQL of linear, not quadratic, size
# A decision's code: the index of the deciding rule (`otherwise` is len(rules)) or one of these; an unknown
# first-match decision has code UNKNOWN - f, f the index of the rule that fired (len(rules) if none did).
UNMATCHED, CONFLICT, UNKNOWN = UNMATCHED_CODE, CONFLICT_CODE, UNKNOWN_CODE  # eligo.ir.outcome names the encoding


class Compiled(Protocol):
    """A compiled guideline, as the SQL back end reads it: its IR program."""

    @property
    def program(self) -> ir.Program: ...


Subject = ir.Program | Compiled


def program_of(subject: Subject) -> ir.Program:
    return subject if isinstance(subject, ir.Program) else subject.program


@dataclass
class Layers:
    """Computed columns by depth: a column reads only inputs and columns of lower depths."""

    columns: list[list[tuple[str, exp.Expr]]] = field(default_factory=list)
    depth: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, expression: exp.Expr) -> exp.Column:
        depth = 1 + max((self.depth.get(c.name, 0) for c in expression.find_all(exp.Column)), default=0)
        while len(self.columns) < depth:
            self.columns.append([])
        self.columns[depth - 1].append((name, expression))
        self.depth[name] = depth
        return col(name)


class Decided:
    """A compiled decision: its value column, and its code column, made only when something reads it."""

    def __init__(self, compiler: Compiler, node: ir.Decision, code: exp.Expr | Callable[[], exp.Expr],
                 evaluated: tuple[exp.Expr, ...]) -> None:
        self.compiler, self.node, self.code_expression = compiler, node, code
        self._evaluated = evaluated  # per rule: it was evaluated and was unknown (it counts for `missing`)
        self._code: exp.Column | None = None
        self.value: exp.Column = col("")
        self.conditions: list[exp.Column] = []  # per rule, its condition (unique and collect decisions)

    @property
    def code(self) -> exp.Column:
        if self._code is None:
            made = self.code_expression
            expression = made() if callable(made) else made  # made when first read: its own columns only then
            self._code = self.compiler.layers.add(self.compiler.fresh(f"{self.node.name}_code"), expression)
        return self._code

    @property
    def evaluated(self) -> tuple[exp.Expr, ...]:
        return tuple(e.transform(_code_to(self.code)) for e in self._evaluated)


class Compiler(ListCompiler, Answers):
    """Compiles one guideline's program into layers of named SQL columns."""

    def __init__(self, subject: Subject, unsupported: frozenset[str] = frozenset(),
                 direct: frozenset[str] = frozenset(), dialect: str = "duckdb") -> None:
        self.direct = direct  # inputs read straight from a source column of their name
        self.dialect = dialect
        self.text = Texts(dialect)  # the answers' texts, as ENUMs where the dialect has them (eligo.sql.texts)
        self.program = program = program_of(subject)
        self.facts = Facts(program)
        order = {name: i for i, name in enumerate(program.inputs)}
        self.rule_inputs = {d.key: tuple(tuple(sorted(self.facts.cone(r.condition), key=order.__getitem__))
                                         for r in d.rules) for d in program.decisions}
        self.unsupported = unsupported
        self.layers = Layers()
        self.values: dict[str, Val] = {}  # global key -> compiled value of a definition or decision
        self.decided: dict[str, Decided] = {}
        self.counter = itertools.count()
        self.nodes = {n.key: n for n in self.program.nodes}
        self.uses = self.facts.uses
        self.read = {key for key in self.uses if isinstance(self.nodes[key], ir.Decision)}  # decisions read by others

    def fresh(self, hint: str) -> str:
        return f"{PREFIX}{next(self.counter)}_{hint}"

    def column(self, val: Val, hint: str) -> Val:
        name = self.fresh(hint)
        return Val(self.layers.add(name, val.v), None if val.na is None else self.layers.add(name + "_na", val.na))

    def share(self, val: Val, hint: str = "x") -> Val:
        """A value read more than once gets a column of its own, so that SQL does not repeat it."""
        simple = (exp.Column, exp.Literal, exp.Boolean, exp.Null, exp.Cast)
        if self.element is not None:  # inside a per-element condition a column cannot hold what reads the element
            return val
        if isinstance(val.v, simple) and (val.na is None or isinstance(val.na, simple)):
            return val
        return self.column(val, hint)

    # ------------------------------------------------------------ expressions
    def expr(self, node: ir.Node) -> Val:
        if type(node).__name__ in self.unsupported:
            raise Unsupported(node)
        return HANDLERS[type(node)](self, node)

    def input(self, name: str) -> Val:
        return Val(col(name if name in self.direct else f"{PREFIX}in_{name}"))

    def bounded(self, node: ir.Node) -> ir.ListOp | None:
        return lists.bounded(node, self.nodes)

    def ref(self, key: str) -> Val:
        if key in self.values:
            return self.values[key]
        target = self.nodes[key]
        if isinstance(target, ir.Decision):
            self.values[key] = self.ref_decision(target)
            return self.values[key]
        val = self.expr(target.expr)
        if self.uses[key] <= 1:
            return val  # read once: inlined where it is read
        self.values[key] = self.column(val, target.name)
        return self.values[key]

    # ------------------------------------------------------------ decisions
    def decision(self, node: ir.Decision, alone: bool = False) -> Decided:
        """The value column of one decision and its code (a column made when first asked for), compiled once.
        `alone`: only the value is read, so a first-match decision's value gets a CASE of its own rather than
        one over the code (one CASE instead of two when the value is all a query wants)."""
        if node.key in self.decided:
            return self.decided[node.key]
        conditions: list[exp.Column] = []
        if node.policy == "first" and len(node.rules) <= SHORT_DECISION:
            code, evaluated, value = self.first_match(node)
        else:
            conditions = [self.layers.add(self.fresh(f"{node.name}_c{i}"), truth(self.expr(r.condition)))
                          for i, r in enumerate(node.rules)]
            policy = {"first": self.first_match_long, "unique": self.unique, "collect": self.collect}[node.policy]
            code, evaluated, value = policy(node, conditions)
        decided = Decided(self, node, code, tuple(evaluated))
        decided.conditions = conditions
        if value is None or (node.policy == "first" and not alone):
            rules = [*node.rules, node.default]
            value = case([(code_in(decided.code, [i for i, r in enumerate(rules) if r is not None and r.outcome == o]),
                           self.outcome(node, o)) for o in commonest_first(node)])
        decided.value = self.layers.add(self.fresh(f"{node.name}_value"), value)
        self.decided[node.key] = decided
        return decided

    def ref_decision(self, node: ir.Decision) -> Val:
        decided = self.decision(node)
        na: exp.Expr | None = exp.EQ(this=decided.code, expression=num(UNMATCHED)) if node.policy != "collect" else None
        opened = open_codes([*node.rules, node.default])  # an open question is read as `none`, as unmatched
        na = or_(na, code_in(decided.code, opened)) if na is not None and opened else na
        return Val(decided.value, na)

    def first_match(self, node: ir.Decision) -> Policy:
        """Rules in order as one CASE; an earlier unknown rule with another outcome makes it unknown.
        A rule is `blocked` unless every earlier rule with another outcome is definitely false. The value
        has a CASE of its own (not read from the code), so that a query of the decision alone is one CASE.

        Most rows take a two-valued CASE, written as one would by hand: each rule's condition, and after it, where
        it is not TRUE, whether it may be unknown (eligo.sql.settled). A row where one may is sent to the
        three-valued CASE, which is right on every row: the code through a sentinel (`SETTLING`), the value
        through a NULL."""
        conditions = [truth(self.expr(r.condition)) for r in node.rules]
        if () in self.facts.unknown_terms(r.condition for r in node.rules):  # a decision read may be unknown
            false = [or_(self.certain(node, i), negate(c)) for i, c in enumerate(conditions)]
        else:
            false = [negate(c) for c in conditions]  # for a condition that is not TRUE: it is FALSE
        rules: list[ir.Rule] = [*node.rules, node.default] if node.default else list(node.rules)
        fires = [*conditions, exp.true()][:len(rules)]
        code_branches, value_branches = [], []
        for i, (fire, rule) in enumerate(zip(fires, rules, strict=True)):
            clear = and_(*(false[j] for j in range(i) if rules[j].outcome != rule.outcome))
            code_branches.append((fire, case([(clear, num(i))], num(UNKNOWN - i))))
            value_branches.append((fire, case([(clear, self.shown(node, rule))], exp.null())))
        gap = None if node.default else case([(and_(*false), num(UNMATCHED))], num(UNKNOWN - len(conditions)))
        evaluated = [and_(is_null(c), exp.LT(this=_CODE.copy(), expression=num(UNKNOWN - i)))
                     for i, c in enumerate(conditions)]
        slow_code, slow_value = case(code_branches, gap), case(value_branches, exp.null() if gap is not None else None)
        doubt = [settled.may_be_unknown(self, r.condition) for r in node.rules]
        if all(is_const(d, False) for d in doubt):  # no condition can be unknown: the two-valued CASE is all
            return slow_code, evaluated, slow_value
        ending = len(node.rules) if node.default else None
        fast_code, fast_value = [], []
        for i, condition in enumerate(conditions):
            fast_code += [(simplify_for_truth(condition, set()), num(i)), (doubt[i], num(SETTLING))]
            fast_value += [(simplify_for_truth(condition, set()), self.shown(node, rules[i])), (doubt[i], exp.null())]

        def code() -> exp.Expr:  # the two-valued CASE as a column of its own, made only if the code is read
            fast = self.layers.add(self.fresh(f"{node.name}_fast"),
                                   case(fast_code, num(ending) if ending is not None else num(UNMATCHED)))
            return case([(exp.EQ(this=fast, expression=num(SETTLING)), slow_code)], fast)
        value = exp.func("COALESCE", case(fast_value, self.shown(node, rules[ending]) if ending is not None else None),
                         slow_value)
        return code, evaluated, value

    def certain(self, node: ir.Decision, index: int) -> exp.Expr:
        """TRUE when rule `index` cannot be unknown because every input it reads is known (FALSE when it reads
        a decision, which can be unknown by itself, in conflict)."""
        rule = node.rules[index]
        if self.facts.reads_decision(rule.condition):
            return exp.false()
        cone = self.rule_inputs[node.key][index]
        return and_(*(negate(is_null(self.input(name).v)) for name in cone))

    def first_match_long(self, node: ir.Decision, conditions: list[exp.Column]) -> Policy:
        """`first_match` in SQL of linear size: the index of the rule that fired, then per outcome whether
        an evaluated rule with that outcome was unknown."""
        count = len(conditions)
        fired = self.layers.add(self.fresh(f"{node.name}_fired"),
                                case([(c, num(i)) for i, c in enumerate(conditions)], num(count)))
        evaluated = [and_(is_null(c), exp.GT(this=fired, expression=num(i))) for i, c in enumerate(conditions)]
        pending = self.per_outcome(node, evaluated, "pending")
        others = self.others(node, pending)
        rules = [*node.rules, node.default]
        branches = []
        for outcome in node.outcomes:
            indices = [i for i, r in enumerate(rules) if r is not None and r.outcome == outcome]
            blocked = others(outcome)
            if indices:
                branches.append((code_in(fired, indices), case([(blocked, exp.Sub(this=num(UNKNOWN), expression=fired))],
                                                                 fired)))
        gap = case([(or_(*pending.values()), num(UNKNOWN - count))], num(UNMATCHED))
        return case(branches, gap), evaluated, None

    def others(self, node: ir.Decision, pending: dict[str, exp.Expr]) -> Callable[[str], exp.Expr]:
        """Per outcome, whether a pending flag of another outcome is set: an OR of the others while there are few
        outcomes, else the count of flags set less its own (linear, not quadratic, in the outcomes)."""
        if len(pending) <= 8:
            return lambda outcome: or_(*(p for o, p in pending.items() if o != outcome))
        total = self.layers.add(self.fresh(f"{node.name}_pending"),
                                _sum([case([(p, num(1))], num(0)) for p in pending.values()]))

        def blocked(outcome: str) -> exp.Expr:
            own = pending.get(outcome)
            rest: exp.Expr = total if own is None else exp.Sub(this=total, expression=case([(own, num(1))], num(0)))
            return exp.GT(this=rest, expression=num(0))
        return blocked

    def per_outcome(self, node: ir.Decision, flags: Sequence[exp.Expr], hint: str) -> dict[str, exp.Expr]:
        """Per outcome, whether a rule with that outcome has its flag set (as shared columns)."""
        found = {o: or_(*(f for f, r in zip(flags, node.rules, strict=True) if r.outcome == o)) for o in node.outcomes}
        return {o: self.share(Val(f), f"{node.name}_{hint}").v for o, f in found.items() if not is_const(f, False)}

    def unique(self, node: ir.Decision, conditions: list[exp.Column]) -> Policy:
        """At most one rule may fire; any unknown rule with another outcome makes the decision unknown."""
        count = self.layers.add(self.fresh(f"{node.name}_count"), _sum(
            [case([(c, num(1))], num(0)) for c in conditions]))
        evaluated = [is_null(c) for c in conditions]
        pending = self.per_outcome(node, evaluated, "unknown")
        others = self.others(node, pending)
        branches: list[tuple[exp.Expr, exp.Expr]] = [(exp.GT(this=count, expression=num(1)), num(CONFLICT))]
        for i, (c, r) in enumerate(zip(conditions, node.rules, strict=True)):
            blocked = others(r.outcome)
            branches.append((c, case([(blocked, num(UNKNOWN))], num(i))))
        if node.default is not None:
            blocked = others(node.default.outcome)
            gap = case([(blocked, num(UNKNOWN))], num(len(node.rules)))
        else:
            gap = case([(or_(*pending.values()), num(UNKNOWN))], num(UNMATCHED))
        return case(branches, gap), evaluated, None

    def collect(self, node: ir.Decision, conditions: list[exp.Column]) -> Policy:
        """The outcomes of every rule that fires, in declared order; unknown while an unknown rule could add one."""
        fired = self.per_outcome(node, [coalesce_false(c) for c in conditions], "fired")
        evaluated = [and_(is_null(c), not_(fired.get(r.outcome, exp.false())))
                     for c, r in zip(conditions, node.rules, strict=True)]
        chosen = compact([case([(f, self.outcome(node, o))]) for o, f in fired.items()]) if fired else \
            exp.cast(exp.Array(expressions=[]), self.text.array(outcomes(node)))
        if node.default is not None:
            chosen = case([(or_(*fired.values()), chosen)], exp.Array(expressions=[self.outcome(node, node.default.outcome)]))
        return case([(or_(*evaluated), num(UNKNOWN))], num(0)), evaluated, case([(negate(or_(*evaluated)), chosen)])


Policy = tuple[exp.Expr | Callable[[], exp.Expr], list[exp.Expr], exp.Expr | None]  # code, evaluated, value (collect)
_CODE = exp.column(f"{PREFIX}code")  # stands for a decision's own code column until that column exists


def _code_to(code: exp.Column) -> Callable[[exp.Expr], exp.Expr]:
    def replace(node: exp.Expr) -> exp.Expr:
        return code.copy() if isinstance(node, exp.Column) and node.name == _CODE.name else node
    return replace


def _sum(parts: list[exp.Expr]) -> exp.Expr:
    total = parts[0] if parts else num(0)
    for part in parts[1:]:
        total = exp.Add(this=total, expression=part)
    return total


# ---------------------------------------------------------------- the query


def input_columns(subject: Subject) -> dict[str, exp.Expr]:
    """Each input's canonical value, from a typed column of its name that holds it in its declared unit."""
    out: dict[str, exp.Expr] = {}
    for name, info in program_of(subject).inputs.items():
        source: exp.Expr = col(name)
        unit = units.lookup(info.unit) if info.unit else None
        if info.type.kind == "quantity" and unit is not None and unit.factor != 1.0:
            source = exp.Mul(this=exp.cast(source, DOUBLE), expression=lit(unit.factor))
        elif info.type.kind == "date":
            source = exp.cast(source, exp.DataType.Type.DATE)
        out[name] = source
    return out


def output_names(subject: Subject) -> list[str]:
    return [f"{d.name}{s}" for d in program_of(subject).own for s in SUFFIXES]


def compile_query(subject: Subject, source: exp.Expr | str = "cases", *,
                  inputs: Mapping[str, exp.Expr] | None = None, keep: Sequence[str] | None = None,
                  dialect: str = "duckdb", outputs: Sequence[str] | Mapping[str, Sequence[str]] = SUFFIXES,
                  extra: Callable[[Compiler], Sequence[tuple[exp.Column, str]]] | None = None,
                  exact: Mapping[str, str] | None = None) -> exp.Select:
    """The guideline as one query over `source`: the `keep` columns (default: the inputs) and, per decision D,
    D, D_status, D_rule, D_possible and D_missing (`outputs`: the suffixes wanted, or by decision; CODE for its
    code). `inputs` maps each input to its canonical value (default: `input_columns`). Raises EligoError (E170)
    if `dialect` cannot express it.

    The SQL gives the three-valued answer. `exact` maps decisions to the names of functions registered on the
    engine (eligo.sql.exact) that refine the rows it leaves unknown, as `Guideline.evaluate` does."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown SQL dialect {dialect!r}; choose one of {', '.join(DIALECTS)}")
    program = program_of(subject)
    canonical = inputs if inputs is not None else input_columns(program)
    direct = frozenset(n for n, e in canonical.items() if isinstance(e, exp.Column) and e.name == n)
    compiler = Compiler(program, UNSUPPORTED[dialect], direct, dialect)
    columns: list[tuple[exp.Column, str]] = []
    try:
        for key in compiler.facts.chain_breaks(CHAIN_LIMIT):  # long chains of definitions: a column every so often
            target = compiler.nodes[key]
            assert isinstance(target, ir.Definition)
            compiler.values[key] = compiler.column(compiler.expr(target.expr), target.name)
        for node in program.own:
            wanted = outputs.get(node.name, ()) if isinstance(outputs, Mapping) else outputs
            decided = compiler.output(node, wanted)
            if exact and node.name in exact and "_status" in wanted:
                decided = refined(compiler, node, decided, exact[node.name])
            columns += decided
        if extra is not None:  # further columns from the same compiler, after the decisions (`sql.criteria`)
            columns += extra(compiler)
    except Unsupported as exc:
        origin = getattr(exc.node, "origin", ir.Origin())
        raise EligoError([error(UNSUPPORTED_CODE, f"{dialect} cannot express {type(exc.node).__name__} "
                                f"`{origin.text}` ({program.module.replace('@', ' ')})", origin.span,
                                "evaluate this guideline with DuckDB (`eligo cohort`) or in Python")]) from exc
    table = exp.to_table(source) if isinstance(source, str) else source
    if isinstance(table, exp.Select):
        table = table.subquery(f"{PREFIX}source")
    converted = [(f"{PREFIX}in_{n}", e) for n, e in canonical.items() if n not in direct]
    layers = [converted, *compiler.layers.columns] if converted else compiler.layers.columns
    query, previous = exp.select(exp.Star()), table
    for index, computed in enumerate(layers):
        name = f"{PREFIX}l{index}"
        layer = exp.select(exp.Star(), *(exp.alias_(e, n, quoted=True) for n, e in computed)).from_(previous)
        # PostgreSQL inlines a CTE read once, growing the plan exponentially with the layers: MATERIALIZED keeps each a step
        query = query.with_(name, as_=layer, materialized=True if dialect == "postgres" else None)
        previous = exp.to_table(name)
    kept = list(keep) if keep is not None else list(program.inputs)
    final = [col(n) for n in kept] + [exp.alias_(c, alias, quoted=True) for c, alias in columns]
    return parenthesize(query.select(*final, append=False).from_(previous))  # type: ignore[return-value]


def to_sql(guideline: Subject, dialect: str = "duckdb", source: str = "cases", pretty: bool = True) -> str:
    """A compiled guideline (or its program) as one SQL query over the table `source`, as text in `dialect`."""
    return compile_query(guideline, source, dialect=dialect).sql(dialect=dialect, pretty=pretty)
