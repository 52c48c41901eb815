"""Exact unknowns precompiled: per decision, its exact result as a function of the classes of the inputs it reads.

A decision's exact result for a case (eligo.compiled.exact) depends on the case only through the class of each
input it reads (eligo.ir.domains), missing being one more class: every value of a class behaves alike in every
comparison the guideline makes, known or completed. So the whole answer (value, status, rule, `possible`,
`missing`, the exact flag) is a function of the tuple of class indices, built here once per decision, on first
need, as a reduced decision diagram and walked per case by generated code (eligo.python.classes).

The diagram is grown from the case that holds nothing, one input at a time. The inputs whose presence the
decision observes (`is missing`, `is known`, `first known of`) are split first, since three-valued logic reads
an absent one as missing; after them a partial case is evaluated three-valued, and
- decided: every extension decides alike (three values are sound and monotone), a leaf;
- unknown: split on the first input, in input order, that a rule left unknown reads (an input none of them reads
  cannot change the answer below); when none is left, the leaf is the runtime answer (`Guideline._decision_result`
  and its refinement) for a case of one representative per class, which is what every case of those classes gets.
Identical subdiagrams are shared and a split whose children are all one is dropped, so the diagram is reduced.

Not compiled (`build` gives None, and the runtime refines such a decision case by case): a `collect` decision, one
whose completions cannot be written (eligo.python.completion), one reading an input with no static classes (a
list, an opaque input, an input compared relative to another: `months between` two inputs, arithmetic between
inputs), and one whose diagram would take more than MAX_EVALUATIONS evaluations to grow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eligo import ir
from eligo.compiled.result import DecisionResult
from eligo.ir import outcome
from eligo.ir.domains import Domains

if TYPE_CHECKING:
    from eligo.compiled.guideline import Guideline

MAX_EVALUATIONS = 50_000  # evaluations spent growing one decision's diagram at most; beyond, the runtime answers
BUILD_AFTER = 64  # a decision's diagram is built at its 64th unknown case: one case, or a few, are refined at once

Node = Any  # a leaf (a DecisionResult) or a split: (input position, children by class index, 0 = missing)
Table = Mapping[object, int] | tuple[tuple[object, ...], tuple[int | None, ...]]


@dataclass(frozen=True)
class Compiled:
    """One decision's diagram: `find(case)` is its exact result, or None where the runtime must answer (a value
    outside its class tables); the inputs it reads, its size, and the generated source."""

    find: Callable[[Mapping[str, Any]], DecisionResult | None]
    inputs: tuple[str, ...]
    splits: int
    leaves: int
    evaluations: int
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
        return _runtime
    compiled = build(g, decision)
    finders[decision.key] = compiled.find if compiled is not None else _runtime
    return finders[decision.key]


def _runtime(case: Mapping[str, Any]) -> None:
    """No compiled answer: the runtime refinement answers (eligo.compiled.exact)."""
    return None


class _TooLarge(Exception):
    """Growing the diagram would take more than MAX_EVALUATIONS evaluations."""


def build(g: Guideline, decision: ir.Decision) -> Compiled | None:
    """The decision's compiled diagram, or None when it cannot be compiled (see the module docstring)."""
    from eligo.python import classes as writer

    domains = g.domains
    inputs = tuple(n for n in g.inputs if n in g.facts.cone_of(decision.key))
    if decision.policy == "collect" or any(domains.classes.get(n) is None for n in inputs):
        return None
    completion = g._completion(decision.key)
    if completion is None:
        return None
    index = g.program.decisions.index(decision)
    tables = {name: class_table(domains, name) for name in inputs}
    values = {name: representatives(domains, name) for name in inputs}
    position = {name: i for i, name in enumerate(inputs)}
    observed = [n for n in inputs if n in observed_inputs(g, decision)]
    cones = domains.rule_cones[decision.key]
    case: dict[str, Any] = {}
    unique: dict[object, Node] = {}
    count = [0, 0]  # evaluations, splits

    def evaluate(function: Callable[[], Any]) -> Any:
        count[0] += 1
        if count[0] > MAX_EVALUATIONS:
            raise _TooLarge
        return function()

    def grow(assigned: frozenset[str]) -> Node:
        pending = [n for n in observed if n not in assigned]
        if pending:
            name = pending[0]
        else:
            raw = evaluate(lambda: completion(case, case)[0])
            if raw[1] != outcome.UNKNOWN:
                return share(g._decision_result(decision, raw, dict(case)))
            reads = frozenset().union(*(cone for i, cone in enumerate(cones) if raw[3] >> i & 1))
            name = next((n for n in inputs if n not in assigned and n in reads), None)
            if name is None:  # every input the unknown rules read is placed: the runtime's answer for this cell
                held = dict(case)
                found = evaluate(lambda: g.code.fast(held)[index])
                return share(g._decision_result(decision, found, held, True))
        below = assigned | {name}
        children = [grow(below)]  # missing
        for value in values[name]:
            case[name] = value
            children.append(grow(below))
        del case[name]
        first = children[0]
        if all(child is first for child in children):
            return first
        count[1] += 1
        return share((*children, position[name]))

    def share(node: Node) -> Node:
        return unique.setdefault(node, node)

    try:
        root = grow(frozenset())
    except _TooLarge:
        return None
    find, source = writer.write([(name, tables[name]) for name in inputs], root)
    leaves = sum(1 for node in unique.values() if not isinstance(node, tuple))
    return Compiled(find, inputs, count[1], leaves, count[0], source)


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


def representatives(domains: Domains, name: str) -> tuple[object, ...]:
    """One value per class of `name`, in the order of its class indices (1, 2, …)."""
    table = class_table(domains, name)
    found = domains.classes[name]
    assert found is not None, name
    if not isinstance(table, tuple):
        return tuple(found)
    cuts, fine = table
    first: dict[int, object] = {}
    for value in found:
        first.setdefault(_fine(cuts, fine, value), value)  # type: ignore[arg-type]
    return tuple(first[k] for k in sorted(first))


def class_table(domains: Domains, name: str) -> Table:
    """A yes/no's or kind's values by class index; for a number, quantity or date, its sorted static cut points
    and the class index of each fine class (2i below cut i, 2i + 1 at it; None where no representative falls),
    classes numbered from 1 in the order of their first representative."""
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


def _fine(cuts: tuple[object, ...], fine: tuple[int | None, ...], value: object) -> int:
    from bisect import bisect_left, bisect_right

    found = fine[bisect_left(cuts, value) + bisect_right(cuts, value)]
    assert found is not None
    return found
