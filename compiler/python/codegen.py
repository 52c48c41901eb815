"""IR to Python: one generated function per guideline, compiled once, run for every case.

As in jinja2's template compiler, the generator writes Python source, compiles it and keeps the
code object. Author text never enters the source: constants are passed in a namespace and input
names through `repr`. Two variants are generated: a fast one, and one that records a trace.

Kleene logic: `None` is unknown, `NA` is `none` (a known absence, comparisons with it are false).
The function returns, for every decision of the program in order, `(value, status, rule_index,
unknown_rules_mask)`: status an index into `runtime.STATUSES`; rule_index -1 is the `otherwise`
clause and -2 no rule (for `conflict`, the mask holds the rules that fired).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eligo import ir
from eligo.python import runtime
from eligo.python.lean import Lean

_PY_OPS = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

Evaluator = Callable[..., Any]


@dataclass
class TraceSite:
    kind: str
    origin: ir.Origin
    decision: str | None = None
    rule: str | None = None


@dataclass
class Generated:
    fast: Evaluator
    traced: Evaluator
    source: str
    traced_source: str
    sites: list[TraceSite] = field(default_factory=list)
    program: ir.Program | None = field(default=None, repr=False)
    name: str = ""

    def classifier(self, decision_key: str) -> tuple[Evaluator, str]:
        """A function of a prepared case returning the decision's outcome when decided, else None; and its source."""
        assert self.program is not None
        lean = Lean(self.program, (decision_key,), classify=True)
        source = lean.write()
        return _compile(source, lean.consts, self.name, "classify"), source


