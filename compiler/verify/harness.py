"""How verification evaluates a guideline: cases, outcomes, and every rule condition on its own.

Besides the guideline's own evaluator, a probe program is generated once: the same definitions
and decisions followed by one single-rule decision per rule (and per `when` of a property), so
one run tells, for any case, which rule conditions are true, false or unknown, whatever the hit
policy let the real decision look at.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eligo import ir
from eligo.cases import CaseError
from eligo.compiled import result as results
from eligo.compiled.guideline import Guideline
from eligo.dsl import ast
from eligo.dsl.diagnostics import Diagnostic
from eligo.ir import types as t
from eligo.python.evaluator import generate
from eligo.semantic.lower import Lowerer
from eligo.verify.lists import frozen

Raw = tuple[tuple[object, int, int, int], ...]
Outcome = tuple[str, object]  # (status, value) of a decision, ("value", value) of a definition


@dataclass(frozen=True, slots=True)
class Target:
    """A decision or definition a property speaks of, as results name it."""

    name: str  # as results and examples name it: `x`, or `core.module.x` for a used module's
    written: str  # as the property wrote it: `x` or `alias.x`
    node: ir.Definition | ir.Decision

    @property
    def is_decision(self) -> bool:
        return isinstance(self.node, ir.Decision)


class Harness:
    def __init__(self, guideline: Guideline, conditions: tuple[ir.Node, ...] = ()) -> None:
        self.g = guideline
        program = guideline.program
        own = set(program.own_decisions)
        self.decisions: tuple[ir.Decision, ...] = tuple(d for d in program.decisions if d.key in own)
        self.nodes = {n.key: n for n in program.nodes}
        probes: list[ir.Decision] = []
        self.rule_index: dict[tuple[str, int], int] = {}
        first = len(program.decisions)
        for decision in self.decisions:
            for i, rule in enumerate(decision.rules):
                self.rule_index[(decision.key, i)] = first + len(probes)
                probes.append(_probe(f"{decision.key}#{i}", decision.module, rule.condition))
        self.condition_index: list[int] = []
        for k, condition in enumerate(conditions):
            self.condition_index.append(first + len(probes))
            probes.append(_probe(f"{guideline.lowered.key}#when{k}", guideline.lowered.key, condition))
        probe_program = ir.Program(program.inputs, (*program.nodes, *probes), ())
        self.probes = generate(probe_program, f"{guideline.id}@{guideline.version} (verify)")
        self._cones: dict[str, frozenset[str]] = {}

    # ------------------------------------------------------------ evaluating
    def prepare(self, case: Mapping[str, Any]) -> dict[str, Any]:
        return self.g.prepare(case)

    def decide(self, prepared: Mapping[str, Any]) -> dict[str, results.DecisionResult]:
        return self.g.evaluate_prepared(prepared, trace=False).decisions

    def conditions(self, prepared: Mapping[str, Any]) -> Raw:
        raw: Raw = self.probes.fast(prepared)
        return raw

    def rule_holds(self, raw: Raw, decision: ir.Decision, index: int) -> bool | None:
        return _truth(raw[self.rule_index[(decision.key, index)]])

    def condition_holds(self, raw: Raw, k: int) -> bool | None:
        return _truth(raw[self.condition_index[k]])

    def value(self, target: Target, prepared: Mapping[str, Any]) -> tuple[str, object]:
        """(status, value) of a decision, or ("value", value) of a definition (None when unknown)."""
        if target.is_decision:
            if target.node.key in {d.key for d in self.decisions}:
                result = self.decide(prepared)[target.node.name]
            else:
                result = self.g.all_decisions(prepared)[target.name]
            return result.status, result.value
        return "value", self.g.evaluate_prepared(prepared, trace=True).values.get(target.name)

    # ------------------------------------------------------------ names
    def target(self, written: str) -> Target | None:
        lowered = self.g.lowered
        if "." in written:
            alias, _, local = written.partition(".")
            used = lowered.uses.get(alias)
            node = used.nodes.get(local) if used else None
            name = f"{used.id}.{local}" if used else written
        else:
            node = lowered.nodes.get(written)
            name = written
        return Target(name, written, node) if node is not None else None

    def cone(self, key: str) -> frozenset[str]:
        """The inputs a definition or decision (by key) can read, through everything it uses."""
        if key not in self._cones:
            node = self.nodes[key]
            roots = [node.expr] if isinstance(node, ir.Definition) else [r.condition for r in node.rules]
            self._cones[key] = self.inputs_of(*roots)
        return self._cones[key]

    def inputs_of(self, *roots: ir.Node) -> frozenset[str]:
        found: set[str] = set()
        for root in roots:
            for sub in ir.walk(root):
                if isinstance(sub, ir.InputRef):
                    found.add(sub.name)
                elif isinstance(sub, ir.DefRef) and sub.key in self.nodes:
                    found |= self.cone(sub.key)
        return frozenset(found)


class Evaluations:
    """Evaluates cases once each (a small cache shared by the checks of one sample)."""

    def __init__(self, harness: Harness) -> None:
        self.h = harness
        self._cache: dict[tuple[str, Any], Any] = {}

    def _get(self, kind: str, case: Mapping[str, Any], compute: Callable[[dict[str, Any]], Any]) -> Any:
        key = (kind, frozen(case))
        if key not in self._cache:
            if len(self._cache) > 256:
                self._cache.clear()
            try:
                prepared = self.h.prepare(case)
            except CaseError:
                self._cache[key] = None
                return None
            try:
                self._cache[key] = compute(prepared)
            except Exception as exc:  # any exception is a finding: evaluation must never raise
                self._cache[key] = exc
        return self._cache[key]

    def decisions(self, case: Mapping[str, Any]) -> dict[str, results.DecisionResult] | None:
        value = self._get("decide", case, self.h.decide)
        return None if isinstance(value, Exception) else value

    def traced(self, case: Mapping[str, Any]) -> results.Result | None:
        value = self._get("traced", case, lambda p: self.h.g.evaluate_prepared(p, trace=True))
        return None if isinstance(value, Exception) else value

    def probes(self, case: Mapping[str, Any]) -> Raw | None:
        value = self._get("probes", case, self.h.conditions)
        return None if isinstance(value, Exception) else value

    def error(self, case: Mapping[str, Any]) -> Exception | None:
        for kind, compute in (("decide", self.h.decide), ("traced", lambda p: self.h.g.evaluate_prepared(p, True)),
                              ("probes", self.h.conditions)):
            value = self._get(kind, case, compute)
            if isinstance(value, Exception):
                return value
        return None

    def outcome(self, target: Target, case: Mapping[str, Any]) -> Outcome | None:
        if target.is_decision:
            own = self.decisions(case)
            if own is None:
                return None
            if target.name in own:
                result = own[target.name]
                return result.status, result.value
            try:
                others = self.h.g.all_decisions(self.h.prepare(case))
            except CaseError:
                return None
            result = others[target.name]
            return result.status, result.value
        traced = self.traced(case)
        return None if traced is None else ("value", traced.values.get(target.name))


def _probe(key: str, module: str, condition: ir.Node) -> ir.Decision:
    return ir.Decision(key, key, module, ("yes",), False, "first", (ir.Rule("probe", condition, "yes"),), None)


def _truth(raw: tuple[object, int, int, int]) -> bool | None:
    status = results.STATUSES[raw[1]]
    return True if status == "decided" else None if status == "unknown" else False


def lower_condition(guideline: Guideline, condition: ast.Expr) -> tuple[ir.Node | None, list[Diagnostic]]:
    """Lower a property's `when` condition in the guideline's scope (the checker leaves it unchecked)."""
    try:
        source = Path(guideline.path).read_text(encoding="utf-8")
    except OSError:
        source = ""
    scope = dataclasses.replace(guideline.lowered, diagnostics=[], referenced=set())
    lowerer = Lowerer(scope, source)
    node, typ = lowerer.expr(condition, t.BOOL)
    diagnostics = list(scope.diagnostics)
    if typ.kind not in ("bool", "error") and not diagnostics:
        from eligo.dsl.diagnostics import error

        diagnostics.append(error("E126", f"the `when` of this property is {typ.describe()}, not yes/no",
                                 condition.span, "compare it with something, e.g. `x > 5`"))
    return (None if any(d.is_error for d in diagnostics) else node), diagnostics
