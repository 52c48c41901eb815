"""Name resolution, type and unit checking, and lowering of one module's AST into the IR.

A module is lowered in the context of the modules it uses (already lowered). Every problem
found becomes a diagnostic; lowering goes on past errors so that one run reports them all.
"""

from __future__ import annotations

import itertools

from eligo import ir
from eligo.dsl import ast
from eligo.dsl.diagnostics import did_you_mean, error, warning
from eligo.ir import types as t
from eligo.ir import units
from eligo.ir.types import Type
from eligo.semantic import quantities
from eligo.semantic.lists import ListLowering
from eligo.semantic.module import LoweredModule, spec_text, type_of_spec
from eligo.semantic.tables import TableLowering, duplicates, owner_rows

RESERVED_OUTCOME_WORDS = frozenset({"unknown", "missing", "none", "yes", "no", "any", "otherwise", "open"})


class Lowerer(TableLowering, ListLowering):
    """Lowers one module; see `lower_module`."""

    def __init__(self, out: LoweredModule, source: str) -> None:
        self.out = out
        self.lines = source.split("\n")
        self.module = out.module
        self._outcome_types: dict[str, Type] = {}
        self.cyclic: set[str] = set()

    # ------------------------------------------------------------ helpers
    def error(self, code: str, message: str, span: ast.Span, *hints: str) -> None:
        self.out.diagnostics.append(error(code, message, span, *hints))

    def origin(self, span: ast.Span) -> ir.Origin:
        return ir.Origin(span, self.text(span))

    def text(self, span: ast.Span) -> str:
        if span.line < 1 or span.line > len(self.lines):
            return ""
        if span.end_line == span.line:
            return self.lines[span.line - 1][span.column - 1 : span.end_column - 1]
        parts = [self.lines[span.line - 1][span.column - 1 :]]
        parts += [line.strip() for line in self.lines[span.line : span.end_line - 1]]
        parts.append(self.lines[span.end_line - 1][: span.end_column - 1].strip())
        return " ".join(p for p in parts if p)

    # ------------------------------------------------------------ declarations
    def declare(self) -> None:
        seen: dict[str, ast.Span] = {}
        kinds_seen: dict[str, ast.Span] = {}
        for item in self.module.items:
            if not isinstance(item, (ast.Kind, ast.Input, ast.Define, ast.Table, ast.Decision)):
                continue
            names = kinds_seen if isinstance(item, ast.Kind) else seen
            if item.name in names:
                self.error("E102", f"`{item.name}` is declared twice", item.span,
                           f"the first declaration is on line {names[item.name].line}; rename one of them")
                continue
            names[item.name] = item.span
        for alias, used in self.out.uses.items():
            if alias in seen:
                self.error("E102", f"`{alias}` is both a name here and the alias of `use {used.id}`", seen[alias],
                           "give the `use` another alias with `as`")
        for kind in self.module.kinds:
            values = tuple(v.name for v in kind.values)
            for value, count in duplicates(values):
                self.error("E102", f"`{value}` is listed {count} times in kind `{kind.name}`", kind.span)
            self.out.kinds[kind.name] = t.enum(self.out.global_key(kind.name), values)
        for alias, used in self.out.uses.items():
            for name, kind_type in used.kinds.items():
                self.out.kinds.setdefault(f"{alias}.{name}", kind_type)
                self.out.kinds.setdefault(name, kind_type)
            self.out.visible_inputs.update(used.visible_inputs)
        self.declare_records()
        for inp in self.module.inputs:
            self.declare_input(inp)
        for table in self.module.tables:
            self.out.tables[table.name] = table

    def declare_input(self, inp: ast.Input) -> None:
        typ, unit = type_of_spec(inp.type, self.out.kinds) if inp.type.base != "list" else self.list_type(inp.type)
        if typ is None:
            if inp.type.base == "quantity":
                self.error("E104", f"unknown unit `{inp.type.unit}`", inp.type.span,
                           did_you_mean(inp.type.unit or "", units.canonical_names()))
            else:
                self.error("E129", f"there is no kind called `{inp.type.kind}`", inp.type.span,
                           did_you_mean(inp.type.kind or "", self.out.kinds) or "declare it with `kind NAME: a | b | c`")
            typ = t.ERROR
        known = units.lookup(inp.type.unit or "") if inp.type.base == "quantity" else None
        if known is not None and inp.type.unit is not None:
            self.check_spelling(inp.type.unit, known, inp.type.span, "quantity in ")
        if inp.type.base == "duration" and inp.type.unit and inp.type.unit not in units.DURATION_UNITS:
            self.error("E104", f"`{inp.type.unit}` is not a unit of time", inp.type.span,
                       "use days, weeks, months or years")
            unit = "months"
        if inp.low is not None and inp.high is not None and inp.low > inp.high:
            self.error("E127", f"the range of `{inp.name}` runs from {inp.low} down to {inp.high}", inp.span,
                       f"write `from {inp.high} to {inp.low}`")
        info = ir.InputInfo(inp.name, typ, unit, inp.low, inp.high, inp.optional, inp.description,
                            self.out.key, inp.span, spec_text(inp.type), self.record_fields(inp.type))
        existing = self.out.visible_inputs.get(inp.name)
        if existing is not None and existing.type != typ:
            self.error("E128", f"input `{inp.name}` is {typ.describe()} here but {existing.type.describe()} in "
                       f"`{existing.module}`", inp.span, "an input is one patient fact: give both the same type")
        self.out.inputs[inp.name] = info
        self.out.visible_inputs[inp.name] = info

    def check_spelling(self, written: str, unit: units.Unit, span: ast.Span, before: str) -> None:
        found = quantities.spelling(written, unit, span, before)
        self.out.diagnostics += [found] if found else []

    # ------------------------------------------------------------ definitions and decisions
    def lower_all(self) -> None:
        import networkx as nx  # its import is a third of `import eligo`; a first check pays it, evaluation never

        graph: nx.DiGraph[str] = nx.DiGraph()
        items: dict[str, ast.Define | ast.Decision | ast.Table] = {}  # a table after the definitions it is keyed by
        for item in self.module.items:
            if isinstance(item, (ast.Define, ast.Decision, ast.Table)) and item.name not in items:
                items[item.name] = item
                graph.add_node(item.name)
        for name, item in items.items():
            for ref in _refs(item):
                if ref in items and ref != name:
                    graph.add_edge(ref, name)
                elif ref == name:
                    self.error("E125", f"`{name}` refers to itself", item.span, "a definition cannot depend on its own value")
        cyclic: set[str] = set()
        for cycle in nx.simple_cycles(graph):
            first = min(cycle, key=lambda n: items[n].span.line)
            path = " → ".join([*cycle[cycle.index(first):], *cycle[: cycle.index(first)], first])
            self.error("E125", f"these definitions depend on each other in a cycle: {path}", items[first].span,
                       "break the cycle: one of them must be computed from inputs")
            cyclic.update(cycle)
        self.cyclic = cyclic
        for name in sorted(cyclic, key=lambda n: items[n].span.line):
            item = items[name]  # checked for its other mistakes (and the inputs it reads), never evaluated
            for expr in _exprs(item):
                self.expr(expr)
        order = [n for n in nx.lexicographical_topological_sort(graph.subgraph(set(items) - cyclic),
                                                                  key=lambda n: items[n].span.line)]
        for name in order:
            item = items[name]
            if isinstance(item, ast.Define):
                self.lower_define(item)
            elif isinstance(item, ast.Table):
                self.lower_table(item)
            else:
                self.lower_decision(item)

    def lower_define(self, define: ast.Define) -> None:
        node, typ = self.expr(define.expr)
        self.out.nodes[define.name] = ir.Definition(
            self.out.global_key(define.name), define.name, self.out.key, node, typ,
            define.notes.because, define.notes.cites, define.span)

    def lower_decision(self, decision: ast.Decision) -> None:
        outcomes = decision.outcomes
        for value, _ in duplicates(outcomes):
            self.error("E102", f"outcome `{value}` is listed twice in decision `{decision.name}`", decision.span)
        for value in outcomes:
            if value in RESERVED_OUTCOME_WORDS:
                self.error("E102", f"`{value}` is a reserved word and cannot be an outcome", decision.span,
                           "choose another name, such as `not_candidate`")
        outcome_type = t.enum(self.out.global_key(decision.name), outcomes)
        rules: list[ir.Rule] = []
        seen: dict[str, ast.Rule] = {}
        for rule in decision.rules:
            if rule.name in seen:
                self.error("E103", f"decision `{decision.name}` has two rules called `{rule.name}`", rule.span,
                           f"the first is on line {seen[rule.name].span.line}; rule names must differ")
            seen[rule.name] = rule
            condition, typ = self.expr(rule.condition)
            if typ.kind not in ("bool", "error"):
                self.error("E126", f"the condition of rule `{rule.name}` is {typ.describe()}, not yes/no",
                           rule.condition.span, "compare it with something, e.g. `x > 5` or `site = colorectal`")
            self.check_outcome(rule.outcome, outcomes, decision, rule.span)
            rules.append(ir.Rule(rule.name, condition, rule.outcome, rule.notes.because, rule.notes.cites, rule.span))
        default = None
        if decision.default is not None:
            self.check_outcome(decision.default.outcome, outcomes, decision, decision.default.span)
            default = ir.Rule("otherwise", ir.Const(True, t.BOOL), decision.default.outcome,
                              decision.default.notes.because, decision.default.notes.cites, decision.default.span)
        elif decision.policy != "collect":
            self.out.diagnostics.append(warning(
                "W154", f"decision `{decision.name}` has no `otherwise`: a patient matching no rule gets no outcome",
                decision.span, "add `otherwise OUTCOME` as its last line"))
        if decision.policy == "unique":
            self.check_unique_overlap(decision, rules)
        self.out.nodes[decision.name] = ir.Decision(
            self.out.global_key(decision.name), decision.name, self.out.key, outcomes, decision.ordered,
            decision.policy, tuple(rules), default, decision.span, decision.beside)
        self._outcome_types[decision.name] = outcome_type

    def check_outcome(self, outcome: str, outcomes: tuple[str, ...], decision: ast.Decision, span: ast.Span) -> None:
        if outcome == ast.OPEN:
            self.check_open(decision, span)
        elif outcome not in outcomes:
            self.error("E113", f"`{outcome}` is not an outcome of decision `{decision.name}`", span,
                       did_you_mean(outcome, outcomes) or f"its outcomes are: {', '.join(outcomes)}")

    def check_unique_overlap(self, decision: ast.Decision, rules: list[ir.Rule]) -> None:
        literal = [(rule, _literal_keys(rule.condition)) for rule in rules]
        for (a, keys_a), (b, keys_b) in itertools.combinations(literal, 2):
            if keys_a is None or keys_b is None or a.outcome == b.outcome:
                continue
            if all(keys_a[k] & keys_b[k] for k in keys_a.keys() & keys_b.keys()):
                self.error("E114", f"rules `{a.name}` and `{b.name}` of unique decision `{decision.name}` can both "
                           "apply to one patient", b.span,
                           "make their conditions exclusive, or use `first match` if the order should decide")

    # ------------------------------------------------------------ expressions
    def expr(self, e: ast.Expr, expected: Type | None = None) -> tuple[ir.Node, Type]:
        match e:
            case ast.Number(value):
                typ = t.COUNT if isinstance(value, int) else t.NUMBER
                return ir.Const(value, typ, origin=self.origin(e.span)), typ
            case ast.Quantity(value, unit_name):
                unit = units.lookup(unit_name)
                if unit is None:
                    at = ast.Span(e.span.path, e.span.end_line, e.span.end_column - len(unit_name), e.span.end_line,
                                  e.span.end_column)
                    self.error("E104", f"unknown unit `{unit_name}`", at, did_you_mean(unit_name, units.canonical_names()))
                    return ir.Const(value, t.ERROR, origin=self.origin(e.span)), t.ERROR
                self.check_spelling(unit_name, unit, ast.Span(e.span.path, e.span.end_line,
                                                              e.span.end_column - len(unit_name), e.span.end_line,
                                                              e.span.end_column), f"{e.value} ")
                typ = t.quantity(unit.dimension)
                return ir.Const(value * unit.factor, typ, origin=self.origin(e.span)), typ
            case ast.DateLit(value):
                return ir.Const(value, t.DATE, origin=self.origin(e.span)), t.DATE
            case ast.Bool(value):
                return ir.Const(value, t.BOOL, origin=self.origin(e.span)), t.BOOL
            case ast.NoneLit():
                return ir.Const(ir.NA, t.NONE, origin=self.origin(e.span)), t.NONE
            case ast.Text(value):
                return ir.Const(value, t.TEXT, origin=self.origin(e.span)), t.TEXT
            case ast.Ref():
                return self.name_ref(e, expected)
            case ast.Neg(operand):
                node, typ = self.expr(operand)
                if typ.kind not in ("number", "quantity", "error"):
                    self.error("E106", f"cannot negate {typ.describe()}", e.span)
                if isinstance(node, ir.Const) and isinstance(node.value, (int, float)):
                    return ir.Const(-node.value, typ, origin=self.origin(e.span)), typ
                return ir.Neg(node, origin=self.origin(e.span)), typ
            case ast.Arith():
                return self.arith(e)
            case ast.Not(operand):
                node = self.condition(operand, "`not`")
                return ir.Not(node, origin=self.origin(e.span)), t.BOOL
            case ast.BoolOp(op, operands):
                nodes = tuple(self.condition(o, f"`{op}`") for o in operands)
                return ir.BoolOp(op, nodes, origin=self.origin(e.span)), t.BOOL
            case ast.Compare(op, left, right):
                l_node, r_node = self.comparable(left, right, e.span, ordering=op not in ("=", "!="))
                return ir.Compare(op, *quantities.as_fractions(l_node, r_node), origin=self.origin(e.span)), t.BOOL
            case ast.Test(operand, test):
                node, _ = self.expr(operand)
                return ir.Test(node, test, origin=self.origin(e.span)), t.BOOL
            case ast.InSet(operand, items, negated):
                node, typ = self.expr(operand)
                lowered = []
                for item in items:
                    item_node, item_type = self.expr(item, typ)
                    self.require_compatible(typ, item_type, item, item.span)
                    lowered.append(item_node)
                return ir.InSet(node, tuple(lowered), negated, origin=self.origin(e.span)), t.BOOL
            case ast.Between(operand, low, high):
                node, typ = self.expr(operand)
                low_node, low_type = self.expr(low, typ)
                high_node, high_type = self.expr(high, typ)
                self.check_pair(node, typ, operand, low_node, low_type, low, e.span, ordering=True)
                self.check_pair(node, typ, operand, high_node, high_type, high, e.span, ordering=True)
                node, low_node = quantities.as_fractions(node, low_node)
                node, high_node = quantities.as_fractions(node, high_node)
                return ir.Between(node, low_node, high_node, origin=self.origin(e.span)), t.BOOL
            case ast.FirstKnown(items):
                lowered_items: list[ir.Node] = []
                result: Type | None = None
                for item in items:
                    item_node, item_type = self.expr(item, result or expected)
                    if result is None or result.kind == "none":
                        result = item_type
                    else:
                        self.require_compatible(result, item_type, item, item.span)
                    lowered_items.append(item_node)
                typ = result or t.ERROR
                return ir.FirstKnown(tuple(lowered_items), typ, origin=self.origin(e.span)), typ
            case ast.IfThen(condition, then, otherwise):
                cond = self.condition(condition, "`if`")
                then_node, then_type = self.expr(then, expected)
                else_node, else_type = self.expr(otherwise, then_type if then_type.kind != "none" else expected)
                self.require_compatible(then_type, else_type, otherwise, otherwise.span)
                typ = then_type if then_type.kind != "none" else else_type
                return ir.If(cond, then_node, else_node, typ, origin=self.origin(e.span)), typ
            case ast.Lookup():
                return self.lookup(e)
            case ast.ListOp():
                return self.list_op(e)
            case ast.Elapsed(unit, start, end):
                start_node, start_type = self.expr(start)
                end_node, end_type = self.expr(end)
                for part, typ in ((start, start_type), (end, end_type)):
                    if typ.kind not in ("date", "error"):
                        self.error("E106", f"`{unit} between` needs two dates, but this is {typ.describe()}", part.span)
                return ir.Elapsed(unit, start_node, end_node, origin=self.origin(e.span)), t.DURATION
        raise AssertionError(f"unhandled expression {e!r}")  # pragma: no cover - the AST is closed

    def condition(self, e: ast.Expr, what: str) -> ir.Node:
        node, typ = self.expr(e, t.BOOL)
        if typ.kind not in ("bool", "error"):
            self.error("E106", f"{what} needs yes/no, but this is {typ.describe()}", e.span,
                       "compare it with something, e.g. `x > 5`")
        return node

    def ref(self, e: ast.Ref, expected: Type | None) -> tuple[ir.Node, Type]:
        name = e.name
        origin = self.origin(e.span)
        if "." in name:
            alias, _, local = name.partition(".")
            used = self.out.uses.get(alias)
            if used is None and alias in {u.local_name for u in self.module.uses}:
                return ir.Const(None, t.ERROR, origin=origin), t.ERROR  # the `use` itself is reported
            if used is None:
                self.error("E100", f"`{alias}` is not the name of a module used here", e.span,
                           did_you_mean(alias, self.out.uses) or f"add `use MODULE as {alias}` at the top")
                return ir.Const(None, t.ERROR, origin=origin), t.ERROR
            target = used.nodes.get(local)
            if target is None:
                if local in used.tables:
                    self.error("E130", f"table `{name}` needs keys in brackets", e.span, f"write `{name}[KEY]`")
                else:
                    self.error("E100", f"module `{used.id}` has no definition or decision `{local}`", e.span,
                               did_you_mean(local, used.nodes))
                return ir.Const(None, t.ERROR, origin=origin), t.ERROR
            self.out.referenced.add(target.key)
            return self.node_ref(target, origin)
        if name in self.cyclic:
            return ir.Const(None, t.ERROR, origin=origin), t.ERROR  # the cycle itself is reported (E125)
        if name in self.out.nodes:
            target = self.out.nodes[name]
            self.out.referenced.add(target.key)
            return self.node_ref(target, origin)
        if name in self.out.visible_inputs:
            info = self.out.visible_inputs[name]
            self.out.referenced.add(name)
            return ir.InputRef(name, info.type, origin=origin), info.type
        if expected is not None and expected.kind == "enum":
            if name in expected.values:
                return ir.Const(name, expected, origin=origin), expected
            self.error("E101", f"`{name}` is not {expected.describe()}", e.span,
                       did_you_mean(name, expected.values) or f"its values are: {', '.join(expected.values)}")
            return ir.Const(name, t.ERROR, origin=origin), t.ERROR
        owners = [k for k in self._all_kinds() if name in k.values]
        if len(owners) == 1:
            return ir.Const(name, owners[0], origin=origin), owners[0]
        if name in self.out.tables:
            self.error("E130", f"table `{name}` needs keys in brackets", e.span, f"write `{name}[KEY]`")
            return ir.Const(None, t.ERROR, origin=origin), t.ERROR
        candidates = [*self.out.nodes, *self.out.visible_inputs, *(v for k in self._all_kinds() for v in k.values)]
        self.error("E100", f"`{name}` is not defined", e.span,
                   did_you_mean(name, candidates) or "declare it with `input` or `define`")
        return ir.Const(None, t.ERROR, origin=origin), t.ERROR

    def _all_kinds(self) -> list[Type]:
        unique: dict[str | None, Type] = {}
        for kind in self.out.kinds.values():
            unique[kind.name] = kind
        for typ in self._outcome_types.values():
            unique[typ.name] = typ
        for used in self.out.uses.values():
            for decision in used.nodes.values():
                if isinstance(decision, ir.Decision):
                    unique[decision.key] = t.enum(decision.key, decision.outcomes)
        return list(unique.values())

    def node_ref(self, target: ir.Definition | ir.Decision, origin: ir.Origin) -> tuple[ir.Node, Type]:
        if isinstance(target, ir.Definition):
            return ir.DefRef(target.key, target.type, origin=origin), target.type
        typ = t.enum(target.key, target.outcomes)
        if target.policy == "collect":
            typ = Type("set", name=target.key, values=target.outcomes)
        return ir.DefRef(target.key, typ, decision=True, origin=origin), typ

    def comparable(self, left: ast.Expr, right: ast.Expr, span: ast.Span, *, ordering: bool) -> tuple[ir.Node, ir.Node]:
        if isinstance(left, ast.Ref) and not self._is_symbol(left.name):
            r_node, r_type = self.expr(right)
            l_node, l_type = self.expr(left, r_type)
        else:
            l_node, l_type = self.expr(left)
            r_node, r_type = self.expr(right, l_type)
        self.check_pair(l_node, l_type, left, r_node, r_type, right, span, ordering=ordering)
        return l_node, r_node

    def check_pair(self, l_node: ir.Node, l_type: Type, left: ast.Expr, r_node: ir.Node,
                   r_type: Type, right: ast.Expr, span: ast.Span, *, ordering: bool) -> None:
        if not l_type.percent_and_ratio(r_type):  # a ratio compares with a percentage (as fractions)
            self.require_compatible(l_type, r_type, right, span, other=left)
        if ordering and l_type.kind in ("enum", "bool", "text", "set") and l_type.compatible(r_type):
            self.error("E106", f"{l_type.describe()} has no order: compare it with `=` or `!=`", span)
        self.check_range(l_node, r_node, right.span)
        self.check_range(r_node, l_node, left.span)

    def _is_symbol(self, name: str) -> bool:
        return "." in name or name in self.out.nodes or name in self.out.visible_inputs or name in (self.element or {})

    def require_compatible(self, a: Type, b: Type, node: ast.Expr, span: ast.Span, other: ast.Expr | None = None) -> None:
        if not a.compatible(b):
            self.out.diagnostics.append(quantities.incompatible(a, b, node, span, other))

    def check_range(self, subject: ir.Node, threshold: ir.Node, span: ast.Span) -> None:
        if isinstance(subject, ir.InputRef) and isinstance(threshold, ir.Const):
            info = self.out.visible_inputs.get(subject.name)
            found = quantities.out_of_range(info, threshold.value, span) if info else None
            self.out.diagnostics += [found] if found else []

    def arith(self, e: ast.Arith) -> tuple[ir.Node, Type]:
        l_node, l_type = self.expr(e.left)
        r_node, r_type = self.expr(e.right, l_type)
        kinds = (l_type.kind, r_type.kind)
        typ: Type
        if "error" in kinds:
            typ = t.ERROR
        elif kinds == ("number", "number"):
            typ = t.RATIO if e.op == "/" else t.NUMBER
        elif e.op in "+-" and l_type.kind == "quantity" and l_type.compatible(r_type):
            typ = l_type
        elif e.op == "*" and sorted(kinds) == ["number", "quantity"]:
            typ = l_type if l_type.kind == "quantity" else r_type
        elif e.op == "/" and kinds == ("quantity", "number"):
            typ = l_type
        elif e.op == "/" and l_type.kind == "quantity" and l_type.compatible(r_type):
            typ = t.RATIO
        else:
            self.error("E106", f"cannot compute {l_type.describe()} {e.op} {r_type.describe()}", e.span,
                       "for the time between two dates write `months between START and END`"
                       if "date" in kinds else "")
            typ = t.ERROR
        return ir.Arith(e.op, l_node, r_node, typ, origin=self.origin(e.span)), typ

    def lookup(self, e: ast.Lookup) -> tuple[ir.Node, Type]:
        origin = self.origin(e.span)
        table, owner = self.find_table(e.table)
        if table is None or owner is None:
            self.error("E100", f"there is no table called `{e.table}`", e.span,
                       did_you_mean(e.table, self.out.tables))
            return ir.Const(None, t.ERROR, origin=origin), t.ERROR
        key = owner.global_key(table.name)
        self.out.referenced.add(key)
        if table.name not in owner.table_types:  # in a cycle of definitions, reported (E125)
            return ir.Const(None, t.ERROR, origin=origin), t.ERROR
        key_types, result = owner.table_types[table.name]
        if len(e.keys) != len(key_types):
            self.error("E130", f"table `{e.table}` is looked up by {len(key_types)} key(s), but {len(e.keys)} given",
                       e.span, f"write `{e.table}[{', '.join(table.by)}]`")
        keys = []
        for key_expr, key_type in zip(e.keys, key_types, strict=False):
            node, typ = self.expr(key_expr, key_type)
            if not key_type.compatible(typ):
                self.error("E130", f"table `{e.table}` is keyed by {key_type.describe()}, but this is {typ.describe()}",
                           key_expr.span)
            keys.append(node)
        rows, default = owner_rows(owner, table)
        return ir.Lookup(key, tuple(keys), rows, default, result, origin=origin), result

    def find_table(self, name: str) -> tuple[ast.Table | None, LoweredModule | None]:
        if "." in name:
            alias, _, local = name.partition(".")
            used = self.out.uses.get(alias)
            return (used.tables.get(local), used) if used else (None, None)
        return self.out.tables.get(name), self.out