class _Writer:
    def __init__(self, program: ir.Program, trace: bool, sites: list[TraceSite]) -> None:
        self.program = program
        self.trace = trace
        self.sites = sites
        self.lines: list[str] = []
        self.depth = 1
        self.names: dict[str, str] = {}  # global key -> local variable
        self.consts: dict[str, object] = {}
        self.counter = itertools.count()
        self.decision: str | None = None
        self.rule: str | None = None
        self.nodes = {n.key: n for n in program.nodes}

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def tmp(self) -> str:
        return f"t{next(self.counter)}"

    def const(self, value: object) -> str:
        if value is None or isinstance(value, bool):
            return repr(value)
        if value is ir.NA:
            return "NA"
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return repr(value)
        name = f"k{len(self.consts)}"
        self.consts[name] = value
        return name

    def site(self, kind: str, origin: ir.Origin) -> int:
        self.sites.append(TraceSite(kind, origin, self.decision, self.rule))
        return len(self.sites) - 1

    # ------------------------------------------------------------ static facts
    def may_na(self, node: ir.Node) -> bool:
        return ir.may_be_none(node, self.nodes)

    # ------------------------------------------------------------ expressions
    def expr(self, node: ir.Node) -> str:
        """Emit statements computing `node`; return a Python expression (a name or a literal) for it."""
        match node:
            case ir.Const(value):
                return self.const(value)
            case ir.InputRef(name):
                return self.names[f"input:{name}"]
            case ir.DefRef(key):
                return self.names[key]
            case ir.Compare(op, left, right):
                return self.compare(op, left, right, node.origin)
            case ir.Not(operand):
                value = self.expr(operand)
                out = self.tmp()
                self.emit(f"{out} = None if {value} is None else {value} is not True")
                return out
            case ir.BoolOp(op, operands):
                return self.boolop(op, operands)
            case ir.Arith(op, left, right):
                a, b = self.expr(left), self.expr(right)
                out = self.tmp()
                computed = f"divide({a}, {b})" if op == "/" else f"{a} {op} {b}"
                guard = self.guard(a, b, left, right)
                self.emit(f"{out} = {guard}{computed}")
                return out
            case ir.Neg(operand):
                value = self.expr(operand)
                out = self.tmp()
                self.emit(f"{out} = None if {value} is None else (NA if {value} is NA else -{value})")
                return out
            case ir.Test(operand, test):
                value = self.expr(operand)
                out = self.tmp()
                checks = {"missing": f"{value} is None", "known": f"{value} is not None", "none": f"{value} is NA"}
                if isinstance(operand, ir.Const):  # decided now: `2.5 is None` would be a SyntaxWarning
                    checks = {"missing": repr(operand.value is None), "known": repr(operand.value is not None),
                              "none": repr(operand.value is ir.NA)}
                self.emit(f"{out} = {checks[test]}")
                self.record("condition", node.origin, out, value)
                return out
            case ir.InSet(operand, items, negated):
                value = self.expr(operand)
                out = self.tmp()
                if all(isinstance(i, ir.Const) and i.value is not None for i in items):
                    members = self.const(frozenset(i.value for i in items if isinstance(i, ir.Const)))
                    membership = f"{value} not in {members}" if negated else f"{value} in {members}"
                    na = f"{negated} if {value} is NA else " if self.may_na(operand) else ""
                    self.emit(f"{out} = None if {value} is None else ({na}{membership})")
                else:
                    parts = ", ".join(self.expr(i) for i in items)
                    self.emit(f"{out} = kleene_in({value}, ({parts},), {negated})")
                self.record("condition", node.origin, out, value)
                return out
            case ir.Between(operand, low, high):
                value, lo, hi = self.expr(operand), self.expr(low), self.expr(high)
                out = self.tmp()
                if isinstance(low, ir.Const) and isinstance(high, ir.Const) and not self.may_na(operand) \
                        and low.value is not None and high.value is not None \
                        and low.value is not ir.NA and high.value is not ir.NA:
                    self.emit(f"{out} = None if {value} is None else {lo} <= {value} <= {hi}")
                else:
                    self.emit(f"{out} = kleene_between({value}, {lo}, {hi})")
                self.record("condition", node.origin, out, value, lo, hi)
                return out
            case ir.FirstKnown(items):
                out = self.tmp()
                first = self.expr(items[0])
                self.emit(f"{out} = {first}")
                for item in items[1:]:
                    self.emit(f"if {out} is None:")
                    self.depth += 1
                    value = self.expr(item)
                    self.emit(f"{out} = {value}")
                    self.depth -= 1
                return out
            case ir.If(condition, then, otherwise):
                cond = self.expr(condition)
                out = self.tmp()
                self.emit(f"if {cond} is True:")
                self.depth += 1
                self.emit(f"{out} = {self.expr(then)}")
                self.depth -= 1
                self.emit(f"elif {cond} is None:")
                self.emit(f"    {out} = None")
                self.emit("else:")
                self.depth += 1
                self.emit(f"{out} = {self.expr(otherwise)}")
                self.depth -= 1
                return out
            case ir.Lookup(_, keys, rows, default):
                return self.lookup(node, keys, rows, default)
            case ir.Elapsed(unit, start, end):
                a, b = self.expr(start), self.expr(end)
                out = self.tmp()
                function = "months_between" if unit in ("months", "years") else "days_between"
                self.emit(f"{out} = None if {a} is None or {b} is None else {function}({a}, {b})")
                return out
        raise AssertionError(f"no code generation for {node!r}")  # pragma: no cover - IR is closed

    def guard(self, a: str, b: str, left: ir.Node, right: ir.Node) -> str:
        unknown = [x for x, n in ((a, left), (b, right)) if not isinstance(n, ir.Const)]
        na = [x for x, n in ((a, left), (b, right)) if self.may_na(n)]
        text = ""
        if unknown:
            text += f"None if {' or '.join(f'{x} is None' for x in unknown)} else "
        if na:
            text += f"NA if {' or '.join(f'{x} is NA' for x in na)} else "
        return text

    def compare(self, op: str, left: ir.Node, right: ir.Node, origin: ir.Origin) -> str:
        a, b = self.expr(left), self.expr(right)
        out = self.tmp()
        unknown = [x for x, n in ((a, left), (b, right)) if not isinstance(n, ir.Const)]
        if any(isinstance(n, ir.Const) and n.value is None for n in (left, right)):
            self.emit(f"{out} = None")
        else:
            na = [x for x, n in ((a, left), (b, right)) if self.may_na(n)]
            text = f"{a} {_PY_OPS[op]} {b}"
            if na:
                text = f"False if {' or '.join(f'{x} is NA' for x in na)} else {text}"
            if unknown:
                text = f"None if {' or '.join(f'{x} is None' for x in unknown)} else {text}"
            self.emit(f"{out} = {text}")
        self.record("condition", origin, out, a, b)
        return out

    def boolop(self, op: str, operands: tuple[ir.Node, ...]) -> str:
        out = self.tmp()
        decisive, other = ("False", "True") if op == "and" else ("True", "False")
        self.emit(f"{out} = {other}")
        for index, operand in enumerate(operands):
            if index:
                self.emit(f"if {out} is not {decisive}:")
                self.depth += 1
            value = self.expr(operand)
            if op == "and":
                self.emit(f"if {value} is None:")
                self.emit(f"    {out} = None")
                self.emit(f"elif {value} is not True:")
                self.emit(f"    {out} = False")
            else:
                self.emit(f"if {value} is True:")
                self.emit(f"    {out} = True")
                self.emit(f"elif {value} is None and {out} is False:")
                self.emit(f"    {out} = None")
            if index:
                self.depth -= 1
        return out

    def lookup(self, node: ir.Lookup, keys: tuple[ir.Node, ...], rows: tuple[ir.TableRow, ...],
               default: ir.Const | None) -> str:
        values = [self.expr(k) for k in keys]
        out = self.tmp()
        fallback = default.value if default is not None else ir.NA
        table: dict[object, object] = {}
        domains = [tuple(t.values) if (t := getattr(k, "type", None)) is not None and t.kind == "enum" else (True, False)
                   for k in keys]
        for combo in itertools.product(*domains):
            for row in rows:
                if all(r is None or r == c for r, c in zip(row.keys, combo, strict=True)):
                    table[combo if len(keys) > 1 else combo[0]] = row.value.value
                    break
        mapping = self.const(table)
        key = values[0] if len(values) == 1 else f"({', '.join(values)},)"
        unknown = " or ".join(f"{v} is None" for v in values)
        self.emit(f"{out} = None if {unknown} else {mapping}.get({key}, {self.const(fallback)})")
        self.record("lookup", node.origin, out, *values)
        return out

    def record(self, kind: str, origin: ir.Origin, out: str, *operands: str) -> None:
        if self.trace:
            site = self.site(kind, origin)
            self.emit(f"_t.append(({site}, {out}, ({', '.join(operands)}{',' if operands else ''})))")

    # ------------------------------------------------------------ definitions and decisions
    def definition(self, index: int, node: ir.Definition) -> None:
        self.decision, self.rule = None, None
        value = self.expr(node.expr)
        local = f"v{index}"
        self.emit(f"{local} = {value}")
        self.names[node.key] = local
        if self.trace:
            site = self.site("definition", ir.Origin(node.span, node.name))
            self.emit(f"_t.append(({site}, {local}, ()))")

    def decision_block(self, index: int, node: ir.Decision) -> str:
        self.decision = node.name
        bits = {outcome: 1 << i for i, outcome in enumerate(node.outcomes)}
        result = f"r{index}"
        if node.policy == "first":
            self.first_match(node, bits, result)
        else:
            self.all_rules(node, result)
        local = f"v{index}"
        self.emit(f"{local} = {result}[0]")
        self.names[node.key] = local
        self.decision = None
        return result

    def rule_condition(self, rule: ir.Rule) -> str:
        self.rule = rule.name
        value = self.expr(rule.condition)
        if self.trace:
            site = self.site("rule", ir.Origin(rule.span, _condition_text(rule)))
            self.emit(f"_t.append(({site}, {value}, ()))")
        self.rule = None
        return value

    def first_match(self, node: ir.Decision, bits: dict[str, int], result: str) -> None:
        self.emit("fired = -2; pend = 0; unk = 0")
        for i, rule in enumerate(node.rules):
            if i:
                self.emit("if fired == -2:")
                self.depth += 1
            value = self.rule_condition(rule)
            self.emit(f"if {value} is True:")
            self.emit(f"    fired = {i}; bit = {bits[rule.outcome]}")
            self.emit(f"elif {value} is None:")
            self.emit(f"    pend |= {bits[rule.outcome]}; unk |= {1 << i}")
            if i:
                self.depth -= 1
        if node.default is not None:
            self.emit("if fired == -2:")
            self.emit(f"    fired = -1; bit = {bits[node.default.outcome]}")
        outcomes = self.const(tuple(node.outcomes))
        self.emit("if fired != -2:")
        self.emit(f"    {result} = ({outcomes}[bit.bit_length() - 1], 0, fired, 0) if pend & ~bit == 0 "
                  "else (None, 1, fired, unk)")
        self.emit("else:")
        self.emit(f"    {result} = (None, 1, -2, unk) if unk else (NA, 2, -2, 0)")

    def all_rules(self, node: ir.Decision, result: str) -> None:
        values = [self.rule_condition(rule) for rule in node.rules]
        outcomes = self.const(tuple(rule.outcome for rule in node.rules))
        default = self.const(node.default.outcome if node.default else None)
        order = self.const(tuple(node.outcomes))
        function = "decide_unique" if node.policy == "unique" else "decide_collect"
        self.emit(f"{result} = {function}(({', '.join(values)}{',' if values else ''}), {outcomes}, {default}, {order})")

    # ------------------------------------------------------------ whole program
    def write(self) -> str:
        inputs = sorted({n.name for node in self.program.nodes for n in _inputs_of(node)})
        for name in inputs:
            local = f"i_{name}"
            self.names[f"input:{name}"] = local
            self.emit(f"{local} = c.get({name!r})")
        results = {}
        for index, node in enumerate(self.program.nodes):
            if isinstance(node, ir.Definition):
                self.definition(index, node)
            else:
                results[node.key] = self.decision_block(index, node)
        own = ", ".join(results.values())
        own_tuple = f"({own},)" if results else "()"
        if self.trace:
            values = ", ".join(f"{node.key!r}: {self.names[node.key]}" for node in self.program.nodes
                               if isinstance(node, ir.Definition))
            self.emit(f"return {own_tuple}, {{{values}}}")
        else:
            self.emit(f"return {own_tuple}")
        header = "def evaluate(c, _t):" if self.trace else "def evaluate(c):"
        return "\n".join([header, *self.lines]) + "\n"


