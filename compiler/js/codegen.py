"""IR to JavaScript: one generator with one handler per IR kind, writing the `run(c, o, W)` function of a module.

`run` computes every definition and decision of a program in program order into `V` (values) and `O` (each
decision's outcome `[value, status, rule, unknown rules]`, as eligo.ir.outcome names them), with `T` the truths
of each decision's rules. Expressions are pure, so each is one JavaScript expression over the runtime's Kleene
helpers (`null` is unknown, `NA` is `none`), evaluated eagerly where Python's code stops early.

As eligo.python.completion does, what observes the data (`x is missing`, `x is known`, which item `first known
of` takes) reads the original case `o` and the original values `W`, while everything else reads `c`: the main
evaluation is `run(case, case, null)`, and the exact refinement runs completions `run(filled, case, W)`.
Author text and constants enter the source only through `json.dumps`.
"""

from __future__ import annotations

import datetime as dt
import json
import math

from eligo import ir
from eligo.ir import lists, tables
from eligo.ir.analysis import Facts


def literal(value: object) -> str:
    """A value as a JavaScript literal: `null` unknown, `NA` none, dates as "YYYY-MM-DD".

    >>> literal(None), literal(ir.NA), literal(True), literal(2.5), literal(dt.date(2024, 1, 10)), literal(("a",))
    ('null', 'NA', 'true', '2.5', '"2024-01-10"', '["a"]')
    """
    if value is None:
        return "null"
    if value is ir.NA:
        return "NA"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return repr(value) if math.isfinite(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dt.date):
        return json.dumps(value.isoformat())
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise TypeError(f"no JavaScript literal for {value!r}")


def lookup_key(keys: tuple[object, ...]) -> str:
    """A combination of table keys as the runtime's `lookupKey` spells it."""
    return "\u0001".join(("boolean:" + ("true" if k else "false")) if isinstance(k, bool) else f"string:{k}"
                         for k in keys)


def _key(key: object) -> str:
    if isinstance(key, tables.Band):
        return f"[{literal(key.low)}, {literal(key.low_in)}, {literal(key.high)}, {literal(key.high_in)}]"
    return literal(key)


