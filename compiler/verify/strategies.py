"""Hypothesis strategies for cases, built from a guideline's declared inputs and its thresholds.

Every input is drawn in its declared unit, within its declared range; values concentrate on the
guideline's thresholds (exactly on each, and just either side), dates are tied at the distances
the guideline measures (DFI exactly 12 months, a day less, a day more), every enumeration value
occurs, and any input may be missing. Cases also start from the guideline's own examples, with
some fields redrawn. Everything shrinks towards a missing field, then towards the examples.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

from hypothesis import strategies as st

from eligo import ir
from eligo.ir import units
from eligo.verify import aims, boundaries, lists
from eligo.verify.boundaries import Relation

FIRST_DAY = dt.date(2015, 1, 1)
LAST_DAY = dt.date(2030, 12, 31)
Case = dict[str, Any]


@dataclass(frozen=True)
class Space:
    """Where cases come from: the inputs that matter, their boundary values, date relations, seeds."""

    inputs: dict[str, ir.InputInfo]
    palette: dict[str, list[Any]] = field(default_factory=dict)
    relations: tuple[Relation, ...] = ()
    seeds: tuple[Case, ...] = ()
    lists: dict[str, aims.ListAims] = field(default_factory=dict)  # what generated lists aim at

    @cached_property
    def _fresh(self) -> dict[str, st.SearchStrategy[Any]]:
        return {name: value_strategy(info, self.palette.get(name, []), self.lists.get(name))
                for name, info in self.inputs.items()}

    def fresh(self, name: str) -> st.SearchStrategy[Any]:
        return self._fresh[name]

    def values(self, name: str, limit: int = 12) -> list[Any]:
        """A few values of an input for exhaustive fillings: its palette, or its whole enumeration."""
        info = self.inputs[name]
        match info.type.kind:
            case "bool":
                return [True, False]
            case "enum":
                return list(info.type.values)
            case "list":  # the examples' lists, none at all, and one of each aimed size
                found = [[], *(seed[name] for seed in self.seeds if name in seed)]
                aimed = self.lists.get(name)
                if aimed is not None and aimed.catalogue:
                    found += [aims.as_case(info, [aimed.catalogue[i % len(aimed.catalogue)] for i in range(n)], True)
                              for n in aimed.sizes if n]
                return found[:limit]
        found = list(self.palette.get(name, []))
        for seed in self.seeds:
            if name in seed and seed[name] not in found:
                found.append(seed[name])
        for extra in _extremes(info):
            if extra not in found:
                found.append(extra)
        return found[:limit]


def field_values(info: ir.InputInfo) -> list[Any]:
    """A few values of a record's field, for completing a list: every value of a kind, else the extremes."""
    match info.type.kind:
        case "bool":
            return [True, False]
        case "enum":
            return list(info.type.values)
    return _extremes(info)


def _extremes(info: ir.InputInfo) -> list[Any]:
    kind = info.type.kind
    if kind == "date":
        return [FIRST_DAY, LAST_DAY]
    low, high = _range(info, [])
    if info.type.integer:
        return [int(low), int(high)]
    return [low, high, round((low + high) / 2, 2)]