def _condition_text(rule: ir.Rule) -> str:
    return rule.condition.origin.text if hasattr(rule.condition, "origin") else rule.name


def _inputs_of(node: ir.Definition | ir.Decision) -> list[ir.InputRef]:
    roots = [node.expr] if isinstance(node, ir.Definition) else [r.condition for r in node.rules]
    return [n for root in roots for n in ir.walk(root) if isinstance(n, ir.InputRef)]


def decide_unique(conditions: tuple[bool | None, ...], outcomes: tuple[str, ...], default: str | None,
                  order: tuple[str, ...]) -> tuple[object, int, int, int]:
    fired = [i for i, c in enumerate(conditions) if c is True]
    unknown = [i for i, c in enumerate(conditions) if c is None]
    unk = sum(1 << i for i in unknown)
    if len({outcomes[i] for i in fired}) > 1 or len(fired) > 1:
        return (None, 3, fired[0], sum(1 << i for i in fired))
    if fired:
        outcome, index = outcomes[fired[0]], fired[0]
    elif default is not None:
        outcome, index = default, -1
    else:
        return (None, 1, -2, unk) if unknown else (runtime.NA, 2, -2, 0)
    if any(outcomes[i] != outcome for i in unknown):
        return (None, 1, index, unk)
    return (outcome, 0, index, 0)


