"""Static analysis of decisions and tables: overlaps, gaps, dead and pre-empted rows, exactly.

For a decision whose rule conditions are interval and enumeration tests (see `sweep`), over every
complete case: which rules no patient satisfies; which rules earlier rules always pre-empt under
first match; which pairs of rules of a unique decision one patient satisfies; which patients no
rule covers when there is no `otherwise`; and, for each rule, a patient it decides. For tables
(keyed by enumerations and yes/no): rows that earlier rows always match first.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from eligo import ir
from eligo.ir import tables as ir_tables
from eligo.ir import units
from eligo.ir.types import Type
from eligo.python import runtime
from eligo.verify import boundaries, sets
from eligo.verify.boundaries import PairSubject
from eligo.verify.sweep import Box, Converter, Point, Unsupported, Variables, boxes, meet, point, uncovered


@dataclass(frozen=True)
class DecisionAnalysis:
    decision: ir.Decision
    variables: Variables
    rule_boxes: tuple[tuple[Box, ...], ...]
    dead: tuple[int, ...] = ()  # rules no complete case satisfies
    masked: tuple[tuple[int, tuple[int, ...], Point], ...] = ()  # rule, the earlier rules that pre-empt it, a case
    overlaps: tuple[tuple[int, int, Point], ...] = ()  # unique: two rules one case satisfies
    gap: Point | None = None  # a case no rule covers (and there is no `otherwise`)
    witnesses: dict[int, Point] = field(default_factory=dict)  # per rule, a case it decides
    otherwise: Point | None = None  # a case the `otherwise` decides, if any


def analyse(program: ir.Program, decision: ir.Decision) -> DecisionAnalysis | str:
    """The exact analysis, or the reason it does not apply."""
    converter = Converter(program)
    try:
        rule_boxes = tuple(tuple(boxes(converter.formula(r.condition), converter.variables)) for r in decision.rules)
    except Unsupported as exc:
        return f"a condition is not a combination of interval and enumeration tests ({exc})"
    variables = converter.variables
    if not variables.independent():
        return "the same dates are measured against each other in more than one way"
    dead, masked, overlaps, witnesses = [], [], [], {}
    for i, own in enumerate(rule_boxes):
        if not own:
            dead.append(i)
            continue
        if decision.policy == "first":
            earlier = [b for j in range(i) for b in rule_boxes[j]]
            found = next((p for box in own if (p := uncovered(box, earlier, variables)) is not None), None)
            if found is None:
                culprits = tuple(j for j in range(i) if any(_meets(a, b, variables) for a in own
                                                            for b in rule_boxes[j]))
                masked.append((i, culprits, point(own[0], variables)))
                continue
            witnesses[i] = found
        elif decision.policy == "unique":
            others = [b for j, rb in enumerate(rule_boxes) if j != i for b in rb]
            found = next((p for box in own if (p := uncovered(box, others, variables)) is not None), None)
            if found is not None:
                witnesses[i] = found
        else:
            witnesses[i] = point(own[0], variables)
    if decision.policy == "unique":
        for i, j in itertools.combinations(range(len(rule_boxes)), 2):
            both = next((m for a in rule_boxes[i] for b in rule_boxes[j]
                         if (m := meet(a, b, variables)) is not None), None)
            if both is not None:
                overlaps.append((i, j, point(both, variables)))
    every = [b for rb in rule_boxes for b in rb]
    rest = uncovered({}, every, variables) if decision.policy != "collect" else None
    return DecisionAnalysis(decision, variables, rule_boxes, tuple(dead), tuple(masked), tuple(overlaps),
                            rest if decision.default is None else None, witnesses,
                            rest if decision.default is not None else None)


def _meets(a: Box, b: Box, variables: Variables) -> bool:
    return meet(a, b, variables) is not None


# ---------------------------------------------------------------- points as patients

ANCHORS = tuple(dt.date(2020 + k // 12, k % 12 + 1, 1) for k in range(0, 24, 5))


def realize(p: Point, variables: Variables, inputs: dict[str, ir.InputInfo]) -> dict[str, Any] | None:
    """The point as a case (input name -> value in its declared unit), or None if its dates cannot be
    placed exactly."""
    case: dict[str, Any] = {}
    pairs: list[tuple[PairSubject, float]] = []
    for var, value in p.items():
        subject = variables.subjects[var]
        if isinstance(subject, PairSubject):
            pairs.append((subject, float(value)))  # type: ignore[arg-type]
            continue
        info = inputs[subject.name]
        case[subject.name] = _declared(info, value)
    for anchor in ANCHORS:
        dates = _place(pairs, anchor)
        if dates is not None:
            return {**case, **dates}
    return None


def _declared(info: ir.InputInfo, value: object) -> Any:
    if info.type.kind == "date" and isinstance(value, (int, float)):
        return dt.date.fromordinal(int(value))
    if info.type.kind in ("number", "quantity") and isinstance(value, (int, float)) and not isinstance(value, bool):
        unit = units.lookup(info.unit) if info.unit else None
        number = value / unit.factor if unit else value
        rounded = round(number, 9)
        return int(rounded) if float(rounded).is_integer() else rounded
    return value


def _place(pairs: list[tuple[PairSubject, float]], anchor: dt.date) -> dict[str, dt.date] | None:
    dates: dict[str, dt.date] = {}
    pending = list(pairs)
    while pending:
        progress = False
        for item in list(pending):
            subject, months = item
            try:
                if subject.start in dates:
                    dates.setdefault(subject.end, boundaries.shift(dates[subject.start], subject, months))
                elif subject.end in dates:
                    dates[subject.start] = boundaries.unshift(dates[subject.end], subject, months)
                else:
                    continue
            except (OverflowError, ValueError):
                return None
            pending.remove(item)
            progress = True
        if not progress:
            dates[pending[0][0].start] = anchor
    for subject, months in pairs:
        measure = runtime.months_between if subject.months else runtime.days_between
        if measure(dates[subject.start], dates[subject.end]) != months:
            return None
    return dates


# ---------------------------------------------------------------- tables


@dataclass(frozen=True)
class DeadRow:
    table: str
    row: int  # index among the table's rows
    earlier: tuple[int, ...]  # the rows that always match first
    keys: tuple[object, ...]  # a key the row covers


def dead_rows(name: str, rows: tuple[ir.TableRow, ...], key_types: tuple[Type, ...]) -> list[DeadRow]:
    """Rows of a first-match table that earlier rows always match first (enumerated exactly; a band column by its
    pieces, eligo.ir.tables)."""
    if any(k.kind not in ("bool", "enum") and not ir_tables.banded(k) for k in key_types):
        return []
    keys = [row.keys for row in rows]
    domains = ir_tables.domains(key_types, keys)
    if ir_tables.size(domains) > ir_tables.MAX_COMBINATIONS:
        return []
    first_match = {index for _, index in ir_tables.first_matches(keys, domains) if index is not None}
    out = []
    for index, row in enumerate(rows):
        if index in first_match:
            continue
        covered = [c for c in itertools.product(*domains) if ir_tables.matches(row.keys, c)]
        if not covered:
            continue
        earlier = sorted({next(j for j in range(index) if ir_tables.matches(rows[j].keys, c)) for c in covered})
        out.append(DeadRow(name, index, tuple(earlier), covered[0]))
    return out


def fixed_point(analysis: DecisionAnalysis, prepared: dict[str, Any]) -> Box:
    """The variables a (prepared, partial) case fixes, as a region: the others stay free."""
    region: Box = {}
    for var, subject in analysis.variables.subjects.items():
        domain = analysis.variables.domains[var]
        if isinstance(subject, PairSubject):
            start, end = prepared.get(subject.start), prepared.get(subject.end)
            if start is None or end is None:
                continue
            measure = runtime.months_between if subject.months else runtime.days_between
            value: object = measure(start, end)
        else:
            value = prepared.get(subject.name)
            if value is None:
                continue
            if isinstance(value, dt.date):
                value = value.toordinal()
        region[var] = frozenset([value]) if not domain.numeric else (
            sets.Interval(float(value), True, float(value), True),)  # type: ignore[arg-type]
    return region


def achievable(analysis: DecisionAnalysis, region: Box, limit: int = 2) -> dict[str, Point]:
    """Outcomes (status or value) the decision can still reach within `region`, up to `limit` of them,
    each with a point; exact over complete cases."""
    d, variables, rule_boxes = analysis.decision, analysis.variables, analysis.rule_boxes
    out: dict[str, Point] = {}
    every = [b for rb in rule_boxes for b in rb]
    for i, own in enumerate(rule_boxes):
        if d.rules[i].outcome in out:
            continue
        others = [b for j in range(i) for b in rule_boxes[j]] if d.policy == "first" else \
            [b for j, rb in enumerate(rule_boxes) if j != i for b in rb]
        for box in own:
            inside = meet(region, box, variables)
            found = uncovered(inside, others, variables) if inside is not None else None
            if found is not None:
                out[d.rules[i].outcome] = found
                break
        if len(out) >= limit:
            return out
    rest = uncovered(region, every, variables)
    if rest is not None:
        out[d.default.outcome if d.default is not None else "unmatched"] = rest
    if d.policy == "unique" and len(out) < limit:
        for i, j in itertools.combinations(range(len(rule_boxes)), 2):
            for a in rule_boxes[i]:
                for b in rule_boxes[j]:
                    inside = meet(region, a, variables)
                    both = meet(inside, b, variables) if inside is not None else None
                    if both is not None:
                        out["conflict"] = point(both, variables)
                        return out
    return out
