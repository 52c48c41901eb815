"""The completions of a partly known list in one case: one concrete list per state of its list operations that some
completion reaches (eligo.ir.list_domains states why one per state is enough).

The known elements are folded in order, each unknown field taking each class of its field; an incomplete (or
missing) list then gains any number of extra elements, each of some element class, searched breadth-first from
every state so far and memoized on the state (each operation's state is bounded, so the search ends), up to a
renaming of a distinct's interchangeable values (ListDomain.canonical: since extra elements are of every class,
states alike but for it reach alike states, so one of them is searched on; not while known elements are folded,
whose values are fixed). Each state keeps the first path that reached it (a genuine list); states
the decision cannot tell apart (ListDomain.observable) keep the first. Every completion is complete, with every
field an operation reads known. None when the states cannot stand for the list here (a `sum` over an incomplete
list or of an unknown field, a known value in no class) or are more than MAX_COMPLETIONS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from eligo.ir.domains import MAX_COMPLETIONS
from eligo.ir.list_domains import ListDomain
from eligo.ir.lists import Records

Path = tuple[tuple[int, int], ...]  # per element of a completion: (index of the known element or -1, its class)
MEMO = 1024  # lists' completions remembered per guideline


def completions(domain: ListDomain, records: Records | None, memo: dict[object, Any] | None = None
                ) -> tuple[Records, ...] | None:
    """One complete list per observable state some completion of `records` (None: the list is missing, so any
    list) reaches, or None (see the module docstring)."""
    records = Records((), False) if records is None else records
    key = ("list", id(domain), records.complete, tuple(tuple(e.items()) for e in records))
    if memo is not None and key in memo:
        return memo[key]  # type: ignore[no-any-return]
    found = _search(domain, records)
    if memo is not None:
        if len(memo) >= MEMO:
            memo.clear()
        memo[key] = found
    return found


def _search(domain: ListDomain, records: Records) -> tuple[Records, ...] | None:
    summed = {s for _, _, s in domain.ops if s is not None}
    if summed and not records.complete:
        return None
    initial = domain.initial()
    states: dict[tuple[float, ...], tuple[tuple[float, ...], Path]] = {initial: (initial, ())}
    for index, element in enumerate(records):
        if any(element.get(s) is None for s in summed):
            return None
        options = _options(domain, element)
        if options is None:
            return None
        following: dict[tuple[float, ...], tuple[tuple[float, ...], Path]] = {}
        for state, path in states.values():
            for option in options:
                reached = domain.step(state, option, element)
                following.setdefault(reached, (reached, (*path, (index, option))))  # known elements: no renaming
        states = following
        if len(states) > MAX_COMPLETIONS:
            return None
    if not records.complete:  # extra elements are of every class: renaming interchangeable values maps them onto
        renamed: dict[tuple[float, ...], tuple[tuple[float, ...], Path]] = {}  # themselves: renamed states are alike
        for state, path in states.values():
            renamed.setdefault(domain.canonical(state), (state, path))
        states = renamed
        frontier = list(states)
        every = range(len(domain.classes))
        while frontier:
            later = []
            for at in frontier:
                state, path = states[at]
                for option in every:
                    reached = domain.step(state, option, None)
                    key = domain.canonical(reached)
                    if key not in states:
                        states[key] = (reached, (*path, (-1, option)))
                        later.append(key)
            if len(states) > MAX_COMPLETIONS:
                return None
            frontier = later
    kept: dict[tuple[object, ...], Path] = {}
    for state, path in states.values():
        kept.setdefault(domain.observable(state), path)
    return tuple(_made(domain, records, path) for path in kept.values())


def _options(domain: ListDomain, element: Mapping[str, object]) -> list[int] | None:
    """The element classes a known element may be of: its known fields' classes, every class of an unknown one."""
    known = []
    for i, name in enumerate(domain.fields):
        value = element.get(name)
        if value is None:
            known.append(-1)
            continue
        found = domain.class_index(i, value)
        if found < 0:
            return None
        known.append(found)
    return [c for c, indices in enumerate(domain.classes)
            if all(k < 0 or k == j for k, j in zip(known, indices, strict=True))]


def _made(domain: ListDomain, records: Records, path: Path) -> Records:
    """The concrete complete list a path describes: known elements with their unknown fields filled in from their
    class, then the extra elements, each its class's representatives."""
    made = []
    for index, option in path:
        element = dict(records[index]) if index >= 0 else dict.fromkeys(domain.names)
        for i, name in enumerate(domain.fields):
            if element.get(name) is None:
                element[name] = domain.reps[i][domain.classes[option][i]]
        made.append(element)
    return Records(made, True)