def decide_collect(conditions: tuple[bool | None, ...], outcomes: tuple[str, ...], default: str | None,
                   order: tuple[str, ...]) -> tuple[object, int, int, int]:
    fired = {outcomes[i] for i, c in enumerate(conditions) if c is True}
    unknown = [i for i, c in enumerate(conditions) if c is None and outcomes[i] not in fired]
    if unknown:
        return (None, 1, -2, sum(1 << i for i in unknown))
    if not fired and default is not None:
        fired = {default}
    return (tuple(o for o in order if o in fired), 0, -2, 0)


class _Unset:
    """The value of a definition not computed yet (the no-trace evaluator computes on first use)."""

    def __repr__(self) -> str:
        return "UNSET"


_UNSET = _Unset()


def _namespace(consts: dict[str, object]) -> dict[str, object]:
    return {
        "NA": runtime.NA,
        "months_between": runtime.months_between,
        "days_between": runtime.days_between,
        "divide": runtime.divide,
        "kleene_in": runtime.kleene_in,
        "kleene_between": runtime.kleene_between,
        "decide_unique": decide_unique,
        "decide_collect": decide_collect,
        "date": dt.date,
        "UNSET": _UNSET,
        "__builtins__": {},
        **consts,
    }


def generate(program: ir.Program, name: str) -> Generated:
    """Generate, compile and return both evaluators of `program`: the lean one and the traced one."""
    lean = Lean(program)
    fast_source = lean.write()
    sites: list[TraceSite] = []
    traced_writer = _Writer(program, trace=True, sites=sites)
    traced_source = traced_writer.write()
    fast = _compile(fast_source, lean.consts, name, "evaluate")
    traced = _compile(traced_source, traced_writer.consts, name, "evaluate")
    return Generated(fast, traced, fast_source, traced_source, sites, program, name)


def _compile(source: str, consts: dict[str, object], name: str, function: str) -> Evaluator:
    namespace = _namespace(consts)
    exec(compile(source, f"<eligo {name}>", "exec"), namespace)  # our own generated code, compiled once
    evaluator: Evaluator = namespace[function]  # type: ignore[assignment]
    return evaluator
