"""What evaluating a case gives: per decision its value, status, rule, reasons, citations and missing inputs;
the values of the definitions; and the trace of every condition evaluated. `Result.explain()` renders it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from eligo.dsl.ast import Span
from eligo.ir.nodes import NA
from eligo.ir.outcome import STATUSES, Status

__all__ = ["STATUSES", "DecisionResult", "Result", "Status", "Step", "show", "to_json_value"]


@dataclass(frozen=True, slots=True)
class Step:
    """One evaluated condition: where it is, what it read, and what it gave."""

    kind: Literal["rule", "condition", "lookup", "definition"]
    text: str
    span: Span
    value: object
    operands: tuple[object, ...] = ()
    decision: str | None = None
    rule: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "text": self.text,
            "at": str(self.span),
            "line": self.span.line,
            "column": self.span.column,
            "value": to_json_value(self.value),
            "operands": [to_json_value(v) for v in self.operands],
            **({"decision": self.decision} if self.decision else {}),
            **({"rule": self.rule} if self.rule else {}),
        }


@dataclass(frozen=True, slots=True)
class DecisionResult:
    name: str
    value: str | tuple[str, ...] | None
    status: Status
    missing: tuple[str, ...] = ()
    rule: str | None = None
    because: tuple[str, ...] = ()
    cites: tuple[str, ...] = ()
    conflicting: tuple[str, ...] = ()
    possible: tuple[str, ...] = ()  # the outcomes still possible; "none": possibly no rule applies; "open": an open question
    exact: bool = True  # False: `possible` and `missing` may be wider than the truth (see the language reference)

    @property
    def decided(self) -> bool:
        return self.status == "decided"

    def to_json(self) -> dict[str, object]:
        return {
            "value": list(self.value) if isinstance(self.value, tuple) else self.value,
            "status": self.status,
            "possible": list(self.possible),
            "missing": list(self.missing),
            "rule": self.rule,
            "because": list(self.because),
            "cites": list(self.cites),
            **({"reason": " ".join(self.because)} if self.status == "open" else {}),
            **({"conflicting": list(self.conflicting)} if self.conflicting else {}),
            **({} if self.exact else {"exact": False}),
        }


@dataclass(frozen=True)
class Result:
    guideline: str
    version: str
    sha256: str
    decisions: dict[str, DecisionResult]
    values: dict[str, object] = field(default_factory=dict)
    trace: Sequence[Step] = ()  # a tuple, or a trace whose Step objects are made on first use
    references: dict[str, str] = field(default_factory=dict, repr=False)
    # per definition in `values` that is unknown, what it may still be (eligo.compiled.ranges; computed when read)
    unknown_values: Mapping[str, dict[str, object]] = field(default_factory=dict, repr=False)

    def __getitem__(self, decision: str) -> DecisionResult:
        return self.decisions[decision]

    def to_json(self) -> dict[str, object]:
        return {
            "guideline": self.guideline,
            "version": self.version,
            "sha256": self.sha256,
            "decisions": {name: d.to_json() for name, d in self.decisions.items()},
            "values": {name: to_json_value(v) for name, v in self.values.items()},
            **({"unknown_values": dict(self.unknown_values)} if self.unknown_values else {}),
            "trace": [step.to_json() for step in self.trace],
        }

    def explain(self) -> str:
        """The result as text a clinician can read: the outcome, why, and what was checked."""
        out = [f"{self.guideline} {self.version}"]
        for name, decision in self.decisions.items():
            out.append("")
            out.append(_headline(name, decision))
            for text in decision.because:
                out.append(f"  because: {text}")
            for key in decision.cites:
                out.append(f"  source [{key}]: {self.references.get(key, key)}")
            if decision.status == "unknown" and decision.possible:
                shown = [{"none": "no rule applies", "open": "an open question"}.get(p, p) for p in decision.possible]
                out.append(f"  still possible: {' or '.join(shown)}")
            if decision.missing:
                out.append(f"  missing: {', '.join(decision.missing)} — providing "
                           f"{'it' if len(decision.missing) == 1 else 'them'} could change the outcome")
            steps = [s for s in self.trace if s.decision == name]
            if steps:
                out.append("  checked:")
                for step in steps:
                    out.append(f"    {_step_line(step)}")
        if self.values:
            out.append("")
            out.append("values:")
            conditions = self._definition_conditions()
            for key, value in self.values.items():
                still = _still(self.unknown_values[key]) if value is None and key in self.unknown_values else ""
                out.append(f"  {key} = {show(value)}{still}")
                out.extend(f"      {_step_line(step)}" for step in conditions.get(key, ()))
        return "\n".join(out)

    def _definition_conditions(self) -> dict[str, list[Step]]:
        """The conditions evaluated inside each definition, by the definition's name as in `values`."""
        by_name: dict[str, list[Step]] = {}
        pending: list[Step] = []
        names = {key.rsplit(".", 1)[-1]: key for key in self.values}
        for step in self.trace:
            if step.decision is not None:
                continue
            if step.kind == "definition":
                by_name[names.get(step.text, step.text)] = pending
                pending = []
            else:
                pending.append(step)
        return by_name


