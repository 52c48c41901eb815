"""Exact unknowns compiled: per decision, its exact result as a function of the classes of the inputs it reads.

A decision's exact result for a case three values leave unknown (eligo.compiled.exact) depends on the case only
through the class of each input the decision reads (eligo.ir.domains), missing being one more class: every value of
a class behaves alike in every comparison the guideline makes, known or completed. So the whole answer (value,
status, rule, `possible`, `missing`, the exact flag) is a function of the tuple of class indices. It is built once
per decision, when the decision has had BUILD_AFTER unknown cases in the process, as a reduced decision diagram over
those indices, and walked per case by generated code (eligo.python.classes). It is built symbolically, not by
refining each combination of classes:
- the *complete* decision: per pattern of presence of the inputs the decision observes (`is missing`, `is known`,
  `first known of`), the decision over every input's classes, none missing, as a reduced ordered diagram grown from
  the case that holds nothing: three values decide a partial case (a leaf: value, status, rule), or it is split
  on the next input, in order, that a rule it leaves unknown reads;
- a combination restricts it to its known inputs: what is left is the decision as a function of the missing
  inputs, what the runtime refinement enumerates; its answers, the inputs the answers' reduced diagram splits on
  and the rules at its leaves give the result (`exact.settled`, as at run time);
- the walked diagram splits on each input in order, with that restricted function as its state below, so equal
  states are shared; a split whose children are all one is dropped.

A combination whose leaf is None is refined at run time: its refinement would try more than MAX_COMPLETIONS
completions (inexact at run time), it reaches a completion unknown with every input known (a decision it reads
conflicts), or every completion gives an outcome that several rules give (the rule the runtime names depends on
the partial cases its refinement stops at), or a date of a pair (below) is missing. Two dates read only as the
time between them, compared with constants (`Domains.joint`), are one variable: the class of that time. Not
compiled at all: a `collect` decision, one whose completions cannot be written (eligo.python.completion), one
reading another input with no static classes (a list, an opaque input, one compared through arithmetic with other
inputs), and one with more than MAX_CELLS combinations or whose build takes more than MAX_STEPS steps or makes more
than MAX_RESULTS results. A decision reading a list is refined at run time, where the exact step completes a partly
known list one state of its list operations at a time (eligo.compiled.list_states): its classes are whole lists,
which depend on the case's known elements, so they are not a fixed class index here.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eligo import ir
from eligo.compiled import exact
from eligo.compiled.result import DecisionResult
from eligo.ir import outcome
from eligo.ir.domains import MAX_COMPLETIONS, Domains, Pair

if TYPE_CHECKING:
    from eligo.compiled.guideline import Guideline

MAX_STEPS = 100_000  # evaluations and diagram operations spent on one decision at most; beyond, the runtime answers
MAX_CELLS = 10_000_000  # combinations of the inputs' classes (missing one of them) at most: a diagram beyond is large
MAX_RESULTS = 2_048  # distinct results (leaves) of one decision's diagram at most; beyond, the runtime answers
BUILD_AFTER = 64  # a decision's diagram is built at its 64th unknown case: one case, or a few, are refined at once

Variable = str | Pair  # what a diagram splits on: an input, or two dates read only as the time between them
Node = Any  # a leaf, or a split: (level, children by class index); in the walked diagram, 0 is missing
Table = Mapping[object, int] | tuple[tuple[object, ...], tuple[int | None, ...]]


@dataclass(frozen=True)
class Compiled:
    """One decision's diagram: `find(case)` is the exact result of a case three values leave unknown, or None
    where the runtime must answer (see the module docstring; also a value outside the class tables); the inputs
    it reads, in the order it splits on them, its size (splits of all the diagrams built, distinct results), the
    steps the build took, and the generated source."""

    find: Callable[[Mapping[str, Any]], DecisionResult | None]
    inputs: tuple[Variable, ...]
    splits: int
    leaves: int
    steps: int
    source: str


Find = Callable[[Mapping[str, Any]], DecisionResult | None]


class Finders(dict[str, Find]):
    """A guideline's compiled answers per decision key, once built, and the unknown cases each decision has had
    meanwhile (`seen`)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, int] = {}


