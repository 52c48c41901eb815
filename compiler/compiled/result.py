"""What evaluating a case gives: per decision its value, status, rule, reasons, citations and missing inputs;
the values of the definitions; and the trace of every condition evaluated. `Result.explain()` renders it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Literal

from eligo.dsl.ast import Span
from eligo.ir import units
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
    units: tuple[str | None, ...] = field(default=(), compare=False, repr=False)  # the author's, value then operands

    def shown(self) -> tuple[str, tuple[str, ...]]:
        """The value and the operands as the author reads them, each quantity in its unit (eligo.ir.units.show)."""
        shown = self.units or ()
        value = in_unit(self.value, shown[0] if shown else None)
        return value, tuple(in_unit(v, shown[i + 1] if i + 1 < len(shown) else None)
                            for i, v in enumerate(self.operands))

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


def decision_result(name: str, value: str | tuple[str, ...] | None, status: Status, missing: tuple[str, ...] = (),
                    rule: str | None = None, because: tuple[str, ...] = (), cites: tuple[str, ...] = (),
                    conflicting: tuple[str, ...] = (), possible: tuple[str, ...] = (),
                    exact: bool = True) -> DecisionResult:
    """DecisionResult(...), made as a case's unknown answer is: its slots filled in a class of the same layout that
    is then made a DecisionResult (a frozen dataclass's __init__ pays object.__setattr__ per field, more than the
    evaluation that found the answer)."""
    made = _DecisionSlots()
    made.name, made.value, made.status, made.missing, made.rule = name, value, status, missing, rule
    made.because, made.cites, made.conflicting, made.possible, made.exact = because, cites, conflicting, possible, exact
    made.__class__ = DecisionResult  # type: ignore[assignment]
    return made  # type: ignore[return-value]


class _DecisionSlots:
    """A DecisionResult's slots, assignable (see decision_result)."""

    __slots__ = DecisionResult.__slots__
    name: str
    value: str | tuple[str, ...] | None
    status: Status
    missing: tuple[str, ...]
    rule: str | None
    because: tuple[str, ...]
    cites: tuple[str, ...]
    conflicting: tuple[str, ...]
    possible: tuple[str, ...]
    exact: bool


Later = Callable[[Any], "Result"]  # what computes a result's values and trace when first read, from its `_case`


class Result:
    """One case's result (immutable): guideline, version, sha256, decisions, values, trace, references and
    unknown_values. `values` are the definitions' values; `trace` a tuple of Steps (made as the traced evaluator
    runs, eligo.compiled.trace); `unknown_values`, per definition in `values` that is unknown, what it may still be
    (eligo.compiled.ranges; computed when read). A result of `Guideline.evaluate` computes its values and trace
    when first read, by evaluating the case again with a trace (`later`), so that a case decided but never
    explained costs no trace."""

    __slots__ = ("_case", "_decisions", "_later", "_meta", "_trace", "_unknown_values", "_values")
    _meta: tuple[str, str, str, dict[str, str]]
    _decisions: dict[str, DecisionResult]
    _values: dict[str, object]
    _trace: Sequence[Step]
    _unknown_values: Mapping[str, dict[str, object]]
    _later: Later | None
    _case: Any

    def __init__(self, guideline: str, version: str, sha256: str, decisions: dict[str, DecisionResult],
                 values: dict[str, object] | None = None, trace: Sequence[Step] = (),
                 references: dict[str, str] | None = None,
                 unknown_values: Mapping[str, dict[str, object]] | None = None) -> None:
        self._meta = (guideline, version, sha256, {} if references is None else references)
        self._decisions = decisions
        self._values = {} if values is None else values
        self._trace = trace
        self._unknown_values = {} if unknown_values is None else unknown_values
        self._later = self._case = None

    def _fill(self) -> None:
        """Values and trace computed now; `_later` cleared last, so that a thread reading them meanwhile computes
        them too (the same answer) rather than reading slots not yet set."""
        later = self._later
        if later is not None:
            full = later(self._case)
            self._values, self._trace, self._unknown_values = full._values, full._trace, full._unknown_values
            self._later = None

    @property
    def guideline(self) -> str:
        return self._meta[0]

    @property
    def version(self) -> str:
        return self._meta[1]

    @property
    def sha256(self) -> str:
        return self._meta[2]

    @property
    def references(self) -> dict[str, str]:
        return self._meta[3]

    decisions: dict[str, DecisionResult] = property(attrgetter("_decisions"))  # type: ignore[assignment]  # C getter

    @property
    def values(self) -> dict[str, object]:
        if self._later is not None:
            self._fill()
        return self._values

    @property
    def trace(self) -> Sequence[Step]:
        if self._later is not None:
            self._fill()
        return self._trace

    @property
    def unknown_values(self) -> Mapping[str, dict[str, object]]:
        if self._later is not None:
            self._fill()
        return self._unknown_values

    def _fields(self) -> tuple[object, ...]:
        return (self.guideline, self.version, self.sha256, self.decisions, self.values, self.trace, self.references,
                self.unknown_values)

    def __eq__(self, other: object) -> bool:
        return self._fields() == other._fields() if isinstance(other, Result) else NotImplemented

    __hash__ = None  # type: ignore[assignment]  # its decisions and values are dicts

    def __repr__(self) -> str:
        return (f"Result(guideline={self.guideline!r}, version={self.version!r}, sha256={self.sha256!r}, "
                f"decisions={self.decisions!r}, values={self.values!r}, trace={self.trace!r})")

    def __reduce__(self) -> tuple[type, tuple[object, ...]]:
        return Result, (self.guideline, self.version, self.sha256, self.decisions, self.values, tuple(self.trace),
                        self.references, dict(self.unknown_values))

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
            names = {key.rsplit(".", 1)[-1]: key for key in self.values}
            read_in = {names.get(s.text, s.text): s.units[0] for s in self.trace if s.kind == "definition" and s.units}
            for key, value in self.values.items():
                still = _still(self.unknown_values[key]) if value is None and key in self.unknown_values else ""
                out.append(f"  {key} = {in_unit(value, read_in.get(key))}{still}")
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


def deferred(meta: tuple[str, str, str, dict[str, str]], decisions: dict[str, DecisionResult], later: Later,
             case: Any = None) -> Result:
    """A result (guideline, version, sha256 and references in `meta`) whose values and trace `later(case)` gives
    when first read (`no_trace`: none). Its slots are set as plain attributes: __init__'s keywords cost more than
    deciding a case."""
    result = _new(Result)
    result._meta = meta
    result._decisions = decisions
    result._later = later
    result._case = case
    return result


def no_trace(_: object) -> Result:
    """A result with no values and no trace (what a deferred result evaluated without a trace fills in)."""
    return Result("", "", "", {})


_new = object.__new__


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
    result, shown = step.shown()
    if step.kind == "rule":
        return f"rule {step.rule}: {step.text} → {result}"
    operands = ", ".join(shown)
    return f"{step.text}  [{operands}] → {result}" if operands else f"{step.text} → {result}"


def in_unit(value: object, unit: str | None) -> str:
    """`show`, and a quantity in the unit `unit` (eligo.ir.units.show: 20 mm read in cm is "2 cm")."""
    if unit is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
        return units.show(float(value), unit)
    return show(value)


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
