"""What an unknown definition may still be: the values its missing inputs' completions give it.

`Ranges(guideline, prepared, names)` is a mapping, computed on first reading, from each definition the case leaves
unknown to what is still possible for it, as JSON (`Result.to_json()["unknown_values"]`, `explain()`):
- a yes/no or a kind: `{"possible": [...]}`, the values some completion gives ("none" among them if one gives none);
- a number, quantity, duration or date: `{"range": [low, high]}` in canonical units, the least and greatest value
  a completion gives (`"none": true` too if one gives none); `[null, null]` when a missing input it reads has
  no declared bound (a date, a number declared without `from … to …`).
It is exact (`"exact"` absent) when every missing input of the definition is a yes/no, a kind, or a count each of
whose values is a class of its own (every completion is tried), or when the definition is arithmetic alone (no `if`
or table) in which each missing input appears once, multiplied or added but never a divisor, and each is bounded by
its declared range (a multilinear function reaches its extremes at the corners, which are tried). Otherwise it is
what the tried completions reach (one value per class, and each input's declared ends), marked `"exact": false`; a
definition that observes the data itself (`is missing`, `first known of`) or reads an input whose classes the case
does not determine gets `{"exact": false}` alone. A `count`, `sum` or `distinct` of a partly known list gives its
bounds (eligo.ir.lists): exact over every element of the list, inexact under a `where` (see `_list_range`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from eligo import ir
from eligo.compiled import cuts
from eligo.compiled.result import to_json_value
from eligo.ir import lists
from eligo.ir.analysis import Facts
from eligo.ir.domains import MAX_COMPLETIONS, Domains, Pair
from eligo.ir.lists import unsettled


class Guideline(Protocol):
    """What is read of a compiled guideline (eligo.compiled.guideline.Guideline)."""

    @property
    def facts(self) -> Facts: ...
    @property
    def inputs(self) -> dict[str, ir.InputInfo]: ...
    @property
    def domains(self) -> Domains: ...
    @property
    def code(self) -> Any: ...

MAX_RANGE_COMPLETIONS = MAX_COMPLETIONS // 4  # evaluations of the whole program tried per definition at most


class Ranges(Mapping[str, dict[str, object]]):
    """Per unknown definition (by its name in `Result.values`), what it may still be; computed when first read."""

    def __init__(self, guideline: Guideline, prepared: Mapping[str, Any], keys: Mapping[str, str]) -> None:
        self._guideline, self._prepared, self._keys = guideline, prepared, dict(keys)  # name -> definition key
        self._found: dict[str, dict[str, object]] | None = None

    def _all(self) -> dict[str, dict[str, object]]:
        if self._found is None:
            self._found = {name: possible(self._guideline, self._prepared, key) for name, key in self._keys.items()}
        return self._found

    def __getitem__(self, name: str) -> dict[str, object]:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return repr(self._all())


def possible(g: Guideline, prepared: Mapping[str, Any], key: str) -> dict[str, object]:
    """What definition `key` may still be in the case `prepared` (see the module docstring)."""
    definition = g.facts.nodes[key]
    assert isinstance(definition, ir.Definition)
    missing = [n for n in g.inputs if n in g.facts.cone_of(key) and unsettled(prepared.get(n))]
    aggregate = lists.bounded(definition.expr, g.facts.nodes)
    if aggregate is not None and all(g.inputs[n].type.kind == "list" for n in missing):  # a count, sum or distinct
        return _list_range(g.code.bounds(key)(prepared), lists.every_element(aggregate, g.inputs))  # of a partly known list
    if _observes(g, definition.expr, set()):
        return {"exact": False}
    kind = definition.type.kind
    enumerated = True  # every value of every missing input is tried
    if kind not in ("bool", "enum") and not all(_bounded(g.inputs[n]) for n in missing):
        return {"range": [None, None], "exact": False}  # an unbounded input (a date, a number with no declared end)
    candidates = []
    for name in missing:
        classes = cuts.classes(g.domains, name, prepared)
        if classes is None:
            return {"exact": False}
        info = g.inputs[name]
        enumerated = enumerated and _every_value(info, classes)
        ends = [v for v in declared_ends(info) if v not in classes] if kind not in ("bool", "enum") else []
        candidates.append((*classes, *ends))
    total = 1
    for values in candidates:
        total *= len(values)
    if total > MAX_RANGE_COMPLETIONS:
        return {"exact": False}
    seen: list[object] = []
    for combination in itertools.product(*candidates):
        completed = {**prepared, **dict(zip(missing, combination, strict=True))}
        _, values = g.code.traced(completed, [])
        value = values.get(key)
        if value not in seen:
            seen.append(value)
    exact = enumerated or (kind not in ("bool", "enum") and _multilinear(g, definition.expr, set(missing))
                           and all(_bounded(g.inputs[n]) for n in missing))
    found: dict[str, object]
    if kind in ("bool", "enum"):
        order: list[object] = [True, False] if kind == "bool" else list(definition.type.values)
        found = {"possible": [to_json_value(v) for v in sorted(seen, key=lambda v: order.index(v)
                                                               if v in order else len(order))]}
    else:
        numbers: list[Any] = [v for v in seen if v is not None and v is not ir.NA]
        found = {"range": [to_json_value(min(numbers)), to_json_value(max(numbers))] if numbers else None}
        if ir.NA in seen:
            found["none"] = True
    if not exact:
        found["exact"] = False
    return found


def _list_range(found: tuple[float, float] | None, every: bool) -> dict[str, object]:
    """A list aggregate's bounds as a range (an infinite end is null). Over every element (no `where`) of a list the
    case holds, both ends are reached, so the range is exact (`every`, eligo.ir.lists.every_element): each unknown
    field takes its declared ends (for a `distinct` of a kind or yes/no, a value already seen or a new one), and an
    incomplete list gains no element or ever more. With a `where`, an element it leaves unknown may in truth never
    be selected; a `distinct` of a number may have fewer values than elements: sound bounds, not always reached."""
    ends = [None] * 2 if found is None else [(int(v) if v.is_integer() else v) if math.isfinite(v) else None for v in found]
    return {"range": ends} if every and found is not None else {"range": ends, "exact": False}


def declared_ends(info: ir.InputInfo) -> list[object]:
    """The declared ends of a number or quantity input in canonical units (the JS back end embeds them too)."""
    from eligo.ir import units

    if info.type.kind not in ("number", "quantity"):
        return []
    unit = units.lookup(info.unit) if info.type.kind == "quantity" and info.unit else None
    scale = unit.factor if unit else 1.0
    ends = [e * scale for e in (info.low, info.high) if e is not None]
    return [int(e) if info.type.integer and float(e).is_integer() else e for e in ends]


def _every_value(info: ir.InputInfo, classes: tuple[object, ...]) -> bool:
    """Whether the classes' representatives are every value the input can take (yes/no, a kind, or a count whose
    every value is a class of its own)."""
    if info.type.kind in ("bool", "enum"):
        return True
    return (info.type.kind == "number" and info.type.integer and info.low is not None and info.high is not None
            and len(set(classes)) == info.high - info.low + 1)


def _bounded(info: ir.InputInfo) -> bool:
    return info.type.kind in ("bool", "enum") or (info.low is not None and info.high is not None
                                                   and info.type.kind in ("number", "quantity"))


def _observes(g: Guideline, node: ir.Node, seen: set[str]) -> bool:
    """Whether `node` reads whether the data holds a value (`is missing`, `is known`, `first known of`)."""
    for sub in ir.walk(node):
        if isinstance(sub, ir.FirstKnown) or (isinstance(sub, ir.Test) and sub.test != "none"):
            return True
        if isinstance(sub, ir.DefRef) and sub.key not in seen and isinstance(g.facts.nodes.get(sub.key), ir.Definition):
            seen.add(sub.key)
            target = g.facts.nodes[sub.key]
            assert isinstance(target, ir.Definition)
            if _observes(g, target.expr, seen):
                return True
    return False


def _multilinear(g: Guideline, node: ir.Node, missing: set[str]) -> bool:
    """Whether `node` is arithmetic (+, -, *, / by what holds no missing input) in which each missing input appears
    once: then its extremes over a box of bounded inputs are at the box's corners."""
    if not arithmetic_only(g, node):
        return False
    found = g.domains.chains_of(node)
    if found is None:
        return False
    subjects = [s for s, _ in found]
    if any(isinstance(s, Pair) for s in subjects):
        return False
    named = [s for s in subjects if s in missing]
    if len(named) != len(set(named)):
        return False
    return all(not (step.op == "/" and step.left) for s, steps in found if s in missing for step in steps)


def arithmetic_only(g: Guideline, node: ir.Node) -> bool:
    """Whether `node` is made of inputs, constants, `+ - * /` and negation only, through definitions: no `if` or
    table, whose pieces could put an extreme inside a class rather than at its ends (the JS back end asks too)."""
    seen: set[str] = set()
    stack = [node]
    while stack:
        for sub in ir.walk(stack.pop()):
            if isinstance(sub, ir.DefRef):
                target = g.facts.nodes.get(sub.key)
                if not isinstance(target, ir.Definition):
                    return False
                if sub.key not in seen:
                    seen.add(sub.key)
                    stack.append(target.expr)
            elif not isinstance(sub, (ir.Arith, ir.Neg, ir.InputRef, ir.Const)):
                return False
    return True
