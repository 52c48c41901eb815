"""Which cases change decision, or definition value, between two versions of a guideline, and which the two cannot
compare: every example of both versions and every case file in `<knowledge base>/cases/<id>/`, evaluated under both."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eligo.case_files import read_case
from eligo.cases import CaseError
from eligo.ir import NA, units
from eligo.tools import graph as graphs
from eligo.tools.case_expectations import shown

if TYPE_CHECKING:
    from eligo.compiled.guideline import Guideline
    from eligo.pipeline import KnowledgeBase


@dataclass(frozen=True, slots=True)
class CaseChange:
    """A case (an example or a case file) whose decision differs between the two versions."""

    case: str
    decision: str  # or, in `GuidelineDiff.value_changes`, the definition
    before: str
    after: str


def case_files(kb: KnowledgeBase, guideline_id: str) -> list[Path]:
    """The stored cases of a guideline: `<knowledge>/cases/<id>/*.json`, by name."""
    if kb.root is None:
        return []
    return sorted((kb.root / "cases" / guideline_id).glob("*.json"))


@dataclass(frozen=True, slots=True)
class NotComparable:
    """A case whose answers (`decisions`, `definitions`) wait, in one version, for an input only that version reads.

    `gives`: the inputs the case gives that one of the versions does not read; `lacks`: the inputs only one version
    reads that the case does not give and that version's answer waits for; `reason` says both in words.
    """

    case: str
    decisions: tuple[str, ...]
    definitions: tuple[str, ...]
    reason: str
    gives: tuple[str, ...]
    lacks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Comparison:
    """Every case evaluated under both versions (`count`), and what `eligo diff` reports of them."""

    count: int
    decision_changes: tuple[CaseChange, ...]
    value_changes: tuple[CaseChange, ...]
    not_comparable: tuple[NotComparable, ...]


@dataclass(frozen=True, slots=True)
class _Answer:
    """One version's answer to one decision or definition: a key to compare, the phrase to show, and the inputs
    it waits for (those the case does not give, or gives as missing, that could still change it)."""

    key: str
    shown: str
    waits: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class _Answers:
    decisions: dict[str, _Answer]
    values: dict[str, _Answer] | None  # None: the case is refused (the decisions say so)


def _reads(guideline: Guideline) -> dict[str, frozenset[str]]:
    """The inputs each of the guideline's own definitions reads, through other definitions too."""
    graph = guideline.graph
    return {d.name: frozenset(graphs.inputs_of(graph, graphs.find(graph, d.name) or d.name))
            for d in guideline.program.definitions if d.module == guideline.program.module}


def _answers(guideline: Guideline, case: dict[str, Any], decisions: Iterable[str],
             reads: dict[str, frozenset[str]]) -> _Answers:
    """Each decision's outcome and each own definition's value for `case` under `guideline`.

    Inputs this version does not have are left out of the case; a refused case is an outcome too.
    """
    own = {name: v for name, v in case.items() if name in guideline.inputs}
    given = {name for name, v in own.items() if v is not None}
    try:
        result = guideline.evaluate(own)
    except CaseError as exc:
        refused = "refused: " + "; ".join(str(p) for p in exc.problems)
        return _Answers(dict.fromkeys(decisions, _Answer(refused, refused)), None)
    out = {}
    for name in decisions:
        d = result.decisions[name]
        if d.status == "decided":
            out[name] = _Answer(f"decided {d.value}", str(d.value))
        elif d.status == "unknown":
            shown = "unknown" + (f" (missing {', '.join(d.missing)})" if d.missing else "")
            out[name] = _Answer("unknown", shown, frozenset(d.missing) - given)
        else:
            out[name] = _Answer(d.status, d.status)
    types = {d.name: d.type for d in guideline.program.definitions}
    values = {}
    for name, value in result.values.items():
        if "." not in name:
            shown = _shown(value, types.get(name))
            waits = reads.get(name, frozenset()) - given if value is NA or value is None else frozenset()
            values[name] = _Answer(shown, shown, waits)
    return _Answers(out, values)