def finder(g: Guideline, decision: ir.Decision) -> Find:
    """What answers `decision` for a case three values leave unknown, before its diagram is in `g._finders`: None
    (the runtime refines the case) for its first BUILD_AFTER such cases; then its diagram is built and kept (or,
    if it cannot be compiled, the runtime is kept)."""
    finders = g._finders
    seen = finders.seen[decision.key] = finders.seen.get(decision.key, 0) + 1
    if seen < BUILD_AFTER:
        return runtime
    compiled = build(g, decision)
    finders[decision.key] = compiled.find if compiled is not None else runtime
    return finders[decision.key]


def runtime(case: Mapping[str, Any]) -> None:
    """No compiled answer: the runtime refinement answers (eligo.compiled.exact)."""
    return None


UNSETTLED = ("unsettled", outcome.UNKNOWN, outcome.NO_RULE)  # a leaf: unknown although every input read is known


class _TooLarge(Exception):
    """Building the diagram would take more than MAX_STEPS steps or make more than MAX_RESULTS results."""


def build(g: Guideline, decision: ir.Decision) -> Compiled | None:
    """The decision's compiled diagram, or None when it cannot be compiled (see the module docstring)."""
    from eligo.python import classes as writer

    domains = g.domains
    cone = [n for n in g.inputs if n in g.facts.cone_of(decision.key)]
    seen = observed_inputs(g, decision)
    inputs = variables(domains, cone, seen)
    if decision.policy == "collect" or inputs is None or g._completion(decision.key) is None:
        return None
    if math.prod(len(representatives(domains, n)) + 1 for n in inputs) > MAX_CELLS:
        return None
    order = (*(n for n in inputs if n in seen), *(n for n in inputs if n not in seen))
    builder = _Builder(g, decision, order, sum(1 for n in inputs if n in seen))
    try:
        root = builder.serve(0, None, (), 1)
    except (_TooLarge, RecursionError):
        return None
    find, source = writer.write([(name, class_table(domains, name)) for name in order], root)
    splits = sum(1 for key in builder.unique if isinstance(key[0], int))
    leaves = sum(1 for key in builder.unique if key[0] == "decision")
    return Compiled(find, order, splits, leaves, builder.steps, source)


