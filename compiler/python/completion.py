"""The completion evaluator: the same code generator, deciding one decision for a case whose missing inputs have
been filled in (a *completion*), as the exact semantics of unknowns needs.

`evaluate(c, o)` reads values from the completed case `c`, but what observes the data itself reads the original
case `o`: `x is missing` / `x is known` (whether the data holds x), and `first known of` (which item the data
holds). A completion only fills what is missing; it never makes `is missing` false or changes the item
`first known of` takes from the data (the first item the data holds; if it holds none, the first item).
"""

from __future__ import annotations

from eligo import ir
from eligo.python.codegen import CodeGenerator


class NotCompletable(Exception):
    """The decision observes the data in a way this evaluator cannot separate from completed values (a test of
    a decision's or a decision-reading definition's availability)."""


class CompletionCodeGenerator(CodeGenerator):
    """Writes `evaluate(c, o)` for one decision, returning its outcome as a one-element tuple."""

    signature = "def evaluate(c, o):"
    parameters = "c, o"

    def __init__(self, program: ir.Program, decision_key: str) -> None:
        super().__init__(program, (decision_key,))

    def observed(self, node: ir.Node) -> str:
        """`node` computed from the original data (for what observes the data, not the patient)."""
        saved, self.case = self.case, "o"
        try:
            return self.expr(node)
        finally:
            self.case = saved

    def ref(self, key: str) -> str:
        if self.case == "o":
            if key in self.locals:
                raise NotCompletable(key)
            target = self.nodes[key]
            assert isinstance(target, ir.Definition), key
            if self.uses[key] <= 1:
                return self.expr(target.expr)
            return self.assign(f"{self.helper(target)}(o, o)")
        return super().ref(key)

    def test_node(self, node: ir.Test) -> str:
        if node.test == "none" or isinstance(node.operand, ir.Const):
            return super().test_node(node)
        value = self.observed(node.operand)
        return self.assign(f"{value} is None" if node.test == "missing" else f"{value} is not None")

    def first_known_node(self, node: ir.FirstKnown) -> str:
        if self.deep:  # no more blocks: every item's observed value, then the first the data holds
            held = ", ".join(self.observed(item) for item in node.items)
            first = self.expr(node.items[0])
            return self.assign(f"first_known(({held}, {first}))")
        out = self.tmp()
        self.emit(f"{out} = UNSET")
        for item in node.items:
            with self.block(f"if {out} is UNSET:"):
                held = self.observed(item)
                self.emit(f"if {held} is not None: {out} = {held}")
        with self.block(f"if {out} is UNSET:"):
            self.emit(f"{out} = {self.expr(node.items[0])}")
        return out
