"""Decision tables, expanded once: the key domains of a table and, per combination of key values, the first row
that matches it (`any` matches every value). Lowering checks gaps with it, the verifier dead rows, and the
Python back end builds its lookup dictionaries from it.

A column keyed by a number, count, percent, duration or quantity holds bands (`Band`). Its values fall into
*pieces*: each bound of the column's bands, and each open stretch between two consecutive bounds. Every value
of one piece lies in the same bands, so a piece stands for all its values (`piece` finds it by bisection):

>>> low, high = Band(0, True, 2, True), Band(3, True, None, False)
>>> cuts = column_cuts([(low,), (high,)], 0)
>>> cuts, [piece(cuts, x) for x in (-1, 0, 1, 2, 2.5, 3, 9)]
((0.0, 2.0, 3.0), [0, 1, 2, 3, 4, 5, 6])
>>> [low.contains(representative(cuts, i)) for i in range(7)]
[False, True, True, True, False, False, False]
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from eligo.ir.types import Type


@dataclass(frozen=True, slots=True)
class Band:
    """Values from `low` to `high` (canonical units; None: no end), each end included or not."""

    low: float | None
    low_in: bool
    high: float | None
    high_in: bool

    def contains(self, value: object) -> bool:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return False
        if self.low is not None and (value < self.low or (value == self.low and not self.low_in)):
            return False
        return not (self.high is not None and (value > self.high or (value == self.high and not self.high_in)))

    def meets(self, other: Band) -> bool:
        """Whether some value lies in both bands."""
        low, low_in = max((self.low, self.low_in), (other.low, other.low_in), key=_low_order)
        high, high_in = min((self.high, self.high_in), (other.high, other.high_in), key=_high_order)
        if low is None or high is None:
            return True
        return low < high or (low == high and low_in and high_in)


def _low_order(end: tuple[float | None, bool]) -> tuple[float, bool]:
    return (-math.inf if end[0] is None else end[0], not end[1])


def _high_order(end: tuple[float | None, bool]) -> tuple[float, bool]:
    return (math.inf if end[0] is None else end[0], end[1])


Key = str | bool | Band | None  # a row's key: a kind value, yes/no, a band, or None for `any`
Combination = tuple[object, ...]

MAX_COMBINATIONS = 100_000  # beyond this, tables are not enumerated (checks that need it are skipped)


def banded(key_type: Type) -> bool:
    """Whether a table column of this type is keyed by bands."""
    return key_type.kind in ("number", "quantity")


def column_cuts(rows: Sequence[Sequence[Key]], column: int) -> tuple[float, ...]:
    """The sorted bounds of the bands in one column."""
    bounds = {float(end) for row in rows if isinstance(band := row[column], Band)
              for end in (band.low, band.high) if end is not None}
    return tuple(sorted(bounds))


def piece(cuts: Sequence[float], value: float) -> int:
    """The piece `value` lies in: 2i+1 for the bound cuts[i], 2i for the stretch just below it."""
    i = bisect.bisect_left(cuts, value)
    return 2 * i + 1 if i < len(cuts) and cuts[i] == value else 2 * i


def representative(cuts: Sequence[float], index: int, integer: bool = False) -> float | None:
    """A value of piece `index` (None: a stretch of a count column that holds no whole number)."""
    if index % 2:
        return cuts[index // 2]
    i = index // 2
    low = cuts[i - 1] if i > 0 else None
    high = cuts[i] if i < len(cuts) else None
    if low is None and high is None:
        return 0.0
    if low is None:
        assert high is not None
        return math.ceil(high) - 1.0 if integer else high - 1
    if high is None:
        return math.floor(low) + 1.0 if integer else low + 1
    if integer:
        middle = math.floor(low) + 1.0
        return middle if middle < high else None
    return (low + high) / 2


def pieces(cuts: Sequence[float], integer: bool, low: float | None, high: float | None) -> tuple[float, ...]:
    """One value of every piece that holds a value within [low, high] (a declared range; None: no end), a whole
    number for a count."""
    out: list[float] = []
    floor, ceiling = -math.inf if low is None else float(low), math.inf if high is None else float(high)
    for index in range(2 * len(cuts) + 1):
        if index % 2:
            value: float | None = cuts[index // 2] if floor <= cuts[index // 2] <= ceiling else None
        else:
            i = index // 2
            lo, hi = (cuts[i - 1] if i > 0 else -math.inf), (cuts[i] if i < len(cuts) else math.inf)
            value = _inside(lo, hi, floor, ceiling, integer)
        if value is not None:
            out.append(value)
    return tuple(out)


def _inside(lo: float, hi: float, floor: float, ceiling: float, integer: bool) -> float | None:
    """A value above `lo` and below `hi` (a stretch between cuts) within [floor, ceiling], or None."""
    if integer:
        first = math.floor(lo) + 1.0 if math.isfinite(lo) else -math.inf
        first = max(first, float(math.ceil(floor))) if math.isfinite(floor) else first
        if math.isinf(first):
            first = math.ceil(hi) - 1.0 if math.isfinite(hi) else 0.0
            first = min(first, float(math.floor(ceiling))) if math.isfinite(ceiling) else first
        return first if lo < first < hi and floor <= first <= ceiling else None
    start, stop = max(lo, floor), min(hi, ceiling)
    if start > stop or (start == stop and (start == lo or stop == hi)):
        return None
    if math.isinf(start) and math.isinf(stop):
        return 0.0
    if math.isinf(start):
        return stop - 1 if stop == hi else stop
    if math.isinf(stop):
        return start + 1 if start == lo else start
    return (start + stop) / 2


def domains(key_types: Sequence[Type], rows: Sequence[Sequence[Key]] = (),
            ranges: Sequence[tuple[float | None, float | None]] | None = None) -> tuple[tuple[object, ...], ...]:
    """Every value each key can take: yes/no for a condition, the kind's values for a kind, and for a band column
    one value per piece of its bands (within `ranges`, the key's declared range, where given)."""
    out: list[tuple[object, ...]] = []
    for column, k in enumerate(key_types):
        if k.kind == "enum":
            out.append(tuple(k.values))
        elif banded(k):
            low, high = ranges[column] if ranges is not None else (None, None)
            out.append(pieces(column_cuts(rows, column), k.integer, low, high))
        else:
            out.append((True, False))
    return tuple(out)


def size(key_domains: Sequence[Sequence[object]]) -> int:
    total = 1
    for domain in key_domains:
        total *= len(domain)
    return total


def matches(keys: Sequence[Key], combination: Sequence[object]) -> bool:
    return all(k is None or (k.contains(c) if isinstance(k, Band) else k == c)
               for k, c in zip(keys, combination, strict=True))


def first_matches(rows: Sequence[Sequence[Key]], key_domains: Sequence[Sequence[object]]
                  ) -> Iterator[tuple[Combination, int | None]]:
    """Each combination of key values with the index of the first row matching it (None: no row does)."""
    for combination in itertools.product(*key_domains):
        yield combination, next((i for i, row in enumerate(rows) if matches(row, combination)), None)


class BandLookup:
    """A table with band columns as the Python back end reads it: each band column's value becomes its piece,
    and one dictionary maps the combination of pieces and other keys to the first matching row's value."""

    __slots__ = ("cuts", "first_cuts", "mapping", "single")

    def __init__(self, rows: Sequence[Sequence[Key]], values: Sequence[object], key_types: Sequence[Type]) -> None:
        self.cuts = tuple(column_cuts(rows, i) if banded(k) else None for i, k in enumerate(key_types))
        every = [tuple(range(2 * len(c) + 1)) if c is not None else d
                 for c, d in zip(self.cuts, domains(key_types, rows), strict=True)]
        self.mapping: dict[tuple[object, ...], object] = {}
        for combination in itertools.product(*every):
            point = [representative(c, i) if c is not None else i  # type: ignore[arg-type]
                     for c, i in zip(self.cuts, combination, strict=True)]
            found = next((j for j, row in enumerate(rows) if matches(row, point)), None)
            if found is not None:
                self.mapping[combination] = values[found]
        # one band column alone (the usual case): read by `one`, the pieces as the dictionary's keys
        self.first_cuts: tuple[float, ...] = self.cuts[0] or ()
        self.single = {k[0]: v for k, v in self.mapping.items()} if len(self.cuts) == 1 else {}

    def one(self, key: object, default: object) -> object:
        """`get` for a table of one band column: the value of the band `key` lies in, else `default`."""
        if key.__class__ is bool or not isinstance(key, (int, float)):
            return default  # `none`: no band holds it
        cuts = self.first_cuts
        i = bisect.bisect_left(cuts, key)
        return self.single.get(2 * i + 1 if i < len(cuts) and cuts[i] == key else 2 * i, default)

    def get(self, keys: tuple[object, ...], default: object) -> object:
        """The value of the first row matching `keys` (none of them unknown), else `default`."""
        converted = []
        for cut, key in zip(self.cuts, keys, strict=True):
            if cut is None:
                converted.append(key)
            elif isinstance(key, (int, float)) and not isinstance(key, bool):
                converted.append(piece(cut, key))
            else:
                return default  # `none`: no band holds it
        return self.mapping.get(tuple(converted), default)
