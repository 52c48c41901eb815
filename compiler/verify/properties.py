"""The properties checked on generated cases: built in (totality, determinism, information
monotonicity) and declared by authors (`never decreases as`, `does not depend on`, `when … then`).
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from eligo import ir
from eligo.cases import CaseError
from eligo.compiled import result as results
from eligo.dsl import ast
from eligo.dsl.ast import Span
from eligo.ir.types import Type
from eligo.verify import boundaries, lists, tables
from eligo.verify.explore import Check, Sample, Stats, Violation, merged
from eligo.verify.harness import Evaluations, Outcome, Target
from eligo.verify.report import given_value, json_value
from eligo.verify.strategies import Case, Space, field_values


def shown(outcome: Outcome, typ: Type | None = None) -> str:
    """An outcome or a definition's value as a message shows it (durations in months, …)."""
    status, value = outcome
    if status in ("decided", "value"):
        if isinstance(value, str):
            return value
        return boundaries.show_value(value, typ) if typ is not None else results.show(value)
    return {"unknown": "unknown", "unmatched": "unmatched (no rule applies)", "conflict": "a conflict",
            "open": "an open question"}[status]


def _type(target: Target) -> Type | None:
    return target.node.type if isinstance(target.node, ir.Definition) else None


# ---------------------------------------------------------------- built-in


class Observe(Check):
    """Records which rule conditions hold and which rules decide (for dead and pre-empted rules)."""

    id = prop = "observe"

    def __init__(self, ev: Evaluations) -> None:
        self.ev = ev

    def run(self, sample: Sample, stats: Stats) -> Violation | None:
        raw = self.ev.probes(sample.case)
        results = self.ev.decisions(sample.case)
        if raw is None or results is None:
            return None
        for decision in self.ev.h.decisions:
            for i in range(len(decision.rules)):
                if self.ev.h.rule_holds(raw, decision, i):
                    stats.saw(f"holds:{decision.key}:{i}")
            rule = results[decision.name].rule
            if rule is not None:
                stats.saw(f"decides:{decision.key}:{rule}")
        return None


class NeverRaises(Check):
    id = prop = "never-raises"

    def __init__(self, ev: Evaluations, span: Span) -> None:
        self.ev, self.span = ev, span

    def run(self, sample: Sample, stats: Stats) -> Violation | None:
        stats.applied(self.id)
        exc = self.ev.error(sample.case)
        if exc is None:
            return None
        return Violation(self.id, "V200", f"evaluating this patient raised {type(exc).__name__}: {exc}", self.span,
                         sample.case, hints=("evaluation must never fail; please report this as a compiler bug",))


class Totality(Check):
    """A decided outcome, or unknown naming missing inputs: never unmatched, conflicting or silent."""

    def __init__(self, ev: Evaluations, decision: ir.Decision, status: str) -> None:
        self.ev, self.decision, self.status = ev, decision, status
        self.id = f"{status}:{decision.name}"
        self.prop = f"{'unique' if status == 'conflict' else 'totality'}:{decision.name}"

    def run(self, sample: Sample, stats: Stats) -> Violation | None:
        results = self.ev.decisions(sample.case)
        if results is None:
            return None
        stats.applied(self.id)
        result = results[self.decision.name]
        d = self.decision
        if self.status == "unmatched" and result.status == "unmatched":
            return Violation(self.id, "V201", f"decision `{d.name}` has a gap: no rule applies to this patient and "
                             "there is no `otherwise`", d.span, sample.case,
                             hints=("add a rule that covers this patient, or `otherwise OUTCOME` as the last line",))
        if self.status == "conflict" and result.status == "conflict":
            names = result.conflicting
            rule = next((r for r in d.rules if r.name == names[-1]), d.rules[-1])
            return Violation(self.id, "V202", f"rules `{names[0]}` and `{names[1]}` of unique decision `{d.name}` both "
                             "apply to this patient", rule.span, sample.case,
                             hints=("make their conditions exclusive, or use `first match` if the order should decide",))
        if self.status == "unknown" and result.status == "unknown" and not result.missing:
            return Violation(self.id, "V205", f"decision `{d.name}` is unknown for this patient but names no missing "
                             "input that would decide it", d.span, sample.case)
        return None


