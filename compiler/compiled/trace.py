"""A trace's Steps, made as the traced evaluator (eligo.python.traced) runs: per trace site, a maker of its Steps.

A maker fills a Step from its site's template (kind, text, span, decision, rule and units, fixed when the code is
written) and the value and operands the evaluator computed. Where what a Step shows is a function of a key (the
operands that are not constants, or the value), the site has a memo of the Steps made, by key: the evaluator
records the Step its memo has, and calls the maker only for a key it has not seen, which keeps the Step made in
the memo (up to MEMO_STEPS per site; Steps are immutable, so one serves every case with that key).
"""

from __future__ import annotations

from collections.abc import Callable

from eligo.compiled.result import Step
from eligo.dsl.ast import Span

MEMO_STEPS = 256  # trace Steps kept per site for reuse (a site of counts or dates may see many)
Maker = Callable[..., Step]  # (value, operands), or (key, value, operands) for a site with a memo


def maker(kind: str, text: str, span: Span, decision: str | None, rule: str | None, units: tuple[str | None, ...],
          memo: dict[object, Step] | None = None) -> Maker:
    """The maker of a site's Steps: `make(value, operands)`, or with a memo `make(key, value, operands)`, which
    keeps the Step in `memo` under `key`. Each Step is filled in a class of the same layout and then made a Step:
    a frozen dataclass's __init__ pays object.__setattr__ per field, more than the evaluation of a condition."""
    template = (kind, text, span, decision, rule, units)

    def make(value: object, operands: tuple[object, ...]) -> Step:
        step = _StepSlots()
        step.kind, step.text, step.span, step.decision, step.rule, step.units = template
        step.value = value
        step.operands = operands
        step.__class__ = Step  # type: ignore[assignment]
        return step  # type: ignore[return-value]

    if memo is None:
        return make

    def remember(key: object, value: object, operands: tuple[object, ...]) -> Step:
        step = _StepSlots()
        step.kind, step.text, step.span, step.decision, step.rule, step.units = template
        step.value = value
        step.operands = operands
        step.__class__ = Step  # type: ignore[assignment]
        if len(memo) < MEMO_STEPS:
            memo[key] = step  # type: ignore[assignment]
        return step  # type: ignore[return-value]

    return remember


class _StepSlots:
    """A Step's slots, assignable (see `maker`)."""

    __slots__ = Step.__slots__
    kind: str
    text: str
    span: Span
    value: object
    operands: tuple[object, ...]
    decision: str | None
    rule: str | None
    units: tuple[str | None, ...]
