"""Exact unknowns: what the data decides, what is still possible, and exactly which missing inputs matter.

A decision is *decided* when every completion of the missing inputs (values of their declared types and
ranges) gives the same outcome. The fast evaluator answers with three-valued (Kleene) logic, which is sound:
what it decides is decided. When it says unknown, `refine` tries every completion of the missing inputs
the decision reads, one representative per class of values the guideline tells apart (eligo.ir.domains):
- `possible` is the set of outcomes the completions give (None where no rule applies or rules conflict);
- one possible outcome means the decision is decided after all;
- `missing` is the inputs for which two completions that differ in that input alone give different outcomes.
When a missing input is opaque (used in arithmetic or `months between`), or the completions would be more
than `MAX_COMPLETIONS`, the Kleene answer stands, marked `exact=False`: its `possible` is the outcomes of the
rules not yet ruled out, and `missing` the missing inputs those rules read.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from eligo import ir
from eligo.compiled.result import DecisionResult
from eligo.ir import outcome
from eligo.ir.domains import MAX_COMPLETIONS, Domains
from eligo.ir.outcome import NO_OUTCOME

Answer = tuple[object, int]  # (value, status) of one completion
Completion = Callable[[Mapping[str, Any], Mapping[str, Any]], tuple[outcome.Outcome, ...]]


def kleene_possible(decision: ir.Decision, raw: outcome.Outcome) -> tuple[str, ...]:
    """The outcomes a three-valued answer leaves open: the unknown rules', and that of the rule (or `otherwise`)
    that fires after them; NO_OUTCOME if possibly no rule applies. Not listed for `collect` decisions."""
    if decision.policy == "collect":
        return ()
    value, status, rule, mask = raw
    if status != outcome.UNKNOWN:
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


def ordered(decision: ir.Decision, found: Sequence[object]) -> tuple[str, ...]:
    """Outcomes in the decision's declared order, NO_OUTCOME last."""
    rank = {o: i for i, o in enumerate(decision.outcomes)}
    unique = {f for f in found if isinstance(f, str)}
    return tuple(sorted(unique, key=lambda o: rank.get(o, len(rank))))


def refine(decision: ir.Decision, prepared: Mapping[str, Any], missing: Sequence[str], domains: Domains,
           completion: Completion | None) -> tuple[list[Answer], list[int], list[outcome.Outcome]] | None:
    """Every completion's outcome, in the order of `itertools.product` over the classes of `missing` (the last
    input varying fastest): the distinct answers, each completion's answer as an index into them, and the
    outcomes. None when completions cannot decide exactly (an opaque input, too many completions)."""
    if completion is None or not missing or not domains.splittable(missing) \
            or domains.completions(missing) > MAX_COMPLETIONS:
        return None
    classes = [domains.classes[name] or () for name in missing]
    answers: dict[Answer, int] = {}
    indices: list[int] = []
    outcomes: list[outcome.Outcome] = []
    filled = dict(prepared)
    for combo in itertools.product(*classes):
        filled.update(zip(missing, combo, strict=True))
        result = completion(filled, prepared)[0]
        if result[1] == outcome.UNKNOWN:  # something the completions do not fill: no exact answer here
            return None
        answer = (None if result[0] is ir.NA else result[0], result[1])
        indices.append(answers.setdefault(answer, len(answers)))
        outcomes.append(result)
    return list(answers), indices, outcomes


def relevant(missing: Sequence[str], sizes: Sequence[int], indices: Sequence[int]) -> tuple[str, ...]:
    """The missing inputs for which two completions differing in that input alone give different answers.
    `indices` holds each completion's answer in product order, so the completions that differ in input `i`
    alone are every `stride`-th one from a base, `stride` being the product of the sizes after `i`."""
    out = []
    total = len(indices)
    stride = total
    for name, size in zip(missing, sizes, strict=True):
        stride //= size
        block = stride * size
        if any(len(set(indices[base:base + block:stride])) > 1
               for start in range(0, total, block) for base in range(start, start + stride)):
            out.append(name)
    return tuple(out)


def decide(decision: ir.Decision, raw: outcome.Outcome, prepared: Mapping[str, Any], missing: tuple[str, ...],
           possible: tuple[str, ...], domains: Domains, completion: Completion | None) -> DecisionResult:
    """The exact result of a decision the three-valued evaluator left unknown (with `missing` and `possible` as it
    has them), or that three-valued answer marked inexact when completions cannot settle it."""
    refined = refine(decision, prepared, missing, domains, completion) if decision.policy != "collect" else None
    if refined is None:
        return DecisionResult(decision.name, None, "unknown", missing, None, (), (), (), possible, False)
    answers, indices, results = refined
    if len(answers) == 1:
        (value, status), = answers
        rules = {r[2] for r in results}
        rule = _rule(decision, rules.pop()) if len(rules) == 1 and status == outcome.DECIDED else None
        return DecisionResult(decision.name, value if status == outcome.DECIDED else None,  # type: ignore[arg-type]
                              outcome.STATUSES[status], (), rule.name if rule else None,
                              rule.because if rule else (), rule.cites if rule else (), (),
                              (value if status == outcome.DECIDED else NO_OUTCOME,))  # type: ignore[arg-type]
    found = [value if status == outcome.DECIDED else NO_OUTCOME for value, status in answers]
    sizes = [len(domains.classes[name] or ()) for name in missing]
    return DecisionResult(decision.name, None, "unknown", relevant(missing, sizes, indices), None, (), (), (),
                          ordered(decision, found))


def _rule(decision: ir.Decision, index: int) -> ir.Rule | None:
    if index >= 0:
        return decision.rules[index]
    return decision.default if index == outcome.OTHERWISE else None
