"""The classes of a relative input in one case (eligo.ir.domains): cut points from the other inputs the case holds,
the arithmetic between them undone with their values and `months between` inverted with the other date.

`classes(domains, name, case)` is the representatives of `name`'s classes given `case` (its static classes when it
has no relative comparison), or None when they cannot be known: an opaque input, or a relative one whose
comparisons read another input the case does not hold (the declared limit of exactness; see the language
reference). `months between start and end` never decreases as `end` moves later or `start` earlier, so the first
date at which it reaches a threshold is found by bisection over days with the evaluators' own function.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from eligo import ir
from eligo.ir.domains import Domains, Pair, representatives, undo
from eligo.ir.units import DAYS_PER_MONTH
from eligo.python.runtime import days_between, months_between

UNKNOWN = object()  # a value the case does not determine
MEMO = 4096  # cases' classes remembered per guideline, by the values they are computed from


def classes(domains: Domains, name: str, case: Mapping[str, Any]) -> tuple[object, ...] | None:
    """One representative per class of values of `name` that the guideline tells apart, given `case`."""
    static = domains.classes.get(name)
    if static is not None or name not in domains.sites:
        return static
    key = (name, *(case.get(p) for p in domains.partners[name]))
    known = domains.memo.get(key, UNKNOWN)  # one look-up: another thread may clear the memo meanwhile
    if known is not UNKNOWN:
        return known  # type: ignore[return-value]
    found = _relative(domains, name, case)
    if len(domains.memo) >= MEMO:
        domains.memo.clear()
    domains.memo[key] = found
    return found


REFERENCE = dt.date(2000, 1, 1)  # the start a pair of missing dates is completed from (the 1st: never clamped)


def joint(domains: Domains, pair: Pair) -> tuple[tuple[dt.date, object], ...]:
    """Completions of a pair of missing dates read only as the time between them (`Domains.joint`): one (start,
    end) per class of that time, the start fixed. Whole-month thresholds are reached exactly from the 1st of a
    month, so every class of the time is reached from it."""
    key = ("joint", pair)
    known = domains.memo.get(key, UNKNOWN)
    if known is not UNKNOWN:
        return known  # type: ignore[return-value]
    days = {c for months in domains.joint[pair] if (c := _crossing(pair, True, REFERENCE, months)) is not None}
    crossings: list[object] = [*sorted(days)]
    ends = representatives(domains.inputs[pair.end], crossings) or (REFERENCE,)
    found = tuple((REFERENCE, end) for end in ends)
    domains.memo[key] = found
    return found


def _relative(domains: Domains, name: str, case: Mapping[str, Any]) -> tuple[object, ...] | None:
    sides = dict(domains.cuts[name])
    cuts = list(sides)
    info = domains.inputs[name]

    def operand(node: object) -> object:
        return value(node, case, domains.bodies) if isinstance(node, ir.Node) else node

    for site in domains.sites[name]:
        targets = site.against if isinstance(site.against, tuple) else (operand(site.against),)
        for target in targets:
            if target is UNKNOWN:
                return None
            if target is ir.NA or target is None:
                continue
            if isinstance(target, dt.date):
                if not site.steps and site.pair is None:
                    cuts.append(target)
                continue
            if not isinstance(target, (int, float)) or isinstance(target, bool):
                continue
            if any(operand(s.operand) is UNKNOWN for s in site.steps):
                return None
            undone = undo(site.steps, float(target), operand)  # none: it does not depend on `name` in this case
            if site.pair is None:
                cuts.extend(undone)
                continue
            other = case.get(site.pair.start if name == site.pair.end else site.pair.end)
            if not isinstance(other, dt.date):
                return None
            for months in undone:
                crossing = _crossing(site.pair, name == site.pair.end, other, months)
                if crossing is not None:
                    cuts.append(crossing)
    if info.type.kind == "date":
        cuts = [c for c in cuts if isinstance(c, dt.date)]
    else:
        cuts = [c for c in cuts if isinstance(c, (int, float))]
    for cut in cuts:
        sides.setdefault(cut, "eq")
    return representatives(info, sorted(set(cuts)), sides)  # type: ignore[type-var]


def _crossing(pair: Pair, moving_end: bool, other: dt.date, months: float) -> dt.date | None:
    """The last start (or first end) at which the time from start to end reaches `months`; None beyond the
    calendar (then every date is on one side)."""
    between: Callable[[dt.date, dt.date], float] = months_between if pair.unit == "months" else days_between

    def reaches(days: int) -> bool:  # never false after true as `days` grows
        moved = other + dt.timedelta(days=days) if moving_end else other - dt.timedelta(days=days)
        return between(other, moved) >= months if moving_end else between(moved, other) >= months

    guess = round(months * DAYS_PER_MONTH)
    low, high = guess - 64, guess + 64
    try:
        while reaches(low):
            low -= 4 * (high - low)
        while not reaches(high):
            high += 4 * (high - low)
        while high - low > 1:  # reaches(high) and not reaches(low)
            middle = (low + high) // 2
            if reaches(middle):
                high = middle
            else:
                low = middle
        return other + dt.timedelta(days=high) if moving_end else other - dt.timedelta(days=high)
    except (OverflowError, ValueError):
        return None


def value(node: ir.Node, case: Mapping[str, Any], bodies: Mapping[str, ir.Node]) -> object:
    """`node`'s value in `case` for the arithmetic a relative comparison reads (UNKNOWN if the case lacks it)."""
    match node:
        case ir.Const(constant):
            return UNKNOWN if constant is None else constant
        case ir.InputRef(input_name):
            found = case.get(input_name)
            return UNKNOWN if found is None else found
        case ir.DefRef(key, _, False) if key in bodies:
            return value(bodies[key], case, bodies)
        case ir.Neg(operand):
            inner = value(operand, case, bodies)
            return inner if inner is UNKNOWN or inner is ir.NA else -inner  # type: ignore[operator]
        case ir.FirstKnown(items):
            for item in items:
                found = value(item, case, bodies)
                if found is not UNKNOWN:
                    return found
            return UNKNOWN
        case ir.Elapsed(unit, start, end):
            a, b = value(start, case, bodies), value(end, case, bodies)
            if not isinstance(a, dt.date) or not isinstance(b, dt.date):
                return UNKNOWN
            return months_between(a, b) if unit in ("months", "years") else days_between(a, b)
        case ir.Arith(op, left, right):
            a, b = value(left, case, bodies), value(right, case, bodies)
            if a is UNKNOWN or b is UNKNOWN:
                return UNKNOWN
            if a is ir.NA or b is ir.NA or (op == "/" and b == 0):
                return ir.NA
            return a + b if op == "+" else a - b if op == "-" else a * b if op == "*" else a / b  # type: ignore[operator]
    return UNKNOWN
