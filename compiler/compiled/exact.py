"""Exact unknowns: what the data decides, what is still possible, and exactly which missing inputs matter.

A decision is *decided* when every completion of the missing inputs (values of their declared types and
ranges) gives the same outcome. The fast evaluator answers with three-valued (Kleene) logic, which is sound:
what it decides is decided. When it says unknown, `refine` completes the missing inputs of the rules it left
unknown one at a time, one representative per class of values the guideline tells apart (eligo.ir.domains),
re-deciding three-valued after each step and stopping a branch as soon as that decides it. The result is a
reduced decision diagram of the outcome over those inputs:
- `possible` is the set of its leaves (`none` where no rule applies or rules conflict);
- one leaf means the decision is decided after all;
- `missing` is the inputs it splits on: exactly those for which two completions differing in that input alone
  give different outcomes.
The classes of an input compared through arithmetic with other inputs, or through `months between` with another
date, follow from those inputs' values in the case (eligo.compiled.cuts). A partly known (or missing) list is one
split too, whose classes are whole lists: one complete list per state of the decision's list operations that some
completion reaches (eligo.ir.list_domains says why that is enough; eligo.compiled.list_states searches them), so
`missing` names the list exactly when some completion of it changes the answer. When a branch still needs an
input whose classes the case does not determine (an opaque input; a relative one whose partner is missing too, as
when both dates of a `months between` are; a list read in a way its states cannot stand for), or the completions
would be more than `MAX_COMPLETIONS`, the three-valued answer stands, marked `exact=False`: its `possible` is the
outcomes of the rules not yet ruled out, and `missing` the missing inputs those rules read.

This is the refinement of one case at run time. A decision evaluated often (BUILD_AFTER unknown cases in a process)
answers from its compiled diagram instead (eligo.compiled.diagram): the same results, as a function of the classes
of its inputs, built once; the cases it does not cover are refined here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from eligo import ir
from eligo.compiled import cuts, list_states
from eligo.compiled.result import DecisionResult
from eligo.ir import outcome
from eligo.ir.domains import MAX_COMPLETIONS, Domains
from eligo.ir.outcome import NO_OUTCOME, OPEN_OUTCOME

Answer = tuple[object, int]  # (value, status) of one completion
Completion = Callable[[Mapping[str, Any], Mapping[str, Any]], tuple[outcome.Outcome, ...]]


def kleene_possible(decision: ir.Decision, raw: outcome.Outcome) -> tuple[str, ...]:
    """The outcomes a three-valued answer leaves open: the unknown rules', and that of the rule (or `otherwise`)
    that fires after them; NO_OUTCOME if possibly no rule applies. Not listed for `collect` decisions."""
    if decision.policy == "collect":
        return ()
    value, status, rule, mask = raw
    if status != outcome.UNKNOWN:
        if status == outcome.OPEN:
            return (OPEN_OUTCOME,)
        return (value,) if status == outcome.DECIDED and isinstance(value, str) else (NO_OUTCOME,)
    found = [r.outcome for i, r in enumerate(decision.rules) if mask >> i & 1]
    if rule >= 0:
        found.append(decision.rules[rule].outcome)
    elif rule == outcome.OTHERWISE and decision.default is not None:
        found.append(decision.default.outcome)
    else:
        found.append(NO_OUTCOME)
    if decision.policy == "unique" and (mask & (mask - 1) or (rule >= 0 and mask)):
        found.append(NO_OUTCOME)  # two rules may both apply: a conflict
    return ordered(decision, found)


def ordered(decision: ir.Decision, found: Iterable[object]) -> tuple[str, ...]:
    """Outcomes in the decision's declared order, then `open`, NO_OUTCOME last (as the SQL back end lists them; the
    order of a set would differ between processes)."""
    rank = _ranks.get(id(decision))
    if rank is None or rank[0] is not decision:
        rank = _ranks[id(decision)] = (decision, {o: i for i, o in enumerate(decision.outcomes)})
    order = rank[1]
    unique = {f for f in found if isinstance(f, str)}
    return tuple(sorted(unique, key=lambda o: (order.get(o, len(order)), o == NO_OUTCOME)))


_ranks: dict[int, tuple[ir.Decision, dict[str, int]]] = {}  # per decision (by identity): its outcomes' order


class _NotExact(Exception):
    """The completions cannot settle this decision exactly (too many, or something they do not fill)."""


Diagram = tuple[Any, ...]  # a leaf (answer,) or a split (input name, children by class)


class Refined(NamedTuple):
    """A decision as a function of its missing inputs: the reduced diagram, the answers at its leaves, the inputs it
    splits on, and the rules that decided its leaves."""

    diagram: Diagram
    answers: set[Answer]
    splits: set[str]
    rules: set[int]


def refine(decision: ir.Decision, prepared: Mapping[str, Any], missing: Sequence[str], domains: Domains,
           completion: Completion | None, mask: int | None = None) -> Refined | None:
    """The decision as a function of its missing inputs: a reduced decision diagram over their classes. A branch
    stops as soon as three-valued evaluation of the partly completed case decides it (three values are sound, so
    every completion below agrees); a split whose branches are all alike is dropped, so an input appears in the
    diagram exactly when the outcome depends on it. Leaves and splits are gathered as the diagram is built (the
    branches of a dropped split are all alike, so what they hold is in the one kept). A branch skips the inputs
    that no rule it leaves unknown reads (the split on them would be dropped: its branches are alike), so the
    diagram is the same, built with fewer evaluations; `mask` is the case's own unknown rules (then it is not
    evaluated again). None when completions cannot decide exactly (an input whose classes the case does not
    determine, too many evaluations)."""
    if completion is None or not missing:
        return None
    splits: list[tuple[str, tuple[Any, ...] | None, str | None]] = []  # input, its classes, the other date of a pair
    total = 1
    whole: list[tuple[str, tuple[Any, ...] | None, str | None]] = []  # lists, split last: a branch may not need them
    for name in missing:
        classes = cuts.classes(domains, name, prepared)
        if classes is None and (listed := domains.lists.get((decision.key, name))) is not None:
            classes = list_states.completions(listed, prepared.get(name), domains.memo)  # whole lists
            if classes is not None:
                whole.append((name, classes, None))
                total *= len(classes)
                continue
        splits.append((name, classes, None))
        total *= len(classes) if classes is not None else 1
    splits += whole
    if any(classes is None for _, classes, _ in splits):
        for pair in domains.joint:  # both dates of a time between them missing: split on that time alone
            if pair.start in missing and pair.end in missing:
                splits = [s for s in splits if s[0] not in (pair.start, pair.end)]
                completions = cuts.joint(domains, pair)
                splits.append((pair.start, completions, pair.end))
                total *= len(completions)
        splits.sort(key=lambda split: split[1] is None)  # what cannot be split last: a branch may not need it
        if splits[0][1] is None:
            return None
    if total > MAX_COMPLETIONS:  # also bounds the diagram: at most that many leaves
        return None
    last = len(splits)
    filled = dict(prepared)
    answers: set[Answer] = set()
    split: set[str] = set()
    rules: set[int] = set()
    cones = domains.rule_cones.get(decision.key)
    wanted, key = domains.wanted, decision.key

    def build(index: int, unknown: int) -> Diagram:
        """The diagram below a partly completed case that three values leave unknown (its unknown rules' mask)."""
        if cones is not None:  # skip what no rule left unknown here reads
            reads = wanted.get((key, unknown))
            if reads is None:
                reads = wanted[key, unknown] = frozenset().union(
                    *(cone for i, cone in enumerate(cones) if unknown >> i & 1))
            while index < last and splits[index][0] not in reads and splits[index][2] not in reads:
                index += 1
        if index == last:  # unknown with every input it needs completed: not ours to settle
            raise _NotExact
        name, values, other = splits[index]
        if values is None:  # an input whose classes this case does not determine (eligo.compiled.cuts)
            raise _NotExact
        children = []
        for item in values:
            if other is None:
                filled[name] = item
            else:  # a pair of dates, one class of the time between them
                filled[name], filled[other] = item
            value, status, rule, below = completion(filled, prepared)[0]
            if status == outcome.UNKNOWN:
                children.append(build(index + 1, below))
                continue
            rules.add(rule)
            answer = (None if value is ir.NA else value, status)
            answers.add(answer)
            children.append((answer,))
        del filled[name]
        if other is not None:
            del filled[other]
        first = children[0]
        for child in children:
            if child != first:
                split.add(name)
                if other is not None:  # either date alone moves the time across every threshold
                    split.add(other)
                return (name, tuple(children))
        return first

    try:  # the case itself is unknown (three values say so): split it without evaluating it again
        return Refined(build(0, mask if mask is not None else completion(prepared, prepared)[0][3]), answers, split,
                       rules)
    except _NotExact:
        return None


def decide(decision: ir.Decision, raw: outcome.Outcome, prepared: Mapping[str, Any], missing: tuple[str, ...],
           possible: tuple[str, ...], domains: Domains, completion: Completion | None) -> DecisionResult:
    """The exact result of a decision the three-valued evaluator left unknown (with `missing` and `possible` as it
    has them), or that three-valued answer marked inexact when completions cannot settle it."""
    refined = refine(decision, prepared, missing, domains, completion, raw[3]) if decision.policy != "collect" \
        else None
    if refined is None:
        return DecisionResult(decision.name, None, "unknown", missing, None, (), (), (), possible, False)
    return settled(decision, refined, missing)


def settled(decision: ir.Decision, refined: Refined, missing: Sequence[str]) -> DecisionResult:
    """The result a refinement gives (its diagram need only tell one leaf from several): decided when every
    completion gives one answer (by its rule when one rule gives it), else unknown between the answers, for want
    of the `missing` inputs it splits on."""
    if len(refined.diagram) == 1:
        value, status = refined.diagram[0]
        rules = refined.rules
        by_rule = len(rules) == 1 and status in (outcome.DECIDED, outcome.OPEN)
        rule = _rule(decision, rules.pop()) if by_rule else None
        return DecisionResult(decision.name, value if status == outcome.DECIDED else None,
                              outcome.STATUSES[status], (), rule.name if rule else None,
                              rule.because if rule else (), rule.cites if rule else (), (), (_leaf(value, status),))
    found = [_leaf(value, status) for value, status in refined.answers]
    return DecisionResult(decision.name, None, "unknown", tuple(n for n in missing if n in refined.splits),
                          None, (), (), (), ordered(decision, found))


def _leaf(value: object, status: int) -> str:
    """A completion's answer as a `possible` entry: its outcome, `open` for an open question, else `none`."""
    return str(value) if status == outcome.DECIDED else OPEN_OUTCOME if status == outcome.OPEN else NO_OUTCOME


def _rule(decision: ir.Decision, index: int) -> ir.Rule | None:
    if index >= 0:
        return decision.rules[index]
    return decision.default if index == outcome.OTHERWISE else None