class Determinism(Check):
    id = prop = "determinism"

    def __init__(self, ev: Evaluations, span: Span) -> None:
        self.ev, self.span = ev, span

    def run(self, sample: Sample, stats: Stats) -> Violation | None:
        g = self.ev.h.g
        case = sample.case
        try:
            forward = g.evaluate_prepared(g.prepare(case), trace=False)
            backward = g.evaluate_prepared(g.prepare(dict(reversed(list(case.items())))), trace=True)
            again = g.evaluate_prepared(g.prepare(dict(sorted(case.items()))), trace=True)
        except Exception:  # reported by NeverRaises
            return None
        stats.applied(self.id)
        first = {k: v.to_json() for k, v in forward.decisions.items()}
        for other, what in ((backward, "with its fields in reverse order"), (again, "with its fields sorted")):
            if {k: v.to_json() for k, v in other.decisions.items()} != first:
                return self._violation(sample, f"the decisions differ when the patient is given {what}")
        if backward.values.keys() != again.values.keys() or any(
                not _same(backward.values[k], again.values[k]) for k in backward.values):
            return self._violation(sample, "the definitions' values differ with the order of the fields")
        return None

    def _violation(self, sample: Sample, what: str) -> Violation:
        return Violation(self.id, "V206", f"the same patient gives different results: {what}", self.span, sample.case,
                         hints=("evaluation must not depend on the order of a case's fields; please report this",))


def _same(a: object, b: object) -> bool:
    return a == b or (a != a and b != b)  # NaN equals itself here


class Needed(Check):
    """When a decision is unknown, filling in its missing inputs can give different outcomes. Only an inexact
    answer (an input whose classes the case does not determine: the three-valued answer, marked exact false) is
    checked: an exact one has two completions that differ by construction.

    Where the decision has an exact analysis, the outcomes still reachable are computed; otherwise
    (and to confirm a failure) fillings are tried: the examples' values, then boundary values."""

    def __init__(self, ev: Evaluations, decision: ir.Decision, space: Space, seed: int,
                 analysis: tables.DecisionAnalysis | None = None, tries: int = 96) -> None:
        self.ev, self.decision, self.space, self.seed, self.tries = ev, decision, space, seed, tries
        self.analysis = analysis
        self.id = f"needed:{decision.name}"
        self.prop = f"information:{decision.name}"

    def run(self, sample: Sample, stats: Stats) -> Violation | None:
        results = self.ev.decisions(sample.case)
        if results is None:
            return None
        result = results[self.decision.name]
        if result.status != "unknown" or not result.missing or result.exact:
            return None  # an exact unknown has two completions that differ by construction (eligo.compiled.exact)
        stats.applied(self.id)
        if self.analysis is not None and self.decision.policy != "collect":
            region = tables.fixed_point(self.analysis, self.ev.h.prepare(sample.case))
            if len(tables.achievable(self.analysis, region)) > 1:
                return None
        missing = list(result.missing)
        rng = random.Random(zlib.crc32(repr((self.seed, sorted(sample.case.items()))).encode()))
        seen: set[tuple[str, object]] = set()
        tried = 0
        for filling in self.fillings(sample, missing, rng):
            outcome = self.ev.decisions({**sample.case, **filling})
            if outcome is None:
                continue
            tried += 1
            got = outcome[self.decision.name]
            seen.add((got.status, got.value))
            if len(seen) > 1:
                return None
        if not seen:
            return None
        only = next(iter(seen))
        d = self.decision
        how = "whatever their values" if self.analysis is not None else f"in every one of {tried} fillings tried"
        return Violation(self.id, "V208", f"decision `{d.name}` is unknown for want of {_names(missing)}, but "
                         f"{'it gives' if len(missing) == 1 else 'they give'} {shown(only)} {how}", d.span,
                         sample.case, hints=("the rules ask for data that cannot change the outcome: decide without "
                                             "it, e.g. by testing the decisive condition first",))

    def fillings(self, sample: Sample, missing: Sequence[str], rng: random.Random) -> Iterator[Case]:
        """The examples' values, the sample's, then each input varied alone around a random filling,
        then random fillings: boundary values, dates at the guideline's distances."""
        for source in (*self.space.seeds, sample.fill):
            filling = {n: source[n] for n in missing if n in source}
            if len(filling) == len(missing):
                yield filling
        base = self.filling(sample.case, missing, rng)
        for name in missing:
            for value in self.candidates(name, {**sample.case, **base}):
                yield {**base, name: value}
        for _ in range(self.tries):
            yield self.filling(sample.case, missing, rng)

    def filling(self, case: Case, missing: Sequence[str], rng: random.Random) -> Case:
        out: Case = {}
        for name in missing:
            candidates = self.candidates(name, {**case, **out})
            if candidates:
                out[name] = rng.choice(candidates)
        return out

    def candidates(self, name: str, known: Case) -> list[Any]:
        info = self.space.inputs[name]
        if info.type.kind == "list":  # completions of the list the case holds (eligo.verify.lists)
            rng = random.Random(zlib.crc32(repr((self.seed, name, known.get(name))).encode()))
            return lists.completions(info, known.get(name), field_values, rng, aimed=self.space.lists.get(name))
        out = list(self.space.values(name))
        for relation in self.space.relations:
            subject = relation.subject
            for months in relation.months:
                for days in (-1, 0, 1):
                    try:
                        if subject.end == name and subject.start in known:
                            out.append(boundaries.shift(known[subject.start], subject, months, days))
                        elif subject.start == name and subject.end in known:
                            out.append(boundaries.unshift(known[subject.end], subject, months, days))
                    except (OverflowError, ValueError):
                        continue
        return out