class JsGenerator:
    """Writes `function run(c, o, W)` for a whole program, and the lookup tables it reads."""

    def __init__(self, program: ir.Program) -> None:
        self.program = program
        self.facts = Facts(program)
        self.index = {node.key: i for i, node in enumerate(program.nodes)}
        self.case = "c"  # "c": the (completed) case; "o": the data as given, for what observes it
        self.tables: dict[tuple[str, tuple[tuple[object, ...], ...]], str] = {}
        self.table_source: list[str] = []

    # ------------------------------------------------------------ expressions
    def expr(self, node: ir.Node) -> str:
        handler: str = HANDLERS[type(node)]
        text: str = getattr(self, handler)(node)
        return text

    def observed(self, node: ir.Node) -> str:
        saved, self.case = self.case, "o"
        try:
            return self.expr(node)
        finally:
            self.case = saved

    def truth(self, node: ir.Node) -> str:
        """A condition as true, false or null (`none` counts as false)."""
        value = self.expr(node)
        return f"truth({value})" if self.facts.may_be_none(node) else value

    def const_node(self, node: ir.Const) -> str:
        return literal(node.value)

    def input_node(self, node: ir.InputRef) -> str:
        return f"{self.case}[{json.dumps(node.name)}]"

    def reference_node(self, node: ir.DefRef) -> str:
        return f"{'V' if self.case == 'c' else 'W'}[{self.index[node.key]}]"

    def not_node(self, node: ir.Not) -> str:
        return f"not_({self.expr(node.operand)})"

    def boolop_node(self, node: ir.BoolOp) -> str:
        return f"{node.op}_([{', '.join(self.truth(o) for o in node.operands)}])"

    def compare_node(self, node: ir.Compare) -> str:
        if any(isinstance(n, ir.Const) and n.value is None for n in (node.left, node.right)):
            return "null"
        for side, other in ((node.left, node.right), (node.right, node.left)):
            aggregate = lists.bounded(side, self.facts.nodes)
            if aggregate is not None:  # an aggregate's bounds decide what they can (eligo.ir.lists)
                flipped = literal(side is node.right)
                return f"listCompare({json.dumps(node.op)}, {self.list_bounds(aggregate)}, {self.expr(other)}, {flipped})"
        return f"compare({json.dumps(node.op)}, {self.expr(node.left)}, {self.expr(node.right)})"

    def arith_node(self, node: ir.Arith) -> str:
        a, b = self.expr(node.left), self.expr(node.right)
        if node.op != "/":
            return f"arith({json.dumps(node.op)}, {a}, {b})"
        if isinstance(node.right, ir.Const) and node.right.value == 0:  # unknown stays unknown, else none
            return f"(({a}) === null ? null : NA)"
        return f"divide({a}, {b})"

    def neg_node(self, node: ir.Neg) -> str:
        return f"neg({self.expr(node.operand)})"

    def test_node(self, node: ir.Test) -> str:
        if isinstance(node.operand, ir.Const):
            value = node.operand.value
            return literal({"missing": value is None, "known": value is not None, "none": value is ir.NA}[node.test])
        if node.test == "none":
            value = self.expr(node.operand)
            if self.facts.may_be_unknown(node.operand) and self.facts.may_be_none(node.operand):
                return f"testNone({value})"  # an unknown value may or may not be `none`
            return f"(({value}) === NA)"
        held = self.observed(node.operand)
        return f"(({held}) {'===' if node.test == 'missing' else '!=='} null)"

    def inset_node(self, node: ir.InSet) -> str:
        items = ", ".join(self.expr(i) for i in node.items)
        return f"inSet({self.expr(node.operand)}, [{items}], {literal(node.negated)})"

    def between_node(self, node: ir.Between) -> str:
        return f"between({self.expr(node.operand)}, {self.expr(node.low)}, {self.expr(node.high)})"

    def first_known_node(self, node: ir.FirstKnown) -> str:
        held = ", ".join(self.observed(item) for item in node.items)
        return f"firstKnown([{held}], {self.expr(node.items[0])})"

    def if_node(self, node: ir.If) -> str:
        return f"ifElse({self.expr(node.condition)}, {self.expr(node.then)}, {self.expr(node.otherwise)})"

    def lookup_node(self, node: ir.Lookup) -> str:
        rows = [row.keys for row in node.rows]
        banded = any(tables.banded(k.type) for k in node.keys)  # a numeric key: rows tried by value, as Python does
        key_domains = tables.domains([k.type for k in node.keys], rows)
        if (node.table, key_domains) not in self.tables:  # one object per table and key domains
            name = f"TABLE_{len(self.tables)}"
            if banded:  # rows tried in order at run time, a band as [low, low included, high, high included]
                entries = ", ".join(f"[[{', '.join(_key(k) for k in row.keys)}], {literal(row.value.value)}]"
                                    for row in node.rows)
                self.table_source.append(f"const {name} = Object.freeze([{entries}]);")
            else:
                mapping = {lookup_key(combo): node.rows[index].value.value
                           for combo, index in tables.first_matches(rows, key_domains) if index is not None}
                entries = ", ".join(f"{json.dumps(k)}: {literal(v)}" for k, v in mapping.items())
                self.table_source.append(f"const {name} = Object.freeze({{{entries}}});")
            self.tables[node.table, key_domains] = name
        fallback = node.default.value if node.default is not None else ir.NA
        keys = ", ".join(self.expr(k) for k in node.keys)
        function = "bandLookup" if banded else "lookup"
        return f"{function}({self.tables[node.table, key_domains]}, [{keys}], {literal(fallback)})"

    def elapsed_node(self, node: ir.Elapsed) -> str:
        function = "monthsBetween" if node.unit in ("months", "years") else "daysBetween"
        return f"{function}({self.expr(node.start)}, {self.expr(node.end)})"

    def judge(self, node: ir.ListOp) -> str:
        """The function of one element giving [where, body] (eligo.ir.lists)."""
        where = self.truth(node.where) if node.where is not None else "true"
        body = "true" if node.body is None else self.truth(node.body) if node.op in ("any", "all") else self.expr(node.body)
        return f"((el) => [{where}, {body}])"

    def list_bounds(self, node: ir.ListOp) -> str:
        field = next((f for f in self.program.inputs[node.source.name].fields
                      if isinstance(node.body, ir.Field) and f.name == node.body.name), None)
        low, high = lists.field_range(field)
        return (f"listBounds({json.dumps(node.op)}, {self.expr(node.source)}, {self.judge(node)}, "
                f"[{literal(low)}, {literal(high)}], {literal(lists.field_values(field))})")

    def list_node(self, node: ir.ListOp) -> str:
        if node.op in lists.BOUNDED:
            return f"listValue({self.list_bounds(node)})"
        function = "listQuantify" if node.op in ("any", "all") else "listExtreme"
        return f"{function}({json.dumps(node.op)}, {self.expr(node.source)}, {self.judge(node)})"

    def field_node(self, node: ir.Field) -> str:
        return f"el[{json.dumps(node.name)}]"

    # ------------------------------------------------------------ the whole function
    def decision(self, i: int, node: ir.Decision) -> list[str]:
        truths = ", ".join(self.truth(rule.condition) for rule in node.rules)
        outcomes = literal(tuple(rule.outcome for rule in node.rules))
        fallback = literal(node.default.outcome if node.default else None)
        call = {"first": f"decideFirst(T[{i}], {outcomes}, {fallback})",
                "unique": f"decideUnique(T[{i}], {outcomes}, {fallback})",
                "collect": f"decideCollect(T[{i}], {outcomes}, {fallback}, {literal(node.outcomes)})"}[node.policy]
        return [f"T[{i}] = [{truths}];", f"O[{i}] = {call};", f"V[{i}] = O[{i}][0];"]

    def write(self) -> str:
        body: list[str] = []
        for i, node in enumerate(self.program.nodes):
            statements = self.decision(i, node) if isinstance(node, ir.Decision) else [f"V[{i}] = {self.expr(node.expr)};"]
            body.append(f"if (N === null || N[{i}]) {{ {' '.join(statements)} }}")
        size = len(self.program.nodes)
        lines = [
            "// N: null for every node, or which nodes to compute (what one decision reads, for its completions)",
            "function run(c, o, W, N = null) {",
            f"  const V = new Array({size}).fill(null), O = new Array({size}).fill(null), T = new Array({size}).fill(null);",
            "  if (W === null) W = V;",
            *("  " + line for line in body),
            "  return { values: V, outcomes: O, truths: T };",
            "}",
        ]
        return "\n".join([*self.table_source, *lines]) + "\n"


