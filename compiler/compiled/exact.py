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

import dataclasses
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
           completion: Completion | None) -> tuple[list[Answer], dict[tuple[object, ...], outcome.Outcome]] | None:
    """Every completion's outcome, or None when completions cannot decide exactly (opaque input, too many)."""
    if completion is None or not missing or not domains.splittable(missing) \
            or domains.completions(missing) > MAX_COMPLETIONS:
        return None
    classes = [domains.classes[name] or () for name in missing]
    results: dict[tuple[object, ...], outcome.Outcome] = {}
    filled = dict(prepared)
    for combo in itertools.product(*classes):
        filled.update(zip(missing, combo, strict=True))
        result = completion(filled, prepared)[0]
        if result[1] == outcome.UNKNOWN:  # something the completions do not fill: no exact answer here
            return None
        results[combo] = result
    return sorted({(_plain(r[0]), r[1]) for r in results.values()}, key=repr), results


def relevant(missing: Sequence[str], results: Mapping[tuple[object, ...], outcome.Outcome]) -> tuple[str, ...]:
    """The missing inputs for which two completions differing in that input alone give different outcomes."""
    out = []
    for index, name in enumerate(missing):
        groups: dict[tuple[object, ...], set[Answer]] = {}
        for combo, result in results.items():
            groups.setdefault(combo[:index] + combo[index + 1:], set()).add((_plain(result[0]), result[1]))
        if any(len(answers) > 1 for answers in groups.values()):
            out.append(name)
    return tuple(out)


def decide(decision: ir.Decision, kleene: DecisionResult, raw: outcome.Outcome, prepared: Mapping[str, Any],
           missing: Sequence[str], domains: Domains, completion: Completion | None) -> DecisionResult:
    """The exact result of a decision the three-valued evaluator left unknown (or its sound approximation)."""
    refined = refine(decision, prepared, missing, domains, completion)
    if refined is None or decision.policy == "collect":
        return _replace(kleene, exact=False)
    answers, results = refined
    if len(answers) == 1:
        (value, status), = answers
        rules = {r[2] for r in results.values()}
        rule = _rule(decision, rules.pop()) if len(rules) == 1 else None
        name = outcome.STATUSES[status]
        return DecisionResult(decision.name, value if status == outcome.DECIDED else None, name, (),  # type: ignore[arg-type]
                              rule.name if rule and name == "decided" else None,
                              rule.because if rule and name == "decided" else (),
                              rule.cites if rule and name == "decided" else (), (),
                              (value if status == outcome.DECIDED else NO_OUTCOME,))  # type: ignore[arg-type]
    found = [value if status == outcome.DECIDED else NO_OUTCOME for value, status in answers]
    return _replace(kleene, missing=relevant(missing, results), possible=ordered(decision, found))


def _rule(decision: ir.Decision, index: int) -> ir.Rule | None:
    if index >= 0:
        return decision.rules[index]
    return decision.default if index == outcome.OTHERWISE else None


def _plain(value: object) -> object:
    return None if value is ir.NA else value


def _replace(result: DecisionResult, **changes: Any) -> DecisionResult:
    return dataclasses.replace(result, **changes)