def _names(names: Sequence[str]) -> str:
    shown_names = [f"`{n}`" for n in names]
    return shown_names[0] if len(shown_names) == 1 else ", ".join(shown_names[:-1]) + " and " + shown_names[-1]


# ---------------------------------------------------------------- declared by authors


def rank(target: Target, outcome: Outcome | None) -> float | None:
    """Where a known outcome stands on the target's order (higher is better), or None (unknown, no order)."""
    if outcome is None or outcome[0] not in ("decided", "value") or outcome[1] is None or outcome[1] is ir.NA:
        return None
    value = outcome[1]
    node = target.node
    if isinstance(node, ir.Decision):  # over the ordered part of the scale: an outcome beside it has no rank
        ranked = node.ranked
        return float(len(ranked) - ranked.index(value)) if value in ranked else None
    if isinstance(value, bool):
        return float(value)
    return float(value) if isinstance(value, (int, float)) else None


class Monotone(Check):
    def __init__(self, ev: Evaluations, prop: ast.Property, body: ast.Monotone, target: Target,
                 over: Target | str, varied: Sequence[str], slot: int) -> None:
        self.ev, self.declared, self.body, self.target, self.over = ev, prop, body, target, over
        self.varied, self.slot = list(varied), slot
        self.id = self.prop = f"property:{prop.span.line}"

    def rank(self, outcome: Outcome | None) -> float | None:
        return rank(self.target, outcome)

    def level(self, case: Case) -> Any:
        if isinstance(self.over, str):
            try:
                return self.ev.h.prepare(case).get(self.over)
            except CaseError:
                return None
        traced = self.ev.traced(case)
        value = None if traced is None else traced.values.get(self.over.name)
        return None if value is ir.NA else value

    def run(self, sample: Sample, stats: Stats) -> Violation | None:
        first = sample.case
        second = merged(first, sample.changes[self.slot], self.varied)
        y1, y2 = self.level(first), self.level(second)
        if y1 is None or y2 is None or y1 == y2:
            return None
        rising = y2 > y1
        before, after = (first, second) if rising == (self.body.over_moves == "increases") else (second, first)
        a, b = self.ev.outcome(self.target, before), self.ev.outcome(self.target, after)
        ra, rb = self.rank(a), self.rank(b)
        if ra is None or rb is None or a is None or b is None:
            return None
        stats.applied(self.id)
        moved = rb < ra if self.body.target_moves == "decreases" else rb > ra
        if not moved:
            return None
        over = self.over if isinstance(self.over, str) else self.over.written
        typ = _type(self.target)
        over_type = self.ev.h.g.inputs[self.over].type if isinstance(self.over, str) else _type(self.over)
        ya, yb = (y1, y2) if before is first else (y2, y1)
        return Violation(self.id, "V209", f"property \"{self.declared.title}\" fails: `{self.target.written}` "
                         f"{'decreases' if rb < ra else 'increases'} from {shown(a, typ)} to {shown(b, typ)} as "
                         f"`{over}` {'increases' if yb > ya else 'decreases'} from {shown(('value', ya), over_type)} "
                         f"to {shown(('value', yb), over_type)}",
                         self.declared.span, before, after)


