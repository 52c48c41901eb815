"""What generated evaluators call at run time: Kleene helpers, durations, and the non-first hit policies.

`HELPERS` names every function generated code may call; `evaluator.namespace` passes exactly those.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from eligo import ir
from eligo.ir import lists, outcome
from eligo.ir.units import DAYS_PER_MONTH

NA = ir.NA


def months_between(start: dt.date, end: dt.date) -> float:
    """Whole calendar months from `start` to `end`, plus the leftover days / 30.4375.

    A month after the 31st is the last day of a shorter month (end-of-month clamping).

    >>> months_between(dt.date(2024, 1, 10), dt.date(2025, 1, 10))
    12.0
    >>> round(months_between(dt.date(2024, 1, 31), dt.date(2024, 3, 1)), 3)
    1.033
    """
    if end < start:
        return -months_between(end, start)
    # the anchor, `start` moved on by whole months, is in the month of `end` or the one before; its day is
    # start's, clamped to that month's last: the days after it are counted without building a date
    year, month, day, first = end.year, end.month, end.day, start.day
    months = (year - start.year) * 12 + month - start.month
    last = _last_day(year, month)
    anchor = first if first <= last else last
    if anchor <= day:
        return months + (day - anchor) / DAYS_PER_MONTH
    year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    last = _last_day(year, month)
    anchor = first if first <= last else last
    return months - 1 + (last - anchor + day) / DAYS_PER_MONTH


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _last_day(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def days_between(start: dt.date, end: dt.date) -> float:
    """Exact days, expressed in months (the canonical duration unit)."""
    return (end - start).days / DAYS_PER_MONTH


def divide(a: float, b: float) -> object:
    return NA if b == 0 else a / b


def kleene_between(value: Any, low: Any, high: Any) -> bool | None:
    above = None if value is None or low is None else (False if value is NA or low is NA else value >= low)
    below = None if value is None or high is None else (False if value is NA or high is NA else value <= high)
    if above is False or below is False:
        return False
    if above is None or below is None:
        return None
    return True


def kleene_in(value: Any, items: Sequence[Any], negated: bool) -> bool | None:
    if value is None:
        return None
    if value is NA:
        return negated
    if value in items:
        return not negated
    if any(item is None for item in items):
        return None
    return negated


def kleene_and(values: Sequence[bool | None]) -> bool | None:
    """Kleene `and` of computed truths (generated code uses it where blocks would nest too deep)."""
    return False if False in values else (None if None in values else True)


def kleene_or(values: Sequence[bool | None]) -> bool | None:
    """Kleene `or` of computed truths, as `kleene_and`."""
    return True if True in values else (None if None in values else False)


def first_known(values: Sequence[Any]) -> Any:
    """The first value that is not unknown (generated code uses it where blocks would nest too deep)."""
    return next((v for v in values if v is not None), None)


def decide_unique(conditions: tuple[bool | None, ...], outcomes: tuple[str, ...], default: str | None,
                  order: tuple[str, ...]) -> outcome.Outcome:
    """The `unique` hit policy: at most one rule may fire; two that fire are a conflict."""
    fired = [i for i, c in enumerate(conditions) if c is True]
    unknown = [i for i, c in enumerate(conditions) if c is None]
    unk = sum(1 << i for i in unknown)
    if len({outcomes[i] for i in fired}) > 1 or len(fired) > 1:
        return outcome.conflict(fired[0], sum(1 << i for i in fired))
    if fired:
        value, index = outcomes[fired[0]], fired[0]
    elif default is not None:
        value, index = default, outcome.OTHERWISE
    else:
        return outcome.unknown(outcome.NO_RULE, unk) if unknown else outcome.UNMATCHED_OUTCOME
    if any(outcomes[i] != value for i in unknown):
        return outcome.unknown(index, unk)
    return outcome.decided(value, index)


def decide_collect(conditions: tuple[bool | None, ...], outcomes: tuple[str, ...], default: str | None,
                   order: tuple[str, ...]) -> outcome.Outcome:
    """The `collect` hit policy: the set of outcomes of every rule that fires, in the declared order."""
    fired = {outcomes[i] for i, c in enumerate(conditions) if c is True}
    unknown = [i for i, c in enumerate(conditions) if c is None and outcomes[i] not in fired]
    if unknown:
        return outcome.unknown(outcome.NO_RULE, sum(1 << i for i in unknown))
    if not fired and default is not None:
        fired = {default}
    return outcome.decided(tuple(o for o in order if o in fired), outcome.NO_RULE)


# list operations (eligo.ir.lists holds their meaning)
list_bounds, list_compare, list_value = lists.bounds, lists.compare_bounds, lists.value_of
list_quantify, list_extreme = lists.quantify, lists.extreme


class Unknown(Exception):
    """Raised by a shared definition of a two-valued evaluator that met an unknown value: the evaluator that
    called it answers through its three-valued `fallback` instead."""


class _Unset:
    """The value of a shared definition not computed yet (it is computed on first use)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()

HELPERS = ("months_between", "days_between", "divide", "kleene_between", "kleene_in", "kleene_and", "kleene_or",
           "first_known", "decide_unique", "decide_collect", "list_bounds", "list_compare", "list_extreme",
           "list_quantify", "list_value")