class _Builder:
    """The functions of one decision as reduced ordered diagrams over its inputs' classes, levels in `order`: a
    node is a leaf `(value, status, rule)` or a split `(level, children by class)`, shared (one object per
    function, so identity is equality)."""

    def __init__(self, g: Guideline, decision: ir.Decision, order: tuple[Variable, ...], observed: int) -> None:
        self.g, self.decision, self.order, self.observed = g, decision, order, observed
        completion = g._completion(decision.key)
        assert completion is not None
        self.completion = completion
        self.values = [representatives(g.domains, name) for name in order]
        self.sizes = [len(g.domains.classes.get(name) or ()) if isinstance(name, str) else MAX_COMPLETIONS + 1
                      for name in order]  # what a refinement completes (a pair missing: the runtime answers)
        level = {name: i for i, name in enumerate(order) if isinstance(name, str)}
        level.update({date: i for i, pair in enumerate(order) if isinstance(pair, Pair) for date in (pair.start, pair.end)})
        self.cones = [frozenset(level[n] for n in cone if n in level) for cone in g.domains.rule_cones[decision.key]]
        self.unique: dict[Any, Node] = {}
        self.memo: dict[Any, Node] = {}
        self.steps = self.results = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise _TooLarge

    def split(self, level: int, children: list[Any]) -> Any:
        first = children[0]
        if all(child is first for child in children):
            return first
        key = (level, *map(id, children))
        found = self.unique.get(key)
        if found is None:
            found = self.unique[key] = (level, tuple(children))
        return found

    def leaf(self, value: object, status: int, rule: int) -> Any:
        key = (None if value is ir.NA else value, status, rule)
        return self.unique.setdefault(("leaf", *key), key)

    def complete(self, present: frozenset[int]) -> Any:
        """The decision over every input's classes (none missing) when the data holds exactly the observed inputs
        at the levels in `present`, grown from the case holding nothing: three values decide a partial case, or it
        is split on the next input (in `order`) that a rule it leaves unknown reads."""
        known = self.memo.get(("complete", present))
        if known is not None:
            return known
        case: dict[str, Any] = {}
        held: dict[str, Any] = {}  # what the data holds: the observed inputs present

        def grow(level: int) -> Any:
            if level >= self.observed:
                self.step()
                value, status, rule, mask = self.completion(case, held)[0]
                if status != outcome.UNKNOWN:
                    return self.leaf(value, status, rule)
                reads = frozenset().union(*(cone for i, cone in enumerate(self.cones) if mask >> i & 1))
                level = min((r for r in reads if r >= level), default=len(self.order))
                if level == len(self.order):  # unknown with every input it reads known (a decision it reads
                    return UNSETTLED  # conflicts): a refinement reaching it is inexact, the runtime answers
            variable = self.order[level]
            names = (variable.start, variable.end) if isinstance(variable, Pair) else (variable,)
            children = []
            for value in self.values[level]:
                values: Any = value if isinstance(variable, Pair) else (value,)  # a pair's value: (start, end)
                case.update(zip(names, values, strict=True))
                if level in present:  # an observed input (never a pair's date) that the data holds
                    held[names[0]] = value
                children.append(grow(level + 1))
            for name in names:
                del case[name]
                held.pop(name, None)
            return self.split(level, children)

        found = self.memo[("complete", present)] = grow(0)
        return found

    def restrict(self, node: Any, level: int, index: int) -> Any:
        """`node` with the input at `level` in its class `index` (0-based)."""
        if len(node) == 3 or node[0] > level:  # a leaf, or a split on a later input: it does not read this one
            return node
        if node[0] == level:
            return node[1][index]
        key = ("restrict", id(node), level, index)
        found = self.memo.get(key)
        if found is None:
            self.step()
            found = self.memo[key] = self.split(node[0], [self.restrict(c, level, index) for c in node[1]])
        return found

    def answers(self, node: Any) -> Any:
        """`node` with each leaf's rule dropped: the answers (value, status) alone, reduced."""
        if len(node) == 3:
            return self.unique.setdefault(("answer", node[0], node[1]), (node[0], node[1]))
        key = ("answers", id(node))
        found = self.memo.get(key)
        if found is None:
            self.step()
            found = self.memo[key] = self.split(node[0], [self.answers(c) for c in node[1]])
        return found

    def result(self, node: Any) -> DecisionResult | None:
        """The exact result of the cases whose completions `node` decides (a function of their missing inputs):
        its answers, the rules that give them, and the inputs the answers' reduced diagram splits on."""
        key = ("result", id(node))
        found = self.memo.get(key)
        if found is None and key not in self.memo:
            self.step()
            answer = self.answers(node)
            leaves, splits = self._leaves(node), self._splits(answer)
            if UNSETTLED in leaves:
                self.memo[key] = None
                return None
            diagram = answer if answer[1].__class__ is tuple else (answer,)  # a split, or one answer
            if len(diagram) == 1 and answer[1] in (outcome.DECIDED, outcome.OPEN) and self.shared(answer[0]):
                self.memo[key] = None  # which rule the runtime names depends on where it stops: it answers
                return None
            refined = exact.Refined(diagram, {(v, s) for v, s, _ in leaves}, set(splits), {r for _, _, r in leaves})
            settled = exact.settled(self.decision, refined, [n for n in self.g.inputs if n in splits])
            found = self.memo[key] = self.unique.setdefault(("decision", settled), settled)
            self.results += found is settled
            if self.results > MAX_RESULTS:
                raise _TooLarge
        return found

    def shared(self, value: object) -> bool:
        """Whether more than one rule (or a rule and `otherwise`) gives `value` (None: an open question). Then
        three values may decide a partial case by a later rule while an earlier one with that outcome is unknown,
        and the rule a refinement names depends on the partial cases it stops at, not on the completions."""
        rules = [*self.decision.rules, *([self.decision.default] if self.decision.default else [])]
        return sum(1 for r in rules if (r.is_open if value is None else not r.is_open and r.outcome == value)) > 1

    def _leaves(self, node: Any) -> frozenset[tuple[object, int, int]]:
        """The leaves `node` reaches."""
        if len(node) == 3:
            return frozenset((node,))
        key = ("leaves", id(node))
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = frozenset().union(*map(self._leaves, node[1]))
        return found

    def _splits(self, node: Any) -> frozenset[str]:
        """The inputs a diagram of answers splits on."""
        if node[1].__class__ is not tuple:  # an answer
            return frozenset()
        key = ("splits", id(node))
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = frozenset((self.order[node[0]],)).union(*map(self._splits, node[1]))
        return found

    def serve(self, level: int, node: Any, classes: tuple[int, ...], completions: int) -> Any:
        """The diagram the generated walk follows, from `level` on: `node` is the decision over the missing inputs
        so far and the inputs from `level` on (None until the observed inputs are placed: their `classes`, 0 for
        missing); `completions` is what a refinement of those missing inputs would try (capped). A leaf is the
        result, or None where a refinement would try too many and the runtime answers."""
        if level == self.observed and node is None:  # the observed inputs placed: the decision they leave
            node = self.complete(frozenset(i for i, k in enumerate(classes) if k))
            for i, k in enumerate(classes):
                if k:
                    node = self.restrict(node, i, k - 1)
        if level == len(self.order):
            return None if completions > MAX_COMPLETIONS else self.result(node)
        key = ("serve", level, id(node), classes if node is None else (), completions)
        if key in self.memo:
            return self.memo[key]
        self.step()
        more = min(completions * self.sizes[level], MAX_COMPLETIONS + 1)
        if node is None:
            children = [self.serve(level + 1, None, (*classes, k), more if k == 0 else completions)
                        for k in range(len(self.values[level]) + 1)]
        else:
            children = [None if isinstance(self.order[level], Pair) else self.serve(level + 1, node, (), more),
                        *(self.serve(level + 1, self.restrict(node, level, k), (), completions)
                          for k in range(len(self.values[level])))]
        found = self.memo[key] = self.split(level, children)
        return found