class ValueGenerator(JsGenerator):
    """Expressions as eligo.compiled.cuts.value reads them, for the cut points of a relative input in one case:
    definitions inlined, arithmetic unknown before `none`, and anything but arithmetic, dates and inputs unknown."""

    def reference_node(self, node: ir.DefRef) -> str:
        target = self.program.by_key.get(node.key)
        return self.expr(target.expr) if isinstance(target, ir.Definition) and not node.decision else "null"

    def arith_node(self, node: ir.Arith) -> str:
        return f"arithValue({json.dumps(node.op)}, {self.expr(node.left)}, {self.expr(node.right)})"

    def elapsed_node(self, node: ir.Elapsed) -> str:
        return f"elapsedValue({json.dumps(node.unit)}, {self.expr(node.start)}, {self.expr(node.end)})"

    def first_known_node(self, node: ir.FirstKnown) -> str:
        return f"firstKnown([{', '.join(self.expr(item) for item in node.items)}], null)"

    def unknown(self, node: ir.Node) -> str:
        return "null"

    not_node = boolop_node = compare_node = test_node = inset_node = between_node = if_node = lookup_node = unknown
    list_node = field_node = unknown


HANDLERS: dict[type, str] = {
    ir.Const: "const_node", ir.InputRef: "input_node", ir.DefRef: "reference_node", ir.Not: "not_node",
    ir.BoolOp: "boolop_node", ir.Compare: "compare_node", ir.Arith: "arith_node", ir.Neg: "neg_node",
    ir.Test: "test_node", ir.InSet: "inset_node", ir.Between: "between_node", ir.FirstKnown: "first_known_node",
    ir.If: "if_node", ir.Lookup: "lookup_node", ir.Elapsed: "elapsed_node", ir.ListOp: "list_node",
    ir.Field: "field_node",
}
