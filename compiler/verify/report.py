"""What a verification found: findings with counterexamples, property statuses, example coverage."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from eligo import ir
from eligo.dsl.diagnostics import Diagnostic, render

Status = Literal["proved", "checked", "failed"]


@dataclass(frozen=True)
class Finding:
    """One inconsistency: a diagnostic, and the patient (or pair of patients) that shows it."""

    diagnostic: Diagnostic
    property_id: str  # the id of the property it breaks
    case: dict[str, Any] | None = None  # the counterexample as a JSON case
    other: dict[str, Any] | None = None  # the second case of a relational property (monotone, independence)
    explanation: str = ""  # result.explain() of the case (and of the other)

    @property
    def given(self) -> str:
        """The case as an example's `given` line, ready to paste."""
        return given_line(self.case or {})

    def to_json(self) -> dict[str, Any]:
        d = self.diagnostic
        return {
            "code": d.code, "severity": d.severity.value, "message": d.message, "at": str(d.span),
            "line": d.span.line, "column": d.span.column, "hints": list(d.hints), "property": self.property_id,
            "case": self.case, "other": self.other, "given": self.given if self.case is not None else None,
            "explanation": self.explanation,
        }

    def render(self, sources: Mapping[str, str] | None = None) -> str:
        lines = [render(self.diagnostic, sources)]
        for label, case in (("case", self.case), ("then", self.other)):
            if case is not None:
                lines.append(f"  {label}: {json.dumps(case, ensure_ascii=False)}")
        if self.case:
            lines.append(f"  as an example: given {self.given}")
        if self.explanation:
            lines.extend("    " + line if line else "" for line in self.explanation.splitlines())
        return "\n".join(lines)


@dataclass(frozen=True)
class PropertyResult:
    id: str  # e.g. "totality:liver_metastasectomy", "property:2"
    title: str
    status: Status
    basis: str  # how it was established: "boundary sweep over 9 variables", "200 generated cases", …
    span_line: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "status": self.status, "basis": self.basis,
                "line": self.span_line}


@dataclass(frozen=True)
class ThresholdCoverage:
    text: str  # the comparison as written, e.g. `metastatic_lesions <= most_metastatic_lesions`
    at: str  # where it is
    threshold: str  # the threshold value, shown
    below: bool
    on: bool
    above: bool

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "at": self.at, "threshold": self.threshold,
                "below": self.below, "on": self.on, "above": self.above}


@dataclass(frozen=True)
class Coverage:
    """What the guideline's own examples exercise."""

    examples: int
    rules: dict[str, tuple[str, ...]]  # decision -> every rule (and `otherwise`)
    rules_hit: dict[str, tuple[str, ...]]
    outcomes: dict[str, tuple[str, ...]]
    outcomes_hit: dict[str, tuple[str, ...]]
    thresholds: tuple[ThresholdCoverage, ...] = ()

    def count(self, what: Literal["rules", "outcomes"]) -> tuple[int, int]:
        every, hit = (self.rules, self.rules_hit) if what == "rules" else (self.outcomes, self.outcomes_hit)
        return sum(len(v) for v in hit.values()), sum(len(v) for v in every.values())

    @property
    def thresholds_on(self) -> tuple[int, int]:
        return sum(t.on for t in self.thresholds), len(self.thresholds)

    def lines(self) -> list[str]:
        """The coverage in words: what the examples miss, and each threshold's sides they reach."""
        out = []
        for decision, rules in self.rules.items():
            missed = [r for r in rules if r not in self.rules_hit.get(decision, ())]
            if missed:
                out.append(f"`{decision}`: no example reaches {', '.join(missed)}")
            outcomes = [o for o in self.outcomes[decision] if o not in self.outcomes_hit.get(decision, ())]
            if outcomes:
                out.append(f"`{decision}`: no example gives {', '.join(outcomes)}")
        for t in self.thresholds:
            sides = [name for name, hit in (("below", t.below), ("on", t.on), ("above", t.above)) if hit]
            out.append(f"{t.text} ({t.threshold}): examples {'/'.join(sides) or 'never reach it'}")
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "rules": {k: list(v) for k, v in self.rules.items()},
            "rules_hit": {k: list(v) for k, v in self.rules_hit.items()},
            "outcomes": {k: list(v) for k, v in self.outcomes.items()},
            "outcomes_hit": {k: list(v) for k, v in self.outcomes_hit.items()},
            "thresholds": [t.to_json() for t in self.thresholds],
        }


@dataclass(frozen=True)
class OpenQuestion:
    """A case the guideline declares it does not settle (`then open because …`), as `eligo verify` lists it."""

    decision: str
    rule: str
    reason: str
    line: int
    patient: str | None = None  # a patient it applies to (a `given` line), when verify found one

    def line_text(self) -> str:
        return f"open question: {self.decision} rule {self.rule} (line {self.line}): {self.reason}" + (
            f" (e.g. given {self.patient})" if self.patient else "")

    def to_json(self) -> dict[str, Any]:
        return {"decision": self.decision, "rule": self.rule, "reason": self.reason, "line": self.line,
                **({"patient": self.patient} if self.patient else {})}