class Added(Check):
    """`D never increases as a lesion is added to lesions`: the case against the same case with one element more
    (each element of another drawn list in turn), compared on D's order where both are known."""

    def __init__(self, ev: Evaluations, prop: ast.Property, body: ast.Added, target: Target, slot: int,
                 catalogue: Sequence[Mapping[str, Any]] = ()) -> None:
        self.ev, self.declared, self.body, self.target, self.slot = ev, prop, body, target, slot
        self.catalogue = list(catalogue)  # elements in the case's units, aimed at the list operations
        self.id = self.prop = f"property:{prop.span.line}"

    def elements(self, sample: Sample) -> list[Mapping[str, Any]]:
        """The elements to add: two of another drawn list, a copy of the case's own last one, and one of the
        elements the list operations tell apart."""
        drawn, _ = lists.elements(sample.changes[self.slot].get(self.body.over))
        own, _ = lists.elements(sample.case[self.body.over])
        out = [*drawn[:2], *own[-1:]]
        if self.catalogue:
            out.append(self.catalogue[zlib.crc32(repr(lists.frozen(sample.case)).encode()) % len(self.catalogue)])
        return out

    def run(self, sample: Sample, stats: Stats) -> Violation | None:
        name = self.body.over
        if sample.case.get(name) is None:
            return None  # nothing to add to: a missing list is not a list without this element
        before = sample.case
        a = self.ev.outcome(self.target, before)
        ra = rank(self.target, a)
        if a is None or ra is None:
            return None
        for element in self.elements(sample):
            after = {**before, name: lists.appended(before[name], element)}
            b = self.ev.outcome(self.target, after)
            rb = rank(self.target, b)
            if b is None or rb is None:
                continue
            stats.applied(self.id)
            if (rb > ra) if self.body.target_moves == "increases" else (rb < ra):
                typ = _type(self.target)
                moved = "increases" if rb > ra else "decreases"
                shown_element = given_value(json_value(self.ev.h.g.inputs[name], [element])[0])
                return Violation(self.id, "V217", f"property \"{self.declared.title}\" fails: `{self.target.written}` "
                                 f"{moved} from {shown(a, typ)} to {shown(b, typ)} when the {self.body.element} "
                                 f"{shown_element} is added to `{name}`", self.declared.span, before, after,
                                 hints=("correct the rules, or the property if adding an element may rightly "
                                        f"{'raise' if moved == 'increases' else 'lower'} the outcome",))
        return None



class Independent(Check):
    def __init__(self, ev: Evaluations, prop: ast.Property, target: Target, of: Sequence[str], slot: int) -> None:
        self.ev, self.declared, self.target, self.of, self.slot = ev, prop, target, list(of), slot
        self.id = self.prop = f"property:{prop.span.line}"

    def run(self, sample: Sample, stats: Stats) -> Violation | None:
        first = sample.case
        second = merged(first, sample.changes[self.slot], self.of)
        if second == first:
            return None
        a, b = self.ev.outcome(self.target, first), self.ev.outcome(self.target, second)
        if a is None or b is None:
            return None
        stats.applied(self.id)
        if a[0] == b[0] and _same(a[1], b[1]):
            return None
        changed = [n for n in self.of if first.get(n) != second.get(n)]
        typ = _type(self.target)
        return Violation(self.id, "V210", f"property \"{self.declared.title}\" fails: `{self.target.written}` changes from "
                         f"{shown(a, typ)} to {shown(b, typ)} when only {_names(changed)} "
                         f"change{'s' if len(changed) == 1 else ''}", self.declared.span, first, second)


class Implies(Check):
    def __init__(self, ev: Evaluations, prop: ast.Property, body: ast.Implies, target: Target, slot: int) -> None:
        self.ev, self.declared, self.body, self.target, self.slot = ev, prop, body, target, slot
        self.id = self.prop = f"property:{prop.span.line}"

    def run(self, sample: Sample, stats: Stats) -> Violation | None:
        raw = self.ev.probes(sample.case)
        if raw is None or self.ev.h.condition_holds(raw, self.slot) is not True:
            return None
        got = self.ev.outcome(self.target, sample.case)
        if got is None or got[0] == "unknown":
            return None
        stats.applied(self.id)
        if got == ("decided", self.body.outcome):
            return None
        return Violation(self.id, "V211", f"property \"{self.declared.title}\" fails: the condition holds but "
                         f"`{self.target.written}` is {shown(got)}, not {self.body.outcome}", self.declared.span,
                         sample.case)
