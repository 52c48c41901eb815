"""List operations in generated Python: a function per list operation judging one element (its `where`, and
the body of `all`/`any` or the field aggregated), passed to `eligo.ir.lists`, which holds their meaning."""

from __future__ import annotations

from collections.abc import Callable

from eligo import ir
from eligo.ir import lists
from eligo.python.source import SourceWriter


class ListCodeGenerator(SourceWriter):
    """The list half of `CodeGenerator` (which provides the plumbing named below)."""

    element: str | None = None  # inside a list operation: the name of the element being looked at
    known: bool  # the variant's: whether every value computed is known (not inside an element function)
    in_helper: bool
    program: ir.Program
    nodes: dict[str, ir.Definition | ir.Decision]
    expr: Callable[[ir.Node], str]
    truth: Callable[[ir.Node], str]
    record: Callable[..., None]
    known_or_bail: Callable[[str], None]

    def bounded_compare(self, node: ir.Compare) -> str | None:
        """`aggregate OP value` from the aggregate's bounds (eligo.ir.lists), when a side is a count, sum or
        distinct; else None."""
        bounded = [side for side in (node.left, node.right) if self.bounded(side) is not None]
        if not bounded:
            return None
        aggregate = self.bounded(bounded[0])
        assert aggregate is not None
        other = node.right if bounded[0] is node.left else node.left
        found, value = self.list_bounds(aggregate), self.expr(other)
        out = self.assign(f"list_compare({node.op!r}, {found}, {value}, {bounded[0] is node.right})")
        self.known_or_bail(out)
        # no node, so no memo by operands: the bounds decide, not the value shown
        self.record("condition", node.origin, out, f"list_value({found})", value)
        return out

    def bounded(self, node: ir.Node) -> ir.ListOp | None:
        """The `count`, `sum` or `distinct` that `node` is (directly or as a definition), whose bounds compare."""
        return lists.bounded(node, self.nodes)

    def element_function(self, node: ir.ListOp) -> str:
        """A function of one element giving (where, body): the part of a list operation computed per element."""
        name = self.tmp()
        saved = self.element
        self.element = f"el{name}"  # three-valued inside, whatever the variant: a field may be unknown
        self.known = False
        try:
            with self.block(f"def {name}({self.element}):"):
                where = self.truth(node.where) if node.where is not None else "True"
                body = "True" if node.body is None else \
                    self.truth(node.body) if node.op in ("any", "all") else self.expr(node.body)
                self.emit(f"return ({where}, {body})")
        finally:
            self.element = saved
            del self.known  # the variant's own again
        return name

    def list_bounds(self, node: ir.ListOp) -> str:
        records, judge = self.expr(node.source), self.element_function(node)
        field = next((f for f in self.program.inputs[node.source.name].fields
                      if isinstance(node.body, ir.Field) and f.name == node.body.name), None)
        span, values = lists.field_range(field), lists.field_values(field)
        return self.assign(f"list_bounds({node.op!r}, {records}, {judge}, {self.named(span)}, {values!r})")

    def list_node(self, node: ir.ListOp) -> str:
        if node.op in lists.BOUNDED:
            out = self.assign(f"list_value({self.list_bounds(node)})")
            self.known_or_bail(out)
            return out
        records, judge = self.expr(node.source), self.element_function(node)
        function = "list_quantify" if node.op in ("any", "all") else "list_extreme"
        out = self.assign(f"{function}({node.op!r}, {records}, {judge})")
        self.known_or_bail(out)
        if node.op in ("any", "all"):
            self.record("condition", node.origin, out)  # no memo: its value is not a function of operands
        return out

    def field_node(self, node: ir.Field) -> str:
        return self.assign(f"{self.element}.get({node.name!r})")