def _still(possible: dict[str, object]) -> str:
    """What an unknown value may still be, in words: " (2 to 3)", " (yes or no)", " (at least 2, or none)"."""
    parts: list[str] = []
    values, span = possible.get("possible"), possible.get("range")
    if isinstance(values, list):
        parts.append(" or ".join(show(v) for v in values))
    elif isinstance(span, list):
        low: object = span[0]
        high: object = span[1]
        if low is not None and high is not None:
            parts.append(show(low) if low == high else f"{show(low)} to {show(high)}")
        elif low is not None or high is not None:
            parts.append(f"at least {show(low)}" if low is not None else f"at most {show(high)}")
    if possible.get("none"):
        parts.append("or none")
    if not parts:
        return ""
    wording = " ".join(parts)
    return f" (possibly {wording})" if possible.get("exact", True) is False else f" ({wording})"


def deferred(meta: tuple[str, str, str, dict[str, str]], decisions: dict[str, DecisionResult],
             later: Later) -> Result:
    """A result (guideline, version, sha256 and references in `meta`) whose values and trace `later` gives when
    first read (NO_TRACE: none). Its slots are set as plain attributes: __init__'s keywords cost more than
    deciding a case."""
    result = _new(Result)
    result._meta = meta
    result._decisions = decisions
    result._later = later
    return result


_new = object.__new__
NO_TRACE: Later = (lambda _: Result("", "", "", {}), None)  # a result with no values and no trace


def _headline(name: str, decision: DecisionResult) -> str:
    match decision.status:
        case "decided":
            by = f" (rule `{decision.rule}`)" if decision.rule else ""
            value = ", ".join(decision.value) if isinstance(decision.value, tuple) else decision.value
            return f"{name}: {value or 'none'}{by}"
        case "unknown":
            return f"{name}: unknown — the data given cannot decide it"
        case "unmatched":
            return f"{name}: no rule applies and there is no `otherwise`"
        case "open":
            by = f" (rule `{decision.rule}`)" if decision.rule else ""
            return f"{name}: open question{by} — the guideline deliberately does not settle this case"
        case _:
            return f"{name}: conflict — rules {', '.join(decision.conflicting)} all apply (unique hit policy)"


def _step_line(step: Step) -> str:
    result = show(step.value)
    if step.kind == "rule":
        return f"rule {step.rule}: {step.text} → {result}"
    operands = ", ".join(show(v) for v in step.operands)
    return f"{step.text}  [{operands}] → {result}" if operands else f"{step.text} → {result}"


def show(value: object) -> str:
    if value is None:
        return "unknown"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value is NA:
        return "none"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return "{" + ", ".join(map(str, value)) + "}"
    return str(value)


def to_json_value(value: object) -> object:
    if value is NA:
        return "none"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [to_json_value(v) for v in value]
    return value