def open_questions(program: ir.Program, patients: Mapping[tuple[str, str], str] | None = None
                   ) -> tuple[OpenQuestion, ...]:
    """Every open question of the guideline's own decisions, in source order, with a patient for each in
    `patients` (by decision and rule name)."""
    return tuple(OpenQuestion(d.name, r.name, " ".join(r.because), r.span.line, (patients or {}).get((d.name, r.name)))
                 for d in program.own for r in d.open_questions)


@dataclass(frozen=True)
class VerifyReport:
    guideline: str
    version: str
    path: str
    seed: int
    max_examples: int
    properties: tuple[PropertyResult, ...]
    findings: tuple[Finding, ...]
    coverage: Coverage
    cases: int  # generated cases evaluated
    seconds: float = field(default=0.0, compare=False)
    open_questions: tuple[OpenQuestion, ...] = ()  # declared, not findings: the committee leaves them open
    # decisions -> the list inputs they read: a decision a partly known list leaves unknown keeps the sound
    # three-valued answer (`exact: false`), lists being opaque to the exact refinement (eligo.ir.domains)
    inexact: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return sorted((f.diagnostic for f in self.findings), key=Diagnostic.sort_key)

    @property
    def ok(self) -> bool:
        return not any(f.diagnostic.is_error for f in self.findings)

    def counts(self) -> dict[Status, int]:
        out: dict[Status, int] = {"proved": 0, "checked": 0, "failed": 0}
        for prop in self.properties:
            out[prop.status] += 1
        return out

    def summary(self) -> str:
        """One line: verdict, properties, cases tried, coverage by the examples."""
        counts = self.counts()
        rules_hit, rules = self.coverage.count("rules")
        outcomes_hit, outcomes = self.coverage.count("outcomes")
        on, thresholds = self.coverage.thresholds_on
        verdict = "ok" if self.ok else "FAILED"
        failed = f", {counts['failed']} failed" if counts["failed"] else ""
        opened = f", {len(self.open_questions)} open question{'s' * (len(self.open_questions) != 1)} declared" \
            if self.open_questions else ""
        return (f"{self.guideline} {self.version}: {verdict}: {len(self.properties)} properties "
                f"({counts['proved']} proved, {counts['checked']} checked{failed}), {self.cases} cases tried; "
                f"examples cover rules {rules_hit}/{rules}, outcomes {outcomes_hit}/{outcomes}, "
                f"thresholds {on}/{thresholds} exactly on the boundary{opened} ({self.seconds:.1f}s)" + "".join(
                    f"; {d} reads {', '.join(lists)} in a way the exact step cannot always complete (a sum, or an "
                    "operation or field read otherwise than against constants): unknown for want of it, it may stay "
                    "three-valued (exact: false)"
                    for d, lists in self.inexact))

    def to_json(self) -> dict[str, Any]:
        return {
            "guideline": self.guideline, "version": self.version, "path": self.path, "ok": self.ok,
            "seed": self.seed, "max_examples": self.max_examples, "cases": self.cases,
            "seconds": round(self.seconds, 3),
            "properties": [p.to_json() for p in self.properties],
            "findings": [f.to_json() for f in sorted(self.findings, key=lambda f: f.diagnostic.sort_key())],
            "coverage": self.coverage.to_json(),
            "open_questions": [q.to_json() for q in self.open_questions],
            "inexact": {decision: list(lists) for decision, lists in self.inexact},
        }


# ---------------------------------------------------------------- cases as JSON and as `given` text


def json_value(info: ir.InputInfo, value: Any) -> Any:
    """A case value as a JSON case holds it: dates as text, quantities with their unit, a list as an array of
    objects (`{"at_least": [...]}` when incomplete)."""
    if info.type.kind == "list" and isinstance(value, (list, tuple, Mapping)):
        complete = not (isinstance(value, Mapping) or getattr(value, "complete", True) is False)
        items = value.get("at_least", ()) if isinstance(value, Mapping) else value
        fields = {f.name: f for f in info.fields}
        shown = [{k: json_value(fields[k], v) if k in fields else v for k, v in item.items() if v is not None}
                 for item in items]
        return shown if complete else {"at_least": shown}
    if isinstance(value, dt.date):
        return value.isoformat()
    if info.type.kind == "quantity" and isinstance(value, (int, float)):
        unit = info.unit or ""
        return f"{number_text(value)}%" if unit == "%" else f"{number_text(value)} {unit}"
    return value


def number_text(value: float | int) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def given_line(case: Mapping[str, Any]) -> str:
    """`x 3, d 2024-01-10, m 12 months, b yes` (JSON case values written as Eligo literals)."""
    return ", ".join(f"{name} {given_value(value)}" for name, value in case.items())


def given_value(value: Any) -> str:
    """One JSON case value as an Eligo literal: `yes`, `3`, `[{organ liver, treatable yes}]`, `at least [...]`."""
    if isinstance(value, Mapping):
        if "at_least" in value:
            return "at least " + given_value(list(value["at_least"]))
        return "{" + ", ".join(f"{k} {given_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(given_value(v) for v in value) + "]"
    if value is None:
        return "missing"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, (int, float)):
        return number_text(value)
    return str(value)

