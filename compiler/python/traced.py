"""The traced evaluator: the same code generator, recording each condition, rule and definition as it goes.

Every definition is computed, in program order, so that a result can show its value; every condition,
lookup and rule records `(site, value, operands)` into the list `_t`. `sites` says where each site is.
"""

from __future__ import annotations

from dataclasses import dataclass

from eligo import ir
from eligo.ir.analysis import count_uses
from eligo.python.codegen import CodeGenerator


@dataclass(frozen=True, slots=True)
class TraceSite:
    kind: str
    origin: ir.Origin
    decision: str | None = None
    rule: str | None = None


class TracedCodeGenerator(CodeGenerator):
    """Writes `evaluate(c, _t)`, returning the decisions' outcomes and every definition's value."""

    signature = "def evaluate(c, _t):"

    def __init__(self, program: ir.Program) -> None:
        super().__init__(program)
        self.order = list(program.nodes)  # every definition is reported, needed by a decision or not
        self.uses = count_uses(self.order)
        self.eager = {n.key for n in self.order if isinstance(n, ir.Definition)}
        self.sites: list[TraceSite] = []

    def site(self, kind: str, origin: ir.Origin) -> int:
        self.sites.append(TraceSite(kind, origin, self.decision, self.rule))
        return len(self.sites) - 1

    def record(self, kind: str, origin: ir.Origin, out: str, *operands: str) -> None:
        if self.element is not None:  # per element of a list: the list operation records the outcome once
            return
        self.emit(f"_t.append(({self.site(kind, origin)}, {out}, ({', '.join(operands)}{',' * bool(operands)})))")

    def rule_done(self, rule: ir.Rule, value: str) -> None:
        text = rule.condition.origin.text or rule.name
        self.emit(f"_t.append(({self.site('rule', ir.Origin(rule.span, text))}, {value}, ()))")

    def definition_done(self, node: ir.Definition, local: str) -> None:
        self.emit(f"_t.append(({self.site('definition', ir.Origin(node.span, node.name))}, {local}, ()))")

    def returned(self, results: list[str]) -> str:
        values = ", ".join(f"{node.key!r}: {self.locals[node.key]}" for node in self.program.definitions)
        return f"{super().returned(results)}, {{{values}}}"
