"""The traced evaluator: the same code generator, recording each condition, rule and definition as it goes.

Every definition is computed, in program order, so that a result can show its value; every condition,
lookup and rule records `(site, value, operands)` into the list `_t`. `sites` says where each site is, and in
which unit the author reads its value and operands (`units`: an input's declared unit, a literal's, a
duration's; None for what is not a quantity), so that a trace shows "2 cm" where it computed 20 mm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from eligo import ir
from eligo.ir import units
from eligo.ir.analysis import count_uses
from eligo.python.codegen import CodeGenerator

_WRITTEN = re.compile(r"\s*-?[0-9][0-9_.]*\s*(\S.*?)\s*")  # a literal quantity as written: 5 cm, 50%, 12 months


@dataclass(frozen=True, slots=True)
class TraceSite:
    kind: str
    origin: ir.Origin
    decision: str | None = None
    rule: str | None = None
    units: tuple[str | None, ...] = ()  # of the value, then of each operand


class TracedCodeGenerator(CodeGenerator):
    """Writes `evaluate(c, _t)`, returning the decisions' outcomes and every definition's value."""

    signature = "def evaluate(c, _t):"

    def __init__(self, program: ir.Program) -> None:
        super().__init__(program)
        self.order = list(program.nodes)  # every definition is reported, needed by a decision or not
        self.uses = count_uses(self.order)
        self.eager = {n.key for n in self.order if isinstance(n, ir.Definition)}
        self.sites: list[TraceSite] = []

    def site(self, kind: str, origin: ir.Origin, shown: tuple[str | None, ...] = ()) -> int:
        self.sites.append(TraceSite(kind, origin, self.decision, self.rule, shown))
        return len(self.sites) - 1

    def record(self, kind: str, origin: ir.Origin, out: str, *operands: str, node: ir.Node | None = None) -> None:
        if self.element is not None:  # per element of a list: the list operation records the outcome once
            return
        site = self.site(kind, origin, self.shown_in(node))
        self.emit(f"_t.append(({site}, {out}, ({', '.join(operands)}{',' * bool(operands)})))")

    def shown_in(self, node: ir.Node | None) -> tuple[str | None, ...]:
        """The units a step of `node` is read in: its value's, then its operands' (compared ones share one)."""
        match node:
            case ir.Compare(left=left, right=right) | ir.Between(operand=left, low=right):
                operands = (left, right) if isinstance(node, ir.Compare) else (node.operand, node.low, node.high)
                unit = self.unit_of(left) or self.unit_of(right)
                return (None, *(unit if self.quantity(o) else None for o in operands))
            case ir.Test(operand=operand):
                return None, self.unit_of(operand)
            case ir.Lookup():
                return (self.unit_of(node), *(None for _ in node.keys))
        return ()

    @staticmethod
    def quantity(node: ir.Node) -> bool:
        return node.type.kind == "quantity"

    def unit_of(self, node: ir.Node, depth: int = 0) -> str | None:
        """The unit an author reads this quantity in: an input's declared unit, a literal's as written, a duration
        counted in days, weeks, months or years, a table's values' or a definition's; else its dimension's own."""
        if not self.quantity(node) or depth > 20:
            return None
        found: str | None = None
        match node:
            case ir.InputRef(name=name):
                info = self.program.inputs.get(name)
                found = info.unit if info is not None else None
            case ir.Const(origin=origin):
                written = _WRITTEN.fullmatch(origin.text or "")
                unit = units.lookup(written.group(1)) if written else None
                found = unit.name if unit is not None else None
            case ir.Elapsed(unit=unit):
                found = unit
            case ir.DefRef(key=key) if isinstance(target := self.nodes.get(key), ir.Definition):
                found = self.unit_of(target.expr, depth + 1)
            case ir.Lookup(rows=rows):
                found = next((u for r in rows if (u := self.unit_of(r.value, depth + 1))), None)
            case ir.Arith() | ir.Neg() | ir.If() | ir.FirstKnown():
                parts = {ir.Arith: ("left", "right"), ir.Neg: ("operand",), ir.If: ("then", "otherwise")}
                children = node.items if isinstance(node, ir.FirstKnown) else \
                    tuple(getattr(node, name) for name in parts[type(node)])
                found = next((u for child in children if (u := self.unit_of(child, depth + 1))), None)
        return found or units.CANONICAL.get(node.type.dimension or "")

    def rule_done(self, rule: ir.Rule, value: str) -> None:
        text = rule.condition.origin.text or rule.name
        self.emit(f"_t.append(({self.site('rule', ir.Origin(rule.span, text))}, {value}, ()))")

    def definition_done(self, node: ir.Definition, local: str) -> None:
        site = self.site("definition", ir.Origin(node.span, node.name), (self.unit_of(node.expr),))
        self.emit(f"_t.append(({site}, {local}, ()))")

    def returned(self, results: list[str]) -> str:
        values = ", ".join(f"{node.key!r}: {self.locals[node.key]}" for node in self.program.definitions)
        return f"{super().returned(results)}, {{{values}}}"
