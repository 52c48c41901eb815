"""Which cases change decision, or definition value, between two versions of a guideline: every example of both
versions and every case file in `<knowledge base>/cases/<id>/`, evaluated under both."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eligo.case_files import read_case
from eligo.cases import CaseError
from eligo.ir import units
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


def _outcomes(guideline: Guideline, case: dict[str, Any], decisions: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Each decision's outcome for `case`: a key to compare (status and value) and the phrase to show.

    Inputs this version does not have are left out of the case; a refused case is an outcome too.
    """
    own = {name: v for name, v in case.items() if name in guideline.inputs}
    try:
        result = guideline.evaluate(own, trace=False)
    except CaseError as exc:
        refused = "refused: " + "; ".join(str(p) for p in exc.problems)
        return dict.fromkeys(decisions, (refused, refused))
    out = {}
    for name in decisions:
        d = result.decisions[name]
        if d.status == "decided":
            out[name] = (f"decided {d.value}", str(d.value))
        elif d.status == "unknown":
            out[name] = ("unknown", "unknown" + (f" (missing {', '.join(d.missing)})" if d.missing else ""))
        else:
            out[name] = (d.status, d.status)
    return out


def decision_changes(old: Guideline, new: Guideline, cases: Iterable[tuple[str, dict[str, Any]]]
                     ) -> tuple[tuple[CaseChange, ...], int]:
    """Evaluate every case under both versions; return the changed decisions and the number of cases.

    A decision changes when its status or value differs; an unknown decision that now lacks different
    inputs has not changed.
    """
    shared = [name for name in new.decision_names if name in old.decision_names]
    changes: list[CaseChange] = []
    count = 0
    for label, case in cases:
        count += 1
        before, after = _outcomes(old, case, shared), _outcomes(new, case, shared)
        changes.extend(CaseChange(label, name, before[name][1], after[name][1])
                       for name in shared if before[name][0] != after[name][0])
    return tuple(changes), count


def value_changes(old: Guideline, new: Guideline, cases: Iterable[tuple[str, dict[str, Any]]]
                  ) -> tuple[CaseChange, ...]:
    """The definitions of the guideline itself (not of modules it uses) whose value differs for a case between the
    two versions, shown in the definition's canonical unit (`12 months`, `-50%`); a refused case changes nothing
    here (`decision_changes` reports it)."""
    changes: list[CaseChange] = []
    for label, case in cases:
        before, after = _values(old, case), _values(new, case)
        if before is None or after is None:
            continue
        changes.extend(CaseChange(label, name, before[name], after[name])
                       for name in before if name in after and before[name] != after[name])
    return tuple(changes)


def _values(guideline: Guideline, case: dict[str, Any]) -> dict[str, str] | None:
    own = {name: v for name, v in case.items() if name in guideline.inputs}
    try:
        result = guideline.evaluate(own)
    except CaseError:
        return None
    types = {d.name: d.type for d in guideline.program.definitions}
    return {name: _shown(value, types.get(name)) for name, value in result.values.items() if "." not in name}


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
