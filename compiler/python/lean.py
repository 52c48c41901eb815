"""The no-trace evaluator: generated Python that does only the work a case needs.

Compared with the traced evaluator of `codegen`, it reads an input where it is first needed (in the
block that needs it), inlines a definition read once at the place that reads it, computes a
definition read more than once on first use (through a function written once), writes constants as
literals (through `repr`), and compiles a first-match decision to nested `if`s that stop at the
deciding rule. The results are
those of the traced evaluator: per decision `(value, status, rule_index, unknown_rules_mask)`.
`classifier` writes a variant for one decision that returns its outcome when decided, else None.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from eligo import ir

NEST_LIMIT = 40  # first-match decisions with more rules use flat guards (Python allows 100 indentation levels)
_OPS = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class Lean:
    """Writes one evaluator function for some decisions of a program."""

    def __init__(self, program: ir.Program, targets: tuple[str, ...] | None = None, classify: bool = False) -> None:
        self.program = program
        self.nodes = {n.key: n for n in program.nodes}
        self.classify = classify
        wanted = set(targets) if targets is not None else {n.key for n in program.decisions}
        needed = _closure(self.nodes, wanted)
        self.order = [n for n in program.nodes if n.key in needed]
        self.targets = {n.key for n in self.order if isinstance(n, ir.Decision) and n.key in wanted}
        self.uses = _uses(self.order)
        self.lines: list[str] = []
        self.depth = 1
        self.scopes: list[dict[str, str]] = [{}]  # per open block: input or definition key -> local name
        self.consts: dict[str, object] = {}
        self.counter = itertools.count()
        self.memo: dict[str, str] = {}  # definitions read more than once -> their local name
        self.helpers: dict[str, tuple[str, str]] = {}  # definitions read more than once -> their function
        self.in_helper = False
        self.tables: dict[tuple[str, tuple[tuple[object, ...], ...]], str] = {}
        self.decision_values: dict[str, str] = {}

    # ------------------------------------------------------------ plumbing
    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    @contextmanager
    def block(self, header: str) -> Iterator[None]:
        self.emit(header)
        self.depth += 1
        self.scopes.append({})
        try:
            yield
        finally:
            self.scopes.pop()
            self.depth -= 1

    def bound(self, key: str) -> str | None:
        for scope in reversed(self.scopes):
            if key in scope:
                return scope[key]
        return None

    def tmp(self) -> str:
        return f"t{next(self.counter)}"

    def assign(self, value: str) -> str:
        if value.isidentifier() or _literal(value):
            return value
        name = self.tmp()
        self.emit(f"{name} = {value}")
        return name

    def const(self, value: object) -> str:
        if value is ir.NA:
            return "NA"
        if value is None or isinstance(value, (bool, int, str)):
            return repr(value)
        if isinstance(value, float):
            return repr(value) if value == value and value not in (float("inf"), float("-inf")) else self.named(value)
        return self.named(value)

    def named(self, value: object) -> str:
        name = f"k{len(self.consts)}"
        self.consts[name] = value
        return name

    # ------------------------------------------------------------ static facts
    def may_na(self, node: ir.Node) -> bool:
        return ir.may_be_none(node, self.nodes)

    def may_unknown(self, node: ir.Node) -> bool:
        match node:
            case ir.Const(value):
                return value is None
            case ir.Test():
                return False
            case ir.DefRef(key):
                target = self.nodes[key]
                return isinstance(target, ir.Decision) or self.may_unknown(target.expr)
            case ir.FirstKnown(items):
                return all(self.may_unknown(i) for i in items)
            case ir.InputRef():
                return True
            case _:
                return any(self.may_unknown(child) for child in ir.children(node))

    # ------------------------------------------------------------ expressions
    def expr(self, node: ir.Node) -> str:
        """Emit what computes `node` in the current block; return a name or literal holding its value."""
        match node:
            case ir.Const(value):
                return self.const(value)
            case ir.InputRef(name):
                local = self.bound(f"input:{name}")
                if local is None:
                    local = f"i_{name}"
                    self.emit(f"{local} = c.get({name!r})")
                    self.scopes[-1][f"input:{name}"] = local
                return local
            case ir.DefRef(key):
                return self.ref(key)
            case ir.Not(operand):
                value = self.expr(operand)
                if not self.may_unknown(operand):
                    return self.assign(f"{value} is not True")
                return self.assign(f"None if {value} is None else {value} is not True")
            case ir.BoolOp("and", operands):
                return self.conjunction(operands)
            case ir.BoolOp(_, operands):
                return self.disjunction(operands)
            case ir.Compare(op, left, right):
                if any(isinstance(n, ir.Const) and n.value is None for n in (left, right)):
                    return "None"
                a, b = self.expr(left), self.expr(right)
                return self.assign(self.guarded(f"{a} {_OPS[op]} {b}", ((a, left), (b, right)), "False"))
            case ir.Arith(op, left, right):
                a, b = self.expr(left), self.expr(right)
                computed = f"(NA if {b} == 0 else {a} / {b})" if op == "/" else f"{a} {op} {b}"
                return self.assign(self.guarded(computed, ((a, left), (b, right)), "NA"))
            case ir.Neg(operand):
                value = self.expr(operand)
                return self.assign(self.guarded(f"-{value}", ((value, operand),), "NA"))
            case ir.Test(ir.Const(value), test):  # decided now: `2.5 is None` would be a SyntaxWarning
                return repr({"missing": value is None, "known": value is not None, "none": value is ir.NA}[test])
            case ir.Test(operand, test):
                value = self.expr(operand)
                return self.assign({"missing": f"{value} is None", "known": f"{value} is not None",
                                    "none": f"{value} is NA"}[test])
            case ir.InSet(operand, items, negated):
                value = self.expr(operand)
                if all(isinstance(i, ir.Const) and i.value is not None for i in items):
                    members = self.named(frozenset(i.value for i in items if isinstance(i, ir.Const)))
                    check = f"{value} not in {members}" if negated else f"{value} in {members}"
                    if self.may_na(operand):
                        check = f"{negated} if {value} is NA else ({check})"
                    return self.assign(f"None if {value} is None else ({check})" if self.may_unknown(operand) else check)
                parts = ", ".join(self.expr(i) for i in items)
                return self.assign(f"kleene_in({value}, ({parts},), {negated})")
            case ir.Between(operand, low, high):
                value, lo, hi = self.expr(operand), self.expr(low), self.expr(high)
                if isinstance(low, ir.Const) and isinstance(high, ir.Const) and not self.may_na(operand) \
                        and all(b.value is not None and b.value is not ir.NA for b in (low, high)):
                    within = f"{lo} <= {value} <= {hi}"
                    return self.assign(f"None if {value} is None else {within}" if self.may_unknown(operand) else within)
                return self.assign(f"kleene_between({value}, {lo}, {hi})")
            case ir.FirstKnown(items):
                out = self.tmp()
                self.emit(f"{out} = {self.expr(items[0])}")
                for item in items[1:]:
                    with self.block(f"if {out} is None:"):
                        self.emit(f"{out} = {self.expr(item)}")
                return out
            case ir.If(condition, then, otherwise):
                cond = self.expr(condition)
                out = self.tmp()
                with self.block(f"if {cond} is True:"):
                    self.emit(f"{out} = {self.expr(then)}")
                if self.may_unknown(condition):
                    with self.block(f"elif {cond} is None:"):
                        self.emit(f"{out} = None")
                with self.block("else:"):
                    self.emit(f"{out} = {self.expr(otherwise)}")
                return out
            case ir.Lookup():
                return self.lookup(node)
            case ir.Elapsed(unit, start, end):
                a, b = self.expr(start), self.expr(end)
                function = "months_between" if unit in ("months", "years") else "days_between"
                return self.assign(self.guarded(f"{function}({a}, {b})", ((a, start), (b, end)), None))
        raise AssertionError(f"no code generation for {node!r}")  # pragma: no cover - IR is closed

    def guarded(self, computed: str, operands: tuple[tuple[str, ir.Node], ...], na_result: str | None) -> str:
        """`computed`, unknown if an operand is unknown, else `na_result` if an operand is `none`."""
        unknown = [name for name, node in operands if not isinstance(node, ir.Const) and self.may_unknown(node)]
        na = [name for name, node in operands if self.may_na(node)]
        text = computed
        if na and na_result is not None:
            text = f"{na_result} if {' or '.join(f'{x} is NA' for x in na)} else {text}"
        if unknown:
            text = f"None if {' or '.join(f'{x} is None' for x in unknown)} else {text}"
        return text

    def conjunction(self, operands: tuple[ir.Node, ...]) -> str:
        """Kleene `and`: False if any operand is false (or none), else unknown if any is unknown, else True."""
        out = self.tmp()
        self.emit(f"{out} = {self.truth(operands[0])}")
        for operand in operands[1:]:
            self.emit(f"if {out} is not False:")
            self.depth += 1
            self.scopes.append({})
            value = self.truth(operand)
            if self.may_unknown(operand):
                self.emit(f"if {value} is not True: {out} = {value}")
            else:
                self.emit(f"if not {value}: {out} = False")
        for _ in operands[1:]:
            self.scopes.pop()
            self.depth -= 1
        return out

    def disjunction(self, operands: tuple[ir.Node, ...]) -> str:
        """Kleene `or`: True if any operand is true, else unknown if any is unknown, else False."""
        out = self.tmp()
        self.emit(f"{out} = {self.truth(operands[0])}")
        for operand in operands[1:]:
            self.emit(f"if {out} is not True:")
            self.depth += 1
            self.scopes.append({})
            value = self.truth(operand)
            self.emit(f"if {value} is not False: {out} = {value}" if self.may_unknown(operand)
                      else f"if {value}: {out} = True")
        for _ in operands[1:]:
            self.scopes.pop()
            self.depth -= 1
        return out

    def truth(self, node: ir.Node) -> str:
        """A condition's value as True, False or None (`none` counts as false)."""
        value = self.expr(node)
        return self.assign(f"False if {value} is NA else {value}") if self.may_na(node) else value

    def lookup(self, node: ir.Lookup) -> str:
        values = [self.expr(k) for k in node.keys]
        fallback = node.default.value if node.default is not None else ir.NA
        kinds = [getattr(k, "type", None) for k in node.keys]
        domains = tuple(tuple(k.values) if k is not None and k.kind == "enum" else (True, False) for k in kinds)
        if (node.table, domains) not in self.tables:  # one dict per table and key domains, however often read
            table: dict[object, object] = {}
            for combo in itertools.product(*domains):
                for row in node.rows:
                    if all(r is None or r == c for r, c in zip(row.keys, combo, strict=True)):
                        table[combo if len(node.keys) > 1 else combo[0]] = row.value.value
                        break
            self.tables[node.table, domains] = self.named(table)
        key = values[0] if len(values) == 1 else f"({', '.join(values)},)"
        found = f"{self.tables[node.table, domains]}.get({key}, {self.const(fallback)})"
        unknown = [v for v, k in zip(values, node.keys, strict=True) if self.may_unknown(k)]
        return self.assign(f"None if {' or '.join(f'{v} is None' for v in unknown)} else {found}" if unknown else found)

    def ref(self, key: str) -> str:
        if key in self.decision_values:
            return self.decision_values[key]
        target = self.nodes[key]
        assert isinstance(target, ir.Definition), key
        if self.uses[key] <= 1:
            return self.expr(target.expr)  # read once: computed where it is read
        helper = self.helper(target)
        if self.in_helper:
            return self.assign(f"{helper}(c)")
        local = self.memo.setdefault(key, f"v{len(self.memo)}")
        self.emit(f"if {local} is UNSET: {local} = {helper}(c)")
        return local

    def helper(self, node: ir.Definition) -> str:
        """A definition read more than once: a function of the case, written once, called on first use."""
        if node.key not in self.helpers:
            name = f"h{len(self.helpers)}"
            self.helpers[node.key] = (name, "")  # the name is taken before helpers it calls are written
            saved = (self.lines, self.depth, self.scopes, self.in_helper)
            self.lines, self.depth, self.scopes, self.in_helper = [], 1, [{}], True
            self.emit(f"return {self.expr(node.expr)}")
            self.helpers[node.key] = (name, "\n".join([f"def {name}(c):", *self.lines]))
            self.lines, self.depth, self.scopes, self.in_helper = saved
        return self.helpers[node.key][0]

    # ------------------------------------------------------------ decisions
    def decision(self, index: int, node: ir.Decision, target: bool) -> None:
        result = f"r{index}"
        if node.policy == "first" and len(node.rules) <= NEST_LIMIT:
            self.nested(node, 0, 0, result, target)
        elif node.policy == "first":
            self.flat(node, result, target)
        else:
            conditions = [self.truth(r.condition) for r in node.rules]
            outcomes = self.named(tuple(r.outcome for r in node.rules))
            function = "decide_unique" if node.policy == "unique" else "decide_collect"
            self.emit(f"{result} = {function}(({', '.join(conditions)}{',' * bool(conditions)}), {outcomes}, "
                      f"{self.const(node.default.outcome if node.default else None)}, {self.named(node.outcomes)})")
            if target and self.classify:
                self.emit(f"return {result}[0] if {result}[1] == 0 else None")
        if not (target and self.classify) and self.uses[node.key]:
            self.emit(f"d{index} = {result}[0]")
            self.decision_values[node.key] = f"d{index}"

    def settle(self, result: str, outcome: str, rule: int, unknown: str, blocking: int, target: bool) -> None:
        """The decision is settled by rule `rule` (-1 `otherwise`, -2 none): decided unless blocked."""
        if outcome == "":  # no rule fired and no `otherwise`
            decided, undecided = "(NA, 2, -2, 0)", f"(None, 1, -2, {unknown})"
            blocked = unknown if unknown != "0" else ""
        else:
            decided, undecided = f"({outcome!r}, 0, {rule}, 0)", f"(None, 1, {rule}, {unknown})"
            blocked = f"{unknown} & {blocking}" if unknown != "0" and blocking else ""
        if target and self.classify:
            value = repr(outcome) if outcome else "None"
            self.emit(f"return None if {blocked} else {value}" if blocked else f"return {value}")
        else:
            self.emit(f"{result} = {undecided} if {blocked} else {decided}" if blocked else f"{result} = {decided}")

    def nested(self, node: ir.Decision, index: int, unknown_bits: int, result: str, target: bool) -> None:
        """Rule `index` onwards: each rule's condition, then the rules after it in its `else` block."""
        unknown = "u" if unknown_bits else "0"
        if index == len(node.rules):
            outcome = node.default.outcome if node.default else ""
            self.settle(result, outcome, -1, unknown, _blocking(node, index), target)
            return
        rule = node.rules[index]
        value = self.truth(rule.condition)
        with self.block(f"if {value} is True:" if self.may_unknown(rule.condition) else f"if {value}:"):
            self.settle(result, rule.outcome, index, unknown, _blocking(node, index), target)
        with self.block("else:"):
            bits = unknown_bits
            if self.may_unknown(rule.condition):
                self.emit(f"if {value} is None: u |= {1 << index}" if unknown_bits
                          else f"u = {1 << index} if {value} is None else 0")
                bits |= 1 << index
            self.nested(node, index + 1, bits, result, target)

    def flat(self, node: ir.Decision, result: str, target: bool) -> None:
        """A long first-match decision: one guarded block per rule, at the same depth."""
        self.emit("fired = -2; u = 0")
        for i, rule in enumerate(node.rules):
            with self.block("if fired == -2:"):
                value = self.truth(rule.condition)
                self.emit(f"if {value} is True: fired = {i}")
                self.emit(f"elif {value} is None: u |= {1 << i}")
        for i, rule in enumerate(node.rules):
            with self.block(f"{'if' if i == 0 else 'elif'} fired == {i}:"):
                self.settle(result, rule.outcome, i, "u", _blocking(node, i), target)
        with self.block("else:" if node.rules else "if True:"):
            self.settle(result, node.default.outcome if node.default else "", -1, "u",
                        _blocking(node, len(node.rules)), target)

    # ------------------------------------------------------------ whole function
    def write(self) -> str:
        needed = {n.key for n in self.order}
        for index, node in enumerate(self.program.nodes):
            if isinstance(node, ir.Decision) and node.key in needed:
                self.decision(index, node, node.key in self.targets)
        if self.memo:
            self.lines.insert(0, "    " + " = ".join(self.memo.values()) + " = UNSET")
        if not self.classify:
            results = [f"r{i}" for i, n in enumerate(self.program.nodes) if n.key in self.targets]
            self.emit(f"return ({', '.join(results)}{',' * bool(results)})")
        helpers = [source for _, source in self.helpers.values()]
        return "\n\n".join([*helpers, "\n".join([f"def {'classify' if self.classify else 'evaluate'}(c):",
                                                   *self.lines])]) + "\n"


