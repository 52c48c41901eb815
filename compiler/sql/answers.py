"""A decision's answer columns, read from its code: value, status, rule, the outcomes still possible, and the missing
inputs (the half of the query compiler, eligo.sql.query, that turns codes into what `evaluate` reports). Their
texts are typed by what each can be (eligo.sql.texts)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from sqlglot import exp

from eligo import ir
from eligo.ir.outcome import NO_OUTCOME, OPEN_OUTCOME, UNKNOWN_CODE, UNMATCHED_CODE, open_codes
from eligo.sql import texts
from eligo.sql.expr import and_, case, coalesce_false, compact, negate, num, or_

if TYPE_CHECKING:
    from eligo.sql.query import Decided, Layers

SUFFIXES = ("", "_status", "_rule", "_possible", "_missing")  # a decision's output columns: D, D_status, D_rule, …
CODE = "_code"  # not an output column: asked for in `outputs`, a decision's code (eligo.compiled.batch decodes it)
UNKNOWN, UNMATCHED = UNKNOWN_CODE, UNMATCHED_CODE


class Deciding(Protocol):
    """The query compiler's `decision`: a decision compiled once, its value alone or with its code."""

    def __call__(self, node: ir.Decision, alone: bool = False) -> Decided: ...


class Answers:
    """The answer half of the query compiler (which provides the rest: `decision`, `layers`, `unsettled`, …)."""

    program: ir.Program
    layers: Layers
    text: texts.Texts
    read: set[str]
    rule_inputs: dict[str, tuple[tuple[str, ...], ...]]

    fresh: Callable[[str], str]
    decision: Deciding
    unsettled: Callable[[str], exp.Expr]

    def outcome(self, node: ir.Decision, value: str) -> exp.Expr:
        return self.text.of(value, texts.outcomes(node))

    def shown(self, node: ir.Decision, rule: ir.Rule) -> exp.Expr:
        """A rule's outcome as the decision's value: NULL for an open question (its status says `open`)."""
        return self.text.of(None if rule.is_open else rule.outcome, texts.outcomes(node))

    def answer_type(self, node: ir.Decision, suffix: str) -> exp.DataType | None:
        """The type of one of a decision's output columns where the dialect types its texts (None: text)."""
        if not self.text.typed:
            return None
        if suffix == "":
            domain = texts.outcomes(node)
            return self.text.array(domain) if node.policy == "collect" else self.text.kind(domain)
        if suffix == "_status":
            return self.text.kind(texts.STATUS)
        if suffix == "_rule":
            return self.text.kind(texts.rules(node))
        return self.text.array(texts.possible(node) if suffix == "_possible" else texts.inputs(self.program))

    def output(self, node: ir.Decision, suffixes: Sequence[str] = SUFFIXES) -> list[tuple[exp.Column, str]]:
        """Output columns of one of the guideline's own decisions: "" the value, then _status, _rule, _missing."""
        decided = self.decision(node, alone=tuple(suffixes) == ("",) and node.key not in self.read)
        columns: list[tuple[exp.Column, str]] = []
        evaluated: list[exp.Expr] | None = None
        for suffix in suffixes:
            if suffix in ("", CODE):
                columns.append((decided.value if suffix == "" else decided.code, node.name + suffix))
                continue
            code = decided.code
            if suffix == "_status":
                opened = open_codes([*node.rules, node.default]) if node.policy != "collect" else ()
                status = self.text.of
                expression = case([*([(code_in(code, opened), status("open", texts.STATUS))] if opened else []),
                                   (exp.GTE(this=code, expression=num(0)), status("decided", texts.STATUS)),
                                   (exp.LTE(this=code, expression=num(UNKNOWN)), status("unknown", texts.STATUS)),
                                   (exp.EQ(this=code, expression=num(UNMATCHED)), status("unmatched", texts.STATUS))],
                                  status("conflict", texts.STATUS))
            elif suffix == "_rule":
                rules = [*node.rules, node.default] if node.policy != "collect" else []
                names = texts.rules(node)
                tested = [(i, r) for i, r in enumerate(rules) if r is not None]
                if node.default is not None and rules:  # the default first: see `commonest_first`
                    tested.insert(0, tested.pop())
                expression = case([(exp.EQ(this=code, expression=num(i)), self.text.of(r.name, names))
                                   for i, r in tested], self.text.of(None, names))
            else:
                unknown = exp.LTE(this=code, expression=num(UNKNOWN))
                if evaluated is None:
                    # per rule, whether it was left unknown: a column computed only for the rows that are unknown
                    evaluated = [e if isinstance(e, (exp.Column, exp.Boolean)) else
                                 self.layers.add(self.fresh(f"{node.name}_u{i}"), case([(unknown.copy(), e)]))
                                 for i, e in enumerate(decided.evaluated)]
                # nothing is missing where the code is not unknown: an empty list, as `evaluate` gives (and a
                # column of empty lists is cheaper for DuckDB to store than one of NULLs)
                none_missing = self.typed_list([], texts.inputs(self.program))
                expression = (self.possible(node, decided, evaluated) if suffix == "_possible"
                              else case([(unknown, self.missing(node, evaluated))], none_missing))
            columns.append((self.layers.add(self.fresh(f"{node.name}{suffix}"), expression), node.name + suffix))
        return columns

    def possible(self, node: ir.Decision, decided: Decided, evaluated: Sequence[exp.Expr]) -> exp.Expr:
        """The outcomes a three-valued answer leaves open (eligo.compiled.exact.kleene_possible, as SQL): the value
        when decided; else the outcomes of the unknown rules evaluated and of the rule that fires after them
        (first match: its index is UNKNOWN - code; unique: the rule whose condition holds), `none` where possibly
        no rule applies. Not listed for `collect` decisions (an empty array)."""
        code = decided.code
        if node.policy == "collect":
            return exp.cast(exp.Array(expressions=[]), self.text.array(texts.possible(node)))
        rules = [*node.rules, node.default]
        fires: list[exp.Expr]
        if node.policy == "first":
            fires = [exp.EQ(this=code, expression=num(UNKNOWN - i)) for i in range(len(rules))]
        else:
            conditions = [coalesce_false(c) for c in decided.conditions]
            none_fired = negate(or_(*conditions)) if conditions else exp.true()
            fires = [*conditions, none_fired]
            pairs = [and_(a, b) for a, b in itertools.combinations(evaluated, 2)]
            # two rules may both apply (a conflict): one holds and another is unknown, or two are unknown
            clash = or_(and_(or_(*conditions), or_(*evaluated)), *pairs) if evaluated else exp.false()
        items = []
        opened = open_codes(rules)
        for name in (*node.outcomes, *([OPEN_OUTCOME] if opened else [])):
            flags = [evaluated[i] for i, r in enumerate(node.rules) if r.outcome == name]
            flags += [fires[i] for i, r in enumerate(rules) if r is not None and r.outcome == name]
            if flags:
                items.append(case([(or_(*flags), exp.Literal.string(name))]))
        if node.default is None or node.policy == "unique":
            ending = fires[-1] if node.default is None else exp.false()
            items.append(case([(or_(ending, clash) if node.policy == "unique" else ending,
                                 exp.Literal.string(NO_OUTCOME))]))
        kind, opening = self.text.kind(texts.possible(node)), self.text.of(OPEN_OUTCOME, texts.possible(node))
        return case([*([(code_in(code, opened), exp.Array(expressions=[opening]))] if opened else []),
                     (exp.GTE(this=code, expression=num(0)), exp.Array(expressions=[exp.cast(decided.value, kind)])),
                     (exp.GT(this=code, expression=num(UNKNOWN)),
                      exp.Array(expressions=[self.text.of(NO_OUTCOME, texts.possible(node))]))],
                    self.typed_list(items, texts.possible(node)))

    def missing(self, node: ir.Decision, evaluated: Sequence[exp.Expr]) -> exp.Expr:
        """The inputs, in declaration order, in the cone of an evaluated unknown rule, that are NULL."""
        cones = self.rule_inputs[node.key]
        items = []
        for name in self.program.inputs:
            rules = [evaluated[i] for i, cone in enumerate(cones) if name in cone]
            if rules:
                items.append(case([(and_(self.unsettled(name), or_(*rules)), exp.Literal.string(name))]))
        return self.typed_list(items, texts.inputs(self.program))

    def typed_list(self, items: list[exp.Expr], domain: Sequence[str]) -> exp.Expr:
        """The non-NULL items (texts of `domain`, or NULL), as a list of the type `answer_type` gives: the type
        spelled once, for the list, not in each item (DuckDB binds each spelling: the planning is a tenth of a
        small query's time)."""
        kind = self.text.array(domain)
        if not items:
            return exp.cast(exp.Array(expressions=[]), kind)
        return exp.cast(compact(items), kind) if self.text.typed else compact(items)


def commonest_first(node: ir.Decision) -> list[str]:
    """A decision's outcomes, that of its `otherwise` first: a CASE over the code tests its branches in turn, so
    the one most rows take belongs first, and a decision's default, what no rule took, is that of most rows in the
    workloads we measure (benchmarks/RESULTS.md). Each code has one branch, so the order changes no answer."""
    outcomes = list(node.outcomes)
    if node.default is not None and node.default.outcome in outcomes:
        outcomes.insert(0, outcomes.pop(outcomes.index(node.default.outcome)))
    return outcomes


def code_in(code: exp.Expr, indices: Sequence[int]) -> exp.Expr:
    if not indices:
        return exp.false()
    if len(indices) == 1:
        return exp.EQ(this=code, expression=num(indices[0]))
    return exp.In(this=code, expressions=[num(i) for i in indices])