def variables(domains: Domains, cone: list[str], observed: frozenset[str]) -> list[Variable] | None:
    """What a diagram splits on, in input order: each input with static classes, and each pair of dates read only
    as the time between them compared with constants (`Domains.joint`, no arithmetic on the time; split on that
    time's class, the runtime answering when either date is missing); None if another input has no static
    classes, or a date of a pair is observed (`is missing`)."""
    pairs = {date: pair for pair in domains.joint for date in (pair.start, pair.end)}
    found: list[Variable] = []
    for name in cone:
        if domains.classes.get(name) is not None:
            found.append(name)
            continue
        pair = pairs.get(name)
        if pair is None or name in observed or any(site.steps for site in domains.sites.get(name, ())):
            return None
        if pair not in found:
            found.append(pair)
    if any(isinstance(p, Pair) and (p.start not in cone or p.end not in cone) for p in found):
        return None
    return found


def observed_inputs(g: Guideline, decision: ir.Decision) -> frozenset[str]:
    """The inputs whose presence in the data the decision reads (`is missing`, `is known`, `first known of`),
    through the definitions and decisions it reads."""
    found: set[str] = set()
    for key in g.facts.closure([decision.key]):
        for expr in g.facts.nodes[key].exprs:
            for node in ir.walk(expr):
                if isinstance(node, ir.Test) and node.test != "none":
                    found |= g.facts.cone(node.operand)
                elif isinstance(node, ir.FirstKnown):
                    found |= g.facts.cone(node)
    return frozenset(found)


