"""Lists of records in verification: generated list values (elements with fields missing now and then, lists
known to be incomplete), and the completions of a partly known list (its unknown fields filled, elements added
to an incomplete one), which is what filling in a missing list means.

A case holds a list as JSON does: an array of objects, or `{"at_least": [...]}`. Lists are opaque to the exact
refinement (eligo.ir.domains), so a decision left unknown by a list keeps the sound three-valued answer,
marked `exact: false`; the checks here are what tests its `missing` and `possible` against completions.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hypothesis import strategies as st

from eligo import ir
from eligo.verify import aims

MAX_ELEMENTS = 7  # generated lists hold at most this many elements
ADDED = 2  # a completion of an incomplete list adds at most this many elements


def list_strategy(info: ir.InputInfo, field: Callable[[ir.InputInfo], st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """Any valid value of a list input: elements whose fields are drawn by `field` (or missing), complete or not."""
    def element(draw: st.DrawFn) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in info.fields:
            if draw(st.integers(0, 9)):  # a field is missing one time in ten
                out[f.name] = draw(field(f))
        return out

    items = st.lists(st.composite(element)(), max_size=MAX_ELEMENTS)
    return st.tuples(items, st.integers(0, 3)).map(lambda pair: {"at_least": pair[0]} if pair[1] == 0 else pair[0])


def elements(value: Any) -> tuple[list[Mapping[str, Any]], bool]:
    """A case's list value as (its elements, whether it is complete)."""
    if isinstance(value, Mapping) and "at_least" in value:
        return list(value["at_least"]), False
    return list(value or ()), getattr(value, "complete", True) is not False


def appended(value: Any, element: Mapping[str, Any]) -> Any:
    """The list value with `element` added at its end, complete or not as it was.

    >>> appended({"at_least": [{"organ": "liver"}]}, {"organ": "lung"})
    {'at_least': [{'organ': 'liver'}, {'organ': 'lung'}]}
    """
    items, complete = elements(value)
    items = [*items, dict(element)]
    return items if complete else {"at_least": items}


def completions(info: ir.InputInfo, value: Any, values: Callable[[ir.InputInfo], Sequence[Any]],
                rng: random.Random, count: int = 12, aimed: aims.ListAims | None = None) -> list[Any]:
    """Completions of a list value: each unknown field given one of `values(field)`, and for an incomplete
    list up to ADDED further elements, or as many as reach a size the guideline's list operations tell apart
    (the added elements drawn from `aimed`'s elements where given); a missing list is completed from scratch."""
    if value is None:
        value = {"at_least": []}
    items, complete = elements(value)
    sizes = aims.extra_sizes(aimed, len(items), ADDED)
    catalogue = aims.as_case(info, aimed.catalogue, True) if aimed is not None else []
    out: list[Any] = []
    for _ in range(count):
        filled = [{f.name: item.get(f.name) if item.get(f.name) is not None else _pick(values(f), rng)
                   for f in info.fields} for item in items]
        if not complete:
            for _ in range(rng.choice(sizes)):
                extra = dict(rng.choice(catalogue)) if catalogue else {}
                filled.append({f.name: extra[f.name] if extra.get(f.name) is not None else _pick(values(f), rng)
                               for f in info.fields})
        out.append(filled)
    return out


def _pick(options: Sequence[Any], rng: random.Random) -> Any:
    return rng.choice(list(options)) if options else None


def frozen(value: Any) -> Any:
    """A case value as a hashable key (lists of records are lists of dicts)."""
    if isinstance(value, Mapping):
        return tuple(sorted((k, frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(frozen(v) for v in value)
    return value