def compare(old: Guideline, new: Guideline, cases: Iterable[tuple[str, dict[str, Any]]]) -> Comparison:
    """Evaluate every case under both versions: the decisions whose status or value differs (an unknown decision that
    now lacks different inputs has not changed), the definitions of the guideline itself (not of modules it uses)
    whose value differs, and the answers that are not comparable.

    An answer is not comparable when, in one version, it waits for an input only that version reads: the case cannot
    say to one version what it says to the other (it gives the counts 1.0.0 reads, and lacks the list 2.0.0 reads in
    their place). An answer that waits only for inputs both versions read is comparable (unknown in both is fine), and
    so is one that a version decides without an input only the other reads (a dropped criterion is a real change).
    """
    only_old, only_new = set(old.inputs) - set(new.inputs), set(new.inputs) - set(old.inputs)
    shared = [name for name in new.decision_names if name in old.decision_names]
    count = 0
    changes: list[CaseChange] = []
    values: list[CaseChange] = []
    apart: list[NotComparable] = []
    reads_old, reads_new = _reads(old), _reads(new)
    for label, case in cases:
        count += 1
        before, after = _answers(old, case, shared, reads_old), _answers(new, case, shared, reads_new)
        lacks: set[str] = set()
        apart_decisions = _pair(label, before.decisions, after.decisions, (only_old, only_new), changes, lacks)
        apart_definitions: list[str] = []
        if before.values is not None and after.values is not None:
            apart_definitions = _pair(label, before.values, after.values, (only_old, only_new), values, lacks)
        if apart_decisions or apart_definitions:
            given = [name for name, v in case.items() if v is not None]
            gives = {old.version: [n for n in given if n in only_old], new.version: [n for n in given if n in only_new]}
            apart.append(NotComparable(label, tuple(apart_decisions), tuple(apart_definitions),
                                       _reason(old, new, gives, lacks), tuple(gives[old.version] + gives[new.version]),
                                       tuple(n for v in (old, new) for n in v.inputs if n in lacks)))
    return Comparison(count, tuple(changes), tuple(values), tuple(apart))


def _pair(label: str, before: dict[str, _Answer], after: dict[str, _Answer], only: tuple[set[str], set[str]],
          changes: list[CaseChange], lacks: set[str]) -> list[str]:
    """Compare the answers both versions give: append the changes, add to `lacks` the version-only inputs an answer
    waits for, and return the names of the answers that are not comparable."""
    apart = []
    for name in (n for n in before if n in after):
        a, b = before[name], after[name]
        waiting = (a.waits & only[0]) | (b.waits & only[1])
        if waiting:
            lacks.update(waiting)
            apart.append(name)
        elif a.key != b.key:
            changes.append(CaseChange(label, name, a.shown, b.shown))
    return apart


def _reason(old: Guideline, new: Guideline, gives: dict[str, list[str]], lacks: set[str]) -> str:
    """`gives a, b, which 2.0.0 does not read; lacks lesions, which it reads`."""
    parts: list[str] = []
    named = ""
    for reader, other in ((old, new), (new, old)):
        if gives[reader.version]:
            parts.append(f"gives {', '.join(gives[reader.version])}, which {other.version} does not read")
            named = other.version
        wanted = [n for n in other.inputs if n in lacks and n not in reader.inputs]
        if wanted:
            parts.append(f"lacks {', '.join(wanted)}, which {'it' if named == other.version else other.version} reads")
            named = other.version
    return "; ".join(parts)


def _shown(value: object, typ: Any) -> str:
    """A value as a case expectation writes it, a quantity in its dimension's canonical unit."""
    unit = units.CANONICAL.get(typ.dimension or "") if typ is not None and typ.kind == "quantity" else None
    return shown(value, unit)


def comparison_cases(kb: KnowledgeBase, guideline_id: str, versions: Iterable[Guideline]
                     ) -> list[tuple[str, dict[str, Any]]]:
    """The examples of each version (deduplicated by title and givens) and the stored case files."""
    cases: list[tuple[str, dict[str, Any]]] = []
    seen: set[str] = set()
    for guideline in versions:
        for example in guideline.module.examples:
            case = guideline.example_case(example)
            key = repr((example.title, sorted(case.items(), key=lambda kv: kv[0])))
            if key not in seen:
                seen.add(key)
                cases.append((f'example "{example.title}" ({guideline.version})', case))
    for path in case_files(kb, guideline_id):
        cases.append((f"case {path.name}", read_case(path)))
    return cases
