"""Exact sets of values for the static analysis: enumerations, and unions of intervals over a
variable's domain, which is the reals, the integers, or the values `months between` (or `days
between`) can take: whole months plus whole days / 30.4375, so that `(12, 12.01)` is empty.

>>> months = Domain("months")
>>> pick(months, (Interval(12.0, False, math.inf, False),)) == 12 + 1 / 30.4375
True
>>> pick(Domain("int", low=0), atom(Domain("int", low=0), "<", 0.5))
0
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from eligo.ir.units import DAYS_PER_MONTH

INF = math.inf


@dataclass(frozen=True, slots=True)
class Interval:
    low: float
    low_closed: bool
    high: float
    high_closed: bool

    def has(self, x: float) -> bool:
        above = x > self.low or (self.low_closed and x == self.low)
        below = x < self.high or (self.high_closed and x == self.high)
        return above and below


Intervals = tuple[Interval, ...]
Values = frozenset[object] | Intervals


@dataclass(frozen=True, slots=True)
class Domain:
    kind: Literal["enum", "real", "int", "months", "days"]
    values: tuple[object, ...] = ()
    low: float = -INF
    high: float = INF

    @property
    def numeric(self) -> bool:
        return self.kind != "enum"


def full(domain: Domain) -> Values:
    if not domain.numeric:
        return frozenset(domain.values)
    return (Interval(domain.low, domain.low > -INF, domain.high, domain.high < INF),)


def atom(domain: Domain, op: str, value: object) -> Values:
    """The values `x` of the domain with `x op value`."""
    if not domain.numeric:
        inside = frozenset(v for v in domain.values if v == value)
        return inside if op == "=" else frozenset(domain.values) - inside if op == "!=" else frozenset()
    c = float(value)  # type: ignore[arg-type]
    parts = {
        "<": (Interval(-INF, False, c, False),),
        "<=": (Interval(-INF, False, c, True),),
        ">": (Interval(c, False, INF, False),),
        ">=": (Interval(c, True, INF, False),),
        "=": (Interval(c, True, c, True),),
        "!=": (Interval(-INF, False, c, False), Interval(c, False, INF, False)),
    }[op]
    return intersect(parts, full(domain))


def intersect(a: Values, b: Values) -> Values:
    if isinstance(a, frozenset) or isinstance(b, frozenset):
        return frozenset(a) & frozenset(b)
    out = []
    for x in a:
        for y in b:
            low, low_open = max((x.low, not x.low_closed), (y.low, not y.low_closed))
            high, high_closed = min((x.high, x.high_closed), (y.high, y.high_closed))
            interval = Interval(low, not low_open, high, high_closed)
            if low < high or (low == high and interval.low_closed and interval.high_closed):
                out.append(interval)
    return _normal(out)


def union(a: Values, b: Values) -> Values:
    if isinstance(a, frozenset) or isinstance(b, frozenset):
        return frozenset(a) | frozenset(b)
    return _normal([*a, *b])


def complement(domain: Domain, a: Values) -> Values:
    if isinstance(a, frozenset):
        return frozenset(domain.values) - a
    gaps: list[Interval] = []
    low, low_closed = -INF, False
    for x in _normal(list(a)):
        gaps.append(Interval(low, low_closed, x.low, not x.low_closed))
        low, low_closed = x.high, not x.high_closed
    gaps.append(Interval(low, low_closed, INF, False))
    return intersect(_normal([g for g in gaps if g.low < g.high or (g.low_closed and g.high_closed)]), full(domain))


def _normal(intervals: list[Interval]) -> Intervals:
    ordered = sorted(intervals, key=lambda i: (i.low, not i.low_closed))
    out: list[Interval] = []
    for x in ordered:
        if out:
            last = out[-1]
            touching = x.low < last.high or (x.low == last.high and (x.low_closed or last.high_closed))
            if touching:
                high, high_closed = max((last.high, last.high_closed), (x.high, x.high_closed))
                out[-1] = Interval(last.low, last.low_closed, high, high_closed)
                continue
        out.append(x)
    return tuple(out)


def subset(domain: Domain, a: Values, b: Values) -> bool:
    return pick(domain, intersect(a, complement(domain, b))) is None


def pick(domain: Domain, a: Values) -> object | None:
    """A value of the domain in `a` (the lowest, preferring a threshold itself), or None if there is none."""
    if isinstance(a, frozenset):
        return next((v for v in domain.values if v in a), None)
    for interval in a:
        value = _pick(domain, interval)
        if value is not None:
            return value
    return None


def _pick(domain: Domain, i: Interval) -> float | int | None:
    if domain.kind == "int":
        first = math.ceil(i.low) if i.low_closed else math.floor(i.low) + 1 if i.low > -INF else None
        last = math.floor(i.high) if i.high_closed else math.ceil(i.high) - 1 if i.high < INF else None
        value = first if first is not None else last if last is not None else 0
        return value if i.has(value) else None
    if domain.kind == "real":
        if i.low_closed:
            return i.low
        if i.high_closed:
            return i.high
        if i.low > -INF and i.high < INF:
            return (i.low + i.high) / 2
        return i.low + 1 if i.low > -INF else i.high - 1 if i.high < INF else 0.0
    anchor = i.low if i.low > -INF else i.high if i.high < INF else 0.0
    found = sorted(v for v in _grid(domain, anchor) if i.has(v))
    if not found:
        return None
    return found[0] if i.low > -INF else found[-1]


def _grid(domain: Domain, near: float) -> list[float]:
    """The values of a `months between` (or `days between`) domain around `near`."""
    if domain.kind == "days":
        k = math.floor(near * DAYS_PER_MONTH)
        return [j / DAYS_PER_MONTH for j in range(k - 2, k + 3)]
    whole = math.floor(abs(near))
    out: list[float] = []
    for m in range(max(whole - 1, 0), whole + 2):
        for days in range(31):
            value = m + days / DAYS_PER_MONTH
            out.extend((value, -value))
    return out


def pieces(domain: Domain, region: Values, sets: Sequence[Values]) -> list[Values]:
    """`region` cut into non-empty parts, each either inside or outside every one of `sets`."""
    if isinstance(region, frozenset):
        groups: dict[tuple[bool, ...], set[object]] = {}
        for value in domain.values:
            if value in region:
                groups.setdefault(tuple(value in s for s in sets), set()).add(value)
        return [frozenset(g) for g in groups.values()]
    cuts = sorted({x for s in sets if not isinstance(s, frozenset) for i in s for x in (i.low, i.high)
                   if -INF < x < INF})
    elementary: list[Interval] = []
    low = -INF
    for cut in cuts:
        elementary.append(Interval(low, False, cut, False))
        elementary.append(Interval(cut, True, cut, True))
        low = cut
    elementary.append(Interval(low, False, INF, False))
    out: list[Values] = []
    for part in elementary:
        inside = intersect((part,), region)
        if pick(domain, inside) is not None:
            out.append(inside)
    return out
