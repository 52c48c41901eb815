"""What a guideline's own examples exercise: rules, outcomes, and each threshold (below, on, above)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from eligo import ir
from eligo.compiled.guideline import ExampleRun, Guideline
from eligo.verify.boundaries import Threshold
from eligo.verify.report import Coverage, ThresholdCoverage


def coverage(g: Guideline, decisions: Sequence[ir.Decision], thresholds: Sequence[Threshold],
             runs: Sequence[ExampleRun]) -> Coverage:
    rules: dict[str, tuple[str, ...]] = {}
    outcomes: dict[str, tuple[str, ...]] = {}
    rules_hit: dict[str, set[str]] = {}
    outcomes_hit: dict[str, set[str]] = {}
    for d in decisions:
        rules[d.name] = tuple(r.name for r in d.rules) + (("otherwise",) if d.default is not None else ())
        outcomes[d.name] = d.outcomes
        rules_hit[d.name], outcomes_hit[d.name] = set(), set()
    for run in runs:
        if run.result is None:
            continue
        for name, result in run.result.decisions.items():
            if name not in rules or result.status not in ("decided", "open"):  # an open question is its rule's
                continue
            if result.rule is not None:
                rules_hit[name].add(result.rule)
            values = result.value if isinstance(result.value, tuple) else (result.value,)
            outcomes_hit[name].update(v for v in values if v is not None)
    return Coverage(
        len(runs), rules, {k: tuple(r for r in rules[k] if r in v) for k, v in rules_hit.items()},
        outcomes, {k: tuple(o for o in outcomes[k] if o in v) for k, v in outcomes_hit.items()},
        tuple(_thresholds(thresholds, runs)))


def _thresholds(thresholds: Sequence[Threshold], runs: Sequence[ExampleRun]) -> list[ThresholdCoverage]:
    """One entry per comparison and constant, with the sides of it the examples put its subject on."""
    seen: dict[tuple[object, object], Threshold] = {}
    for t in thresholds:
        seen.setdefault((t.span, t.constant), t)
    out = []
    for t in seen.values():
        below = on = above = False
        for run in runs:
            if run.result is None:
                continue
            for step in run.result.trace:
                if step.span != t.span or step.kind not in ("condition", "lookup") or not step.operands:
                    continue
                if step.kind == "lookup":  # a band's bound: its key is the operand at the band's column
                    if t.position >= len(step.operands):
                        continue
                    compared = step.operands[t.position]
                else:
                    compared = step.operands[1] if t.position == 0 and len(step.operands) > 1 else step.operands[0]
                side = _side(compared, t.constant)
                below, on, above = below or side == -1, on or side == 0, above or side == 1
        out.append(ThresholdCoverage(t.text, str(t.span), t.shown(), below, on, above))
    return out


def _side(value: object, constant: object) -> int:
    """-1, 0 or 1: where `value` lies relative to the threshold (0 when not comparable)."""
    if isinstance(value, (int, float)) and isinstance(constant, (int, float)) and not isinstance(value, bool):
        return (value > constant) - (value < constant)
    if isinstance(value, dt.date) and isinstance(constant, dt.date):
        return (value > constant) - (value < constant)
    return 2