def _range(info: ir.InputInfo, palette: Sequence[Any]) -> tuple[float, float]:
    numbers = [float(v) for v in palette if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if info.type.integer:
        low = info.low if info.low is not None else 0
        high = info.high if info.high is not None else max([10.0, *numbers]) * 2 + 10
        return float(low), float(high)
    low = info.low if info.low is not None else min([0.0, *numbers]) - 100
    high = info.high if info.high is not None else max([0.0, *numbers]) + 100
    return float(low), float(high)


def value_strategy(info: ir.InputInfo, palette: Sequence[Any], aimed: aims.ListAims | None = None
                   ) -> st.SearchStrategy[Any]:
    """Any valid value of one input (never missing), often one of `palette` (for a list, often one aimed at
    the guideline's list operations)."""
    kind = info.type.kind
    if kind == "bool":
        return st.booleans()
    if kind == "enum":
        return st.sampled_from(info.type.values)
    if kind == "list":
        anything = lists.list_strategy(info, lambda field: value_strategy(field, []))
        if aimed is None or not aimed.aims:
            return anything
        aimed_lists = aims.aimed_strategy(aimed)  # two lists in three aimed at the list operations
        return st.integers(0, 2).flatmap(lambda k: anything if k == 0 else aimed_lists)
    general: st.SearchStrategy[Any]
    if kind == "date":
        span = (LAST_DAY - FIRST_DAY).days
        general = st.integers(0, span).map(lambda days: FIRST_DAY + dt.timedelta(days=days))
    else:
        low, high = _range(info, palette)
        if info.type.integer:
            general = st.integers(int(low), int(high))
        else:
            general = st.integers(round(low * 100), round(high * 100)).map(_hundredths)
    if not palette:
        return general
    return st.one_of(st.sampled_from(list(palette)), general)


def _hundredths(value: int) -> float | int:
    return value // 100 if value % 100 == 0 else value / 100


@cache
def _choices(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


def draw_fields(draw: st.DrawFn, space: Space, names: Sequence[str], seed: Mapping[str, Any] | None = None,
                missing: bool = True) -> Case:
    """Values for `names`: each missing (the simplest), the seed's, or freshly drawn."""
    out: Case = {}
    for name in names:
        info = space.inputs[name]
        choice = draw(_choices(0 if missing else 1, 19))
        if choice == 0 or (info.optional and choice <= 4):
            continue
        if seed is not None and name in seed and choice <= 13:
            out[name] = seed[name]
        elif info.type.kind == "bool":
            out[name] = choice % 2 == 1  # one draw for both presence and value
        else:
            out[name] = draw(space.fresh(name))
    return out


def draw_tie(draw: st.DrawFn, case: Case, relations: Sequence[Relation], names: Sequence[str] | None = None) -> Case:
    """Pull about half the pairs of dates exactly a threshold apart, or a day either side. With
    `names`, only the dates among them move (the other end of each pair stays)."""
    out = dict(case)
    for relation in relations:
        subject = relation.subject
        if subject.start not in out or subject.end not in out:
            continue
        moving_start = names is not None and subject.start in names and subject.end not in names
        if names is not None and not moving_start and subject.end not in names:
            continue
        ties = 3 * len(relation.months)
        choice = draw(_choices(0, 2 * ties))  # about half the pairs are tied, and shrink to a tie
        if choice >= ties:
            continue
        months = relation.months[choice // 3]
        days = (0, -1, 1)[choice % 3]
        try:
            if moving_start:
                out[subject.start] = boundaries.unshift(out[subject.end], subject, months, days)
            else:
                out[subject.end] = boundaries.shift(out[subject.start], subject, months, days)
        except (OverflowError, ValueError):
            continue
    return out


def draw_case(draw: st.DrawFn, space: Space) -> Case:
    """A whole case: one of the guideline's examples (or a patient the sweep found for a rule) with a
    few fields changed or removed, or a fresh case. Shrinks towards the first example unchanged."""
    names = list(space.inputs)
    if space.seeds and not draw(_BOOLEANS):
        case = dict(space.seeds[draw(_choices(0, len(space.seeds) - 1))])
        for _ in range(draw(_choices(0, min(3, len(names))))):
            name = names[draw(_choices(0, len(names) - 1))]
            if draw(_choices(0, 3)) == 0:
                case.pop(name, None)
            else:
                case[name] = draw(space.fresh(name))
    else:
        case = draw_fields(draw, space, names)
    return draw_tie(draw, case, space.relations)


_BOOLEANS = st.booleans()


def cases(space: Space) -> st.SearchStrategy[Case]:
    return st.composite(lambda draw: draw_case(draw, space))()


# ---------------------------------------------------------------- units


def declared(info: ir.InputInfo, canonical: Any) -> Any:
    """A prepared (canonical) value in the input's declared unit, as a case gives it (a list as JSON holds it:
    an array of objects, `{"at_least": [...]}` when incomplete, its fields in their declared units)."""
    if info.type.kind == "list" and isinstance(canonical, (list, tuple)):
        fields = {f.name: f for f in info.fields}
        items = [{k: declared(fields[k], v) for k, v in e.items() if v is not None and k in fields} for e in canonical]
        return items if getattr(canonical, "complete", True) else {"at_least": items}
    if info.type.kind == "quantity" and isinstance(canonical, (int, float)) and info.unit:
        unit = units.lookup(info.unit)
        if unit is not None and unit.factor != 1.0:
            value = round(canonical / unit.factor, 9)
            return int(value) if value.is_integer() else value
    return canonical