def _exprs(item: ast.Define | ast.Decision | ast.Table) -> list[ast.Expr]:
    return [item.expr] if isinstance(item, ast.Define) else [] if isinstance(item, ast.Table) else \
        [r.condition for r in item.rules]


def _refs(item: ast.Define | ast.Decision | ast.Table) -> set[str]:
    """The names an item reads: references, the tables it looks up, the definitions a table is keyed by."""
    if isinstance(item, ast.Table):
        return set(item.by)
    return {node.name if isinstance(node, ast.Ref) else node.table for expr in _exprs(item) for node in ast.walk(expr)
            if isinstance(node, (ast.Ref, ast.Lookup))}


def _literal_keys(node: ir.Node) -> dict[str, frozenset[object]] | None:
    """For a conjunction of `input = constant` / `input in {…}` tests, the allowed values per input."""
    parts = node.operands if isinstance(node, ir.BoolOp) and node.op == "and" else (node,)
    keys: dict[str, frozenset[object]] = {}
    for part in parts:
        match part:
            case ir.Compare("=", ir.InputRef(name), ir.Const(value)) | ir.Compare("=", ir.Const(value), ir.InputRef(name)):
                allowed: frozenset[object] = frozenset([value])
            case ir.InSet(ir.InputRef(name), items, False) if all(isinstance(i, ir.Const) for i in items):
                allowed = frozenset(i.value for i in items if isinstance(i, ir.Const))
            case ir.InputRef(name, typ) if typ.kind == "bool":
                allowed = frozenset([True])
            case ir.Not(ir.InputRef(name, typ)) if typ.kind == "bool":
                allowed = frozenset([False])
            case _:
                return None
        keys[name] = keys.get(name, allowed) & allowed
    return keys


def lower_module(out: LoweredModule, source: str) -> LoweredModule:
    """Check and lower `out.module` (whose `uses` are already lowered) into `out`."""
    lowerer = Lowerer(out, source)
    lowerer.declare()
    lowerer.lower_all()
    return out