def representatives(domains: Domains, name: Variable) -> tuple[object, ...]:
    """One value per class of `name`, in the order of its class indices (1, 2, …); for a pair, (start, end)."""
    if isinstance(name, Pair):
        return _pair_classes(domains, name)[1]
    table = class_table(domains, name)
    found = domains.classes[name]
    assert found is not None, name
    if not isinstance(table, tuple):
        return tuple(found)
    cuts, fine = table
    first: dict[int, object] = {}
    for value in found:
        first.setdefault(_fine(cuts, fine, value), value)
    return tuple(first[k] for k in sorted(first))


def class_table(domains: Domains, name: Variable) -> Table:
    """A yes/no's or kind's values by class index; for a number, quantity or date, its sorted static cut points
    and the class index of each fine class (2i below cut i, 2i + 1 at it; None where no representative falls),
    classes numbered from 1 in the order of their first representative; for a pair, the same of the time between
    its dates, against the months it is compared with."""
    if isinstance(name, Pair):
        return _pair_classes(domains, name)[0]
    found = domains.classes[name]
    assert found is not None, name
    kind = domains.inputs[name].type.kind
    if kind in ("bool", "enum"):
        return {value: i + 1 for i, value in enumerate(found)}
    sides = domains.cuts.get(name, {})
    cuts = tuple(sides)
    signatures: dict[tuple[object, ...], int] = {}
    for value in found:
        signatures.setdefault(_signature(value, sides), len(signatures) + 1)
    fine: list[int | None] = []
    for f in range(2 * len(cuts) + 1):
        at, i = f % 2 == 1, f // 2
        signature = tuple(_side(j, i, at, side) for j, side in enumerate(sides.values()))
        fine.append(signatures.get(signature))
    return cuts, tuple(fine)


def _signature(value: object, sides: Mapping[object, str]) -> tuple[object, ...]:
    """What the guideline's comparisons see of `value` (as eligo.ir.domains.representatives merges classes)."""
    return tuple(value <= c if side == "le" else value < c if side == "lt" else (value < c, value == c)  # type: ignore[operator]
                 for c, side in sides.items())


def _side(j: int, i: int, at: bool, side: str) -> object:
    """The signature entry for cut j of a value in fine class (i, at): at cut i, or strictly below it."""
    below, equal = (j > i, j == i) if at else (j >= i, False)
    return below or equal if side == "le" else below if side == "lt" else (below, equal)


def _fine(cuts: tuple[Any, ...], fine: tuple[int | None, ...], value: Any) -> int:
    """The class of a representative: its fine class (2i below cut i, 2i + 1 at it) through the table."""
    found = fine[bisect_left(cuts, value) + bisect_right(cuts, value)]
    assert found is not None
    return found


def _pair_classes(domains: Domains, pair: Pair) -> tuple[tuple[tuple[object, ...], tuple[int | None, ...]],
                                                           tuple[object, ...]]:
    """The class table of the time between a pair's dates (its thresholds, the class of each fine class) and one
    (start, end) per class, from the completions a refinement of both dates tries (eligo.compiled.cuts.joint)."""
    from eligo.compiled.cuts import joint
    from eligo.python.runtime import days_between, months_between

    between = months_between if pair.unit == "months" else days_between
    thresholds = tuple(domains.joint[pair])
    first: dict[int, object] = {}
    for start, end in joint(domains, pair):
        time = between(start, end)  # type: ignore[arg-type]
        first.setdefault(bisect_left(thresholds, time) + bisect_right(thresholds, time), (start, end))
    classes = {f: i + 1 for i, f in enumerate(sorted(first))}
    fine = tuple(classes.get(f) for f in range(2 * len(thresholds) + 1))
    return (thresholds, fine), tuple(first[f] for f in sorted(first))
