"""The traced evaluator: the same code generator, recording each condition, rule and definition as it goes.

Every definition is computed, in program order, so that a result can show its value; every condition,
lookup and rule appends its trace Step to the list `_t`: the one its site's memo has for the operands read, else
one its site's maker (eligo.compiled.trace) makes from the value and operands. `sites` says where each site is,
and in which unit the author reads its value and operands (`units`: an input's declared unit, a literal's, a
duration's; None for what is not a quantity), so that a trace shows "2 cm" where it computed 20 mm.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from eligo import ir
from eligo.compiled import trace
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
    # Steps of this site already made, by `key`: the positions of the operands that are not constants (None: the
    # value). Set where what a step shows is a function of the key and its values are alike (no 2 beside 2.0,
    # no -0.0 beside 0.0); the evaluator then records the Step itself when it has one.
    memo: dict[object, object] | None = field(default=None, compare=False)
    key: tuple[int, ...] | None = None


class TracedCodeGenerator(CodeGenerator):
    """Writes `evaluate(c, _t, named=False)`, returning the decisions' outcomes and every definition's value by key;
    `named`: by the name a result gives it (`ir.Program.value_name`), and whether any of them is unknown."""

    signature = "def evaluate(c, _t, named=False):"

    def __init__(self, program: ir.Program) -> None:
        super().__init__(program)
        self.order = list(program.nodes)  # every definition is reported, needed by a decision or not
        self.uses = count_uses(self.order)
        self.eager = {n.key for n in self.order if isinstance(n, ir.Definition)}
        self.sites: list[TraceSite] = []

    def site(self, kind: str, origin: ir.Origin, shown: tuple[str | None, ...] = (),
             key: tuple[int, ...] | None = None, memo: bool = False) -> tuple[str, str]:
        """A new trace site: the names of its memo's get ("" for none) and of its maker of Steps."""
        memos: dict[object, object] | None = {} if memo else None
        self.sites.append(TraceSite(kind, origin, self.decision, self.rule, shown, memos, key))
        made = trace.maker(kind, origin.text, origin.span, self.decision, self.rule, shown, memos)  # type: ignore[arg-type]
        return self.named(memos.get) if memos is not None else "", self.named(made)  # called by name

    def append(self, names: tuple[str, str], key: str, out: str, operands: tuple[str, ...]) -> None:
        """Append a site's Step to `_t` (through `_a`, its append): the one its memo has for `key`, else a new one."""
        memo, make = names
        args = f"{out}, ({', '.join(operands)}{',' * bool(operands)})"
        self.emit(f"_a({memo}({key}) or {make}({key}, {args}))" if memo else f"_a({make}({args}))")

    def body(self, lines: list[str], helpers: list[str]) -> list[str]:
        return ["    _a = _t.append", *lines]

    def record(self, kind: str, origin: ir.Origin, out: str, *operands: str, node: ir.Node | None = None) -> None:
        if self.element is not None:  # per element of a list: the list operation records the outcome once
            return
        nodes = self.operands_of(node)
        positions = tuple(i for i, n in enumerate(nodes) if not isinstance(n, ir.Const))
        memo = node is not None and len(nodes) == len(operands) and self.alike(node)
        names = self.site(kind, origin, self.shown_in(node), positions, memo)
        key = "0" if not positions else operands[positions[0]] if len(positions) == 1 else \
            f"({', '.join(operands[i] for i in positions)})"
        self.append(names, key, out, operands)

    @staticmethod
    def operands_of(node: ir.Node | None) -> tuple[ir.Node, ...]:
        """The nodes whose values a step of `node` records as its operands, in order."""
        match node:
            case ir.Compare(left=left, right=right):
                return left, right
            case ir.Between(operand=operand, low=low, high=high):
                return operand, low, high
            case ir.Test(operand=operand) | ir.InSet(operand=operand):
                return (operand,)
            case ir.Lookup(keys=keys):
                return keys
        return ()

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
    def plain(node: ir.Node) -> bool:
        """Whether equal values of `node` are alike: a constant, a yes/no, a kind's value, a date or a count."""
        return isinstance(node, ir.Const) or node.type.kind in ("bool", "enum", "date") or \
            (node.type.kind == "number" and node.type.integer)

    @staticmethod
    def alike(node: ir.Node) -> bool:
        """Whether equal values of `node` and of what a step of it reads are always alike: a yes/no, a kind's value,
        a date, a count, or a constant (a number read from the case may be 2 or 2.0, a quantity 0.0 or -0.0)."""
        plain = TracedCodeGenerator.plain
        match node:
            case ir.Compare(left=left, right=right):
                return plain(left) and plain(right)
            case ir.Between():
                return plain(node.operand) and plain(node.low) and plain(node.high)
            case ir.Test(operand=operand):
                return plain(operand)
            case ir.InSet(operand=operand, items=items):  # a step records the operand only: the items are constants
                return plain(operand) and all(isinstance(i, ir.Const) for i in items)
            case ir.Lookup(keys=keys):  # its value is a function of its keys
                return all(plain(k) for k in keys)
        return plain(node)

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
        names = self.site("rule", ir.Origin(rule.span, rule.condition.origin.text or rule.name), memo=True)
        self.append(names, value, value, ())

    def definition_done(self, node: ir.Definition, local: str) -> None:
        names = self.site("definition", ir.Origin(node.span, node.name), (self.unit_of(node.expr),),
                          memo=self.plain(node.expr) and node.expr.type.kind != "date")
        self.append(names, local, local, ())

    def returned(self, results: list[str]) -> str:
        outcomes, definitions = super().returned(results), self.program.definitions
        by_key = ", ".join(f"{node.key!r}: {self.locals[node.key]}" for node in definitions)
        by_name = ", ".join(f"{self.program.value_name(node)!r}: {self.locals[node.key]}" for node in definitions)
        unknown = " or ".join(f"{self.locals[n.key]} is None" for n in definitions if self.unknown(n.expr)) or "False"
        return f"({outcomes}, {{{by_name}}}, {unknown}) if named else ({outcomes}, {{{by_key}}})"