def _blocking(node: ir.Decision, index: int) -> int:
    """The rules before `index` whose outcome differs from that of rule `index` (or `otherwise`; all if none)."""
    rules = [*node.rules, node.default]
    outcome = rules[index].outcome if rules[index] is not None else None  # type: ignore[union-attr]
    return sum(1 << j for j, r in enumerate(node.rules[:index]) if outcome is None or r.outcome != outcome)


def _literal(text: str) -> bool:
    return text in ("None", "True", "False", "NA") or (text[:1] in "'\"" and text[-1:] == text[:1]) or \
        text.replace(".", "", 1).replace("-", "", 1).replace("e", "", 1).isdigit()


def _closure(nodes: dict[str, ir.Definition | ir.Decision], wanted: set[str]) -> set[str]:
    """The keys of the wanted decisions and of every definition and decision they read."""
    found: set[str] = set()
    stack = list(wanted)
    while stack:
        key = stack.pop()
        if key in found:
            continue
        found.add(key)
        node = nodes[key]
        roots = [node.expr] if isinstance(node, ir.Definition) else [r.condition for r in node.rules]
        stack.extend(n.key for root in roots for n in ir.walk(root) if isinstance(n, ir.DefRef))
    return found


def _uses(order: list[ir.Definition | ir.Decision]) -> Counter[str]:
    uses: Counter[str] = Counter()
    for node in order:
        roots = [node.expr] if isinstance(node, ir.Definition) else [r.condition for r in node.rules]
        uses.update(n.key for root in roots for n in ir.walk(root) if isinstance(n, ir.DefRef))
    return uses

