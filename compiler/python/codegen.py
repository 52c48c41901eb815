"""IR to Python source: one generator with one handler per IR kind; the traced evaluator is a variant of it.

As jinja2's template compiler, it writes Python source once per guideline; the code is compiled once and run
for every case. Author text enters the source only through `repr`; other constants are passed by name.

Kleene logic: `None` is unknown, `NA` is `none` (a known absence; comparisons with it are false). The code
reads an input where it is first needed, inlines a definition read once where it is read, computes a
definition read more than once on first use (a function written once), and compiles a first-match
decision to nested `if`s that stop at the deciding rule. Per target decision it gives an `outcome.Outcome`.

Generated code stays within the interpreter's limits by construction: `and`/`or` chains are flat, blocks
open only below DEPTH_BUDGET (deeper conditions are computed without blocks), long first-match decisions
settle through tables, and long chains of definitions are computed as locals in program order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from eligo import ir
from eligo.ir import outcome, tables
from eligo.ir.analysis import Facts
from eligo.python.lists import ListCodeGenerator
from eligo.python.source import DEPTH_BUDGET

NEST_LIMIT = 40  # first-match decisions with more rules settle through tables
CHAIN_LIMIT = 24  # definitions inlined into one another before one is computed as a local of its own
_OPS = {"=": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


class CodeGenerator(ListCodeGenerator):
    """Writes one evaluator function for some decisions of a program (all by default)."""

    signature = "def evaluate(c):"
    parameters = "c"  # of the evaluator and of the functions written for shared definitions
    known = False  # True in the two-valued variant (eligo.python.twovalued): every value it computes is known
    total = False  # tables read by key, holding every combination of their keys' values (a KeyError is caught)

    def __init__(self, program: ir.Program, targets: tuple[str, ...] | None = None, classify: bool = False) -> None:
        super().__init__()
        self.program = program
        self.facts = Facts(program)
        self.nodes = self.facts.nodes
        self.classify = classify
        wanted = set(targets) if targets is not None else {n.key for n in program.decisions}
        needed = self.facts.closure(wanted)
        self.order = [n for n in program.nodes if n.key in needed]
        self.targets = {n.key for n in self.order if isinstance(n, ir.Decision) and n.key in wanted}
        self.uses = Counter(k for n in self.order for k in self.facts.references_of(n.key))  # as count_uses
        self.eager = self.eager_definitions()
        self.memo: dict[str, str] = {}  # shared definitions -> their local, computed on first use
        self.helpers: dict[str, tuple[str, str]] = {}  # shared definitions -> (function name, source)
        self.in_helper = False
        self.tables: dict[tuple[str, tuple[tuple[object, ...], ...]], str] = {}
        self.locals: dict[str, str] = {}  # decisions and definitions computed in program order -> their local
        self.decision: str | None = None  # where the code being written is, for trace sites
        self.rule: str | None = None
        self.case = "c"  # the name of the case inputs are read from

    def eager_definitions(self) -> set[str]:
        """Definitions computed as locals in program order rather than where they are read: those that read a
        decision or such a definition (functions of the case cannot see them), and every CHAIN_LIMIT-th of a
        chain of definitions read by one another (so that writing the code never recurses deeply)."""
        needed = {n.key for n in self.order}
        eager = {k for k in self.facts.chain_breaks(CHAIN_LIMIT) if k in needed}
        for node in self.order:
            if isinstance(node, ir.Definition) and any(
                    isinstance(self.nodes[k], ir.Decision) or k in eager for k in self.facts.references_of(node.key)):
                eager.add(node.key)
        return eager

    # ------------------------------------------------------------ the two-valued variant's hooks
    def unknown(self, node: ir.Node) -> bool:
        """Whether `node` may be unknown in the code being written."""
        return self.facts.may_be_unknown(node)

    def known_or_bail(self, value: str) -> None:
        """`value` may be unknown: the two-valued variant hands the case to the three-valued function then."""

    def read(self, name: str, missing: bool) -> str:
        """How an input is read from the case (`missing`: by a reader of missing values)."""
        return f"{self.case}.get({name!r})"

    def body(self, lines: list[str], helpers: list[str]) -> list[str]:
        """The lines of the function written, as the variant wants them."""
        return lines

    # ------------------------------------------------------------ hooks the traced variant fills in
    def record(self, kind: str, origin: ir.Origin, out: str, *operands: str, node: ir.Node | None = None) -> None:
        """A condition or lookup (`node`) was computed into `out` from `operands`."""

    def rule_done(self, rule: ir.Rule, value: str) -> None:
        """A rule's condition was computed into `value`."""

    def definition_done(self, node: ir.Definition, local: str) -> None:
        """A definition was computed into `local`."""

    def returned(self, results: list[str]) -> str:
        return f"({', '.join(results)}{',' * bool(results)})"

    # ------------------------------------------------------------ expressions
    def expr(self, node: ir.Node) -> str:
        """Emit what computes `node` in the current block; return a name or literal holding its value."""
        handler: str = HANDLERS[type(node)]
        value: str = getattr(self, handler)(node)
        return value

    def const_node(self, node: ir.Const) -> str:
        if node.value is None:
            self.known_or_bail("None")
        return self.const(node.value)

    def input_node(self, node: ir.InputRef, missing: bool = False) -> str:
        """The input's local, read where first needed (`missing`: by `x is missing` or `first known of`, which
        take an unknown value as it is)."""
        key = f"input:{self.case}:{node.name}"
        local = self.bound(key)
        if local is None:
            local = f"{'i' if self.case == 'c' else 'j'}_{node.name}"
            self.emit(f"{local} = {self.read(node.name, missing)}")
            self.scopes[-1][key] = local
        return local

    def tolerant(self, node: ir.Node) -> str:
        """`node`'s value, unknown or not, where an input is read bare (by a reader of missing values)."""
        return self.input_node(node, missing=True) if isinstance(node, ir.InputRef) else self.expr(node)

    def reference_node(self, node: ir.DefRef) -> str:
        return self.ref(node.key)

    def not_node(self, node: ir.Not) -> str:
        value = self.expr(node.operand)
        if not self.unknown(node.operand):
            return self.assign(f"{value} is not True")
        return self.assign(f"None if {value} is None else {value} is not True")

    def boolop_node(self, node: ir.BoolOp) -> str:
        if self.deep:
            values = ", ".join(self.truth(o) for o in node.operands)
            return self.assign(f"kleene_{node.op}(({values},))")
        return self.conjunction(node.operands) if node.op == "and" else self.disjunction(node.operands)

    def compare_node(self, node: ir.Compare) -> str:
        if any(isinstance(n, ir.Const) and n.value is None for n in (node.left, node.right)):
            self.known_or_bail("None")
            self.record("condition", node.origin, "None", node=node)
            return "None"
        if node.op in _OPS and (listed := self.bounded_compare(node)) is not None:
            return listed
        a, b = self.expr(node.left), self.expr(node.right)
        out = self.assign(self.guarded(f"{a} {_OPS[node.op]} {b}", ((a, node.left), (b, node.right)), "False"))
        self.record("condition", node.origin, out, a, b, node=node)
        return out

    def arith_node(self, node: ir.Arith) -> str:
        a, b = self.expr(node.left), self.expr(node.right)
        if node.op != "/":
            return self.assign(self.guarded(f"{a} {node.op} {b}", ((a, node.left), (b, node.right)), "NA"))
        if isinstance(node.right, ir.Const):
            computed = "NA" if node.right.value == 0 else f"{a} / {b}"
            return self.assign(self.guarded(computed, ((a, node.left), (b, node.right)), "NA"))
        # a divisor known to be zero makes `none`, whatever the dividend (known or not)
        guarded = self.guarded(f"{a} / {b}", ((a, node.left), (b, node.right)), "NA")
        return self.assign(f"NA if {b} == 0 else ({guarded})")

    def neg_node(self, node: ir.Neg) -> str:
        value = self.expr(node.operand)
        return self.assign(self.guarded(f"-{value}", ((value, node.operand),), "NA"))

    def test_node(self, node: ir.Test) -> str:
        if isinstance(node.operand, ir.Const):  # decided now: `2.5 is None` would be a SyntaxWarning
            value = node.operand.value
            out = repr({"missing": value is None, "known": value is not None, "none": value is ir.NA}[node.test])
            self.record("condition", node.origin, out, self.const(value), node=node)
            return out
        value = self.tolerant(node.operand) if node.test != "none" else self.expr(node.operand)
        none = f"{value} is NA"
        if self.unknown(node.operand) and self.facts.may_be_none(node.operand):
            none = f"None if {value} is None else {none}"  # an unknown value may or may not be `none`
        out = self.assign({"missing": f"{value} is None", "known": f"{value} is not None", "none": none}[node.test])
        self.record("condition", node.origin, out, value, node=node)
        return out

    def inset_node(self, node: ir.InSet) -> str:
        value = self.expr(node.operand)
        if all(isinstance(i, ir.Const) and i.value is not None for i in node.items):
            members = self.named(frozenset(i.value for i in node.items if isinstance(i, ir.Const)))
            check = f"{value} not in {members}" if node.negated else f"{value} in {members}"
            if self.facts.may_be_none(node.operand):
                check = f"{node.negated} if {value} is NA else ({check})"
            out = self.assign(f"None if {value} is None else ({check})" if self.unknown(node.operand)
                              else check)
        else:
            parts = ", ".join(self.expr(i) for i in node.items)
            out = self.assign(f"kleene_in({value}, ({parts},), {node.negated})")
        self.record("condition", node.origin, out, value, node=node)
        return out

    def between_node(self, node: ir.Between) -> str:
        value, lo, hi = self.expr(node.operand), self.expr(node.low), self.expr(node.high)
        bounds = (node.low, node.high)
        if all(isinstance(b, ir.Const) and b.value is not None and b.value is not ir.NA for b in bounds) \
                and not self.facts.may_be_none(node.operand):
            within = f"{lo} <= {value} <= {hi}"
            out = self.assign(f"None if {value} is None else {within}" if self.unknown(node.operand)
                              else within)
        else:
            out = self.assign(f"kleene_between({value}, {lo}, {hi})")
        self.record("condition", node.origin, out, value, lo, hi, node=node)
        return out

    def first_known_node(self, node: ir.FirstKnown) -> str:
        if self.deep:
            out = self.assign(f"first_known(({', '.join(self.tolerant(i) for i in node.items)},))")
            self.known_or_bail(out)
            return out
        out = self.tmp()
        self.emit(f"{out} = {self.tolerant(node.items[0])}")
        for item in node.items[1:]:
            with self.block(f"if {out} is None:"):
                self.emit(f"{out} = {self.tolerant(item)}")
        self.known_or_bail(out)
        return out

    def if_node(self, node: ir.If) -> str:
        cond = self.expr(node.condition)
        unknown = self.unknown(node.condition)
        out = self.tmp()
        if self.deep:
            then, otherwise = self.expr(node.then), self.expr(node.otherwise)
            pending = f"None if {cond} is None else " if unknown else ""
            self.emit(f"{out} = {then} if {cond} is True else ({pending}{otherwise})")
            return out
        with self.block(f"if {cond} is True:"):
            self.emit(f"{out} = {self.expr(node.then)}")
        if unknown:
            with self.block(f"elif {cond} is None:"):
                self.emit(f"{out} = None")
        with self.block("else:"):
            self.emit(f"{out} = {self.expr(node.otherwise)}")
        return out

    def lookup_node(self, node: ir.Lookup) -> str:
        values = [self.expr(k) for k in node.keys]
        rows = [row.keys for row in node.rows]
        banded = any(tables.banded(k.type) for k in node.keys)  # a numeric key: its value read through pieces
        key_domains = tables.domains([k.type for k in node.keys], rows)
        if (node.table, key_domains) not in self.tables:  # one dict per table and key domains, however often read
            if banded:  # band columns read through their pieces (eligo.ir.tables.BandLookup)
                found: object = tables.BandLookup(rows, [r.value.value for r in node.rows], [k.type for k in node.keys])
            else:  # total: every combination of the keys' values, the fallback where no row matches (read by key)
                fallback = node.default.value if node.default is not None else ir.NA
                found = {combo if len(node.keys) > 1 else combo[0]: node.rows[index].value.value
                         if index is not None else fallback
                         for combo, index in tables.first_matches(rows, key_domains) if index is not None or self.total}
            self.tables[node.table, key_domains] = self.named(found)
        fallback = node.default.value if node.default is not None else ir.NA
        key = values[0] if len(values) == 1 and not banded else f"({', '.join(values)},)"
        found = f"{self.tables[node.table, key_domains]}.get({key}, {self.const(fallback)})"
        if self.total and not banded:
            found = f"{self.tables[node.table, key_domains]}[{key}]"
        if banded and len(values) == 1:
            found = f"{self.tables[node.table, key_domains]}.one({values[0]}, {self.const(fallback)})"
        unknown = [v for v, k in zip(values, node.keys, strict=True) if self.unknown(k)]
        out = self.assign(f"None if {' or '.join(f'{v} is None' for v in unknown)} else {found}" if unknown else found)
        if fallback is None or any(row.value.value is None for row in node.rows):
            self.known_or_bail(out)
        self.record("lookup", node.origin, out, *values, node=node)
        return out

    def elapsed_node(self, node: ir.Elapsed) -> str:
        a, b = self.expr(node.start), self.expr(node.end)
        function = "months_between" if node.unit in ("months", "years") else "days_between"
        return self.assign(self.guarded(f"{function}({a}, {b})", ((a, node.start), (b, node.end)), None))

    def guarded(self, computed: str, operands: tuple[tuple[str, ir.Node], ...], na_result: str | None) -> str:
        """`computed`, unknown if an operand is unknown, else `na_result` if an operand is `none`."""
        unknown = [name for name, node in operands if not isinstance(node, ir.Const) and self.unknown(node)]
        na = [name for name, node in operands if self.facts.may_be_none(node)]
        text = computed
        if na and na_result is not None:
            text = f"{na_result} if {' or '.join(f'{x} is NA' for x in na)} else {text}"
        if unknown:
            text = f"None if {' or '.join(f'{x} is None' for x in unknown)} else {text}"
        return text

    def conjunction(self, operands: tuple[ir.Node, ...]) -> str:
        """Kleene `and`: False if any operand is false (or none), else unknown if any is unknown, else True."""
        return self.chain(operands, "False", lambda value, maybe: f"if {value} is not True: {{out}} = {value}" if maybe
                          else f"if not {value}: {{out}} = False")

    def disjunction(self, operands: tuple[ir.Node, ...]) -> str:
        """Kleene `or`: True if any operand is true, else unknown if any is unknown, else False."""
        return self.chain(operands, "True", lambda value, maybe: f"if {value} is not False: {{out}} = {value}" if maybe
                          else f"if {value}: {{out}} = True")

    def chain(self, operands: tuple[ir.Node, ...], decisive: str, combine: Callable[[str, bool], str]) -> str:
        """An `and`/`or` chain that stops at the first decisive operand: each operand in a block guarded by the
        value so far, nested while depth allows, else side by side. Either way a block runs only if the ones
        before it did (the value never leaves `decisive`), so the inputs they read stay bound for it."""
        if self.known and (first := self.truth(operands[0])).startswith("t") and first[1:].isdigit():
            out = first  # two-valued: the first operand's temporary is read only here, so it holds the chain's value
        else:
            out = self.tmp()
            self.emit(f"{out} = {first if self.known else self.truth(operands[0])}")
        nest = self.depth + len(operands) < DEPTH_BUDGET
        self.scopes.append({})
        opened = 0
        going_on = f"if {'not ' * (decisive == 'True')}{out}:" if self.known else f"if {out} is not {decisive}:"
        for operand in operands[1:]:
            self.emit(going_on)
            self.depth += 1
            if nest:
                opened += 1
            value = self.truth(operand)
            self.emit(combine(value, self.unknown(operand)).format(out=out))
            if not nest:
                self.depth -= 1
        self.depth -= opened
        self.scopes.pop()
        return out

    def truth(self, node: ir.Node) -> str:
        """A condition's value as True, False or None (`none` counts as false)."""
        value = self.expr(node)
        return self.assign(f"False if {value} is NA else {value}") if self.facts.may_be_none(node) else value

    # ------------------------------------------------------------ definitions
    def ref(self, key: str) -> str:
        if key in self.locals:
            return self.locals[key]
        target = self.nodes[key]
        if self.element is not None and isinstance(target, ir.Definition):  # in an element function: inlined
            return self.expr(target.expr)
        assert isinstance(target, ir.Definition), key  # a decision read is a local, written before its readers
        if self.uses[key] <= 1:
            return self.expr(target.expr)  # read once: computed where it is read
        helper = self.helper(target)
        if self.in_helper:
            return self.assign(f"{helper}({self.parameters})")
        local = self.memo.setdefault(key, f"v{len(self.memo)}")
        self.emit(f"if {local} is UNSET: {local} = {helper}({self.parameters})")
        return local

    def helper(self, node: ir.Definition) -> str:
        """A definition read more than once: a function of the case, written once, called on first use."""
        if node.key not in self.helpers:
            name = f"h{len(self.helpers)}"
            self.helpers[node.key] = (name, "")  # the name is taken before helpers it calls are written
            saved = (self.lines, self.depth, self.scopes, self.in_helper, self.case)
            self.lines, self.depth, self.scopes, self.in_helper, self.case = [], 1, [{}], True, "c"
            self.emit(f"return {self.expr(node.expr)}")
            self.helpers[node.key] = (name, "\n".join([f"def {name}({self.parameters}):", *self.lines]))
            self.lines, self.depth, self.scopes, self.in_helper, self.case = saved
        return self.helpers[node.key][0]

    def local_definition(self, index: int, node: ir.Definition) -> None:
        self.decision = self.rule = None
        local = f"e{index}"
        self.emit(f"{local} = {self.expr(node.expr)}")
        self.locals[node.key] = local
        self.definition_done(node, local)

    # ------------------------------------------------------------ decisions
    def decision_block(self, index: int, node: ir.Decision, target: bool) -> None:
        self.decision = node.name
        result = f"r{index}"
        if node.policy == "first" and len(node.rules) <= NEST_LIMIT:
            self.nested(node, blocking_masks(node), 0, 0, result, target)
        elif node.policy == "first":
            self.flat(node, result, target)
        else:
            conditions = [self.rule_truth(r) for r in node.rules]
            outcomes = self.named(tuple(r.outcome for r in node.rules))
            function = "decide_unique" if node.policy == "unique" else "decide_collect"
            self.emit(f"{result} = {function}(({', '.join(conditions)}{',' * bool(conditions)}), {outcomes}, "
                      f"{self.const(node.default.outcome if node.default else None)}, {self.named(node.outcomes)})")
            if target and self.classify:
                self.emit(f"return {result}[0] if {result}[1] == {outcome.DECIDED} else None")
        self.decision = None
        if not (target and self.classify) and self.uses[node.key]:
            self.emit(f"d{index} = {result}[0]")
            if node.policy == "unique":  # a conflict's value is unknown
                self.known_or_bail(f"d{index}")
            self.locals[node.key] = f"d{index}"

    def rule_truth(self, rule: ir.Rule) -> str:
        self.rule = rule.name
        value = self.truth(rule.condition)
        self.rule_done(rule, value)
        self.rule = None
        return value

    def settled(self, node: ir.Decision, value: str, rule: int) -> str:
        """The source of what rule `rule` (or OTHERWISE) of `node` gives when it decides with outcome `value`."""
        return outcome.literal(outcome.settled(value, rule))

    def settle(self, node: ir.Decision, result: str, value: str, rule: int, unknown: str, blocking: int,
               target: bool) -> None:
        """The decision is settled by rule `rule` (OTHERWISE, or NO_RULE with `value` ""): decided unless blocked."""
        if value == "":  # no rule fired and there is no `otherwise`
            rule = outcome.NO_RULE
            decided, blocked = outcome.literal(outcome.UNMATCHED_OUTCOME), unknown if unknown != "0" else ""
        else:
            decided = self.settled(node, value, rule)
            blocked = f"{unknown} & {blocking}" if unknown != "0" and blocking else ""
        if target and self.classify:
            answer = repr(value) if value and value != ir.OPEN else "None"
            self.emit(f"return None if {blocked} else {answer}" if blocked else f"return {answer}")
        elif blocked:
            self.emit(f"{result} = {outcome.pending(rule, unknown)} if {blocked} else {decided}")
        else:
            self.emit(f"{result} = {decided}")

    def nested(self, node: ir.Decision, masks: list[int], index: int, unknown_bits: int, result: str,
               target: bool) -> None:
        """Rule `index` onwards: each rule's condition, then the rules after it in its `else` block."""
        unknown = "u" if unknown_bits else "0"
        if index == len(node.rules):
            value = node.default.outcome if node.default else ""
            self.settle(node, result, value, outcome.OTHERWISE, unknown, masks[-1], target)
            return
        rule = node.rules[index]
        value = self.rule_truth(rule)
        maybe = self.unknown(rule.condition)
        with self.block(f"if {value} is True:" if maybe else f"if {value}:"):
            self.settle(node, result, rule.outcome, index, unknown, masks[index], target)
        with self.block("else:"):
            bits = unknown_bits
            if maybe:
                self.emit(f"if {value} is None: u |= {1 << index}" if unknown_bits
                          else f"u = {1 << index} if {value} is None else 0")
                bits |= 1 << index
            self.nested(node, masks, index + 1, bits, result, target)

    def flat(self, node: ir.Decision, result: str, target: bool) -> None:
        """A long first-match decision: one guarded block per rule at the same depth, settled through tables of
        each rule's outcome and of the earlier rules with another outcome that keep it from deciding."""
        self.emit(f"fired = {outcome.NO_RULE}; u = 0")
        for i, rule in enumerate(node.rules):
            with self.block(f"if fired == {outcome.NO_RULE}:"):
                value = self.rule_truth(rule)
                self.emit(f"if {value} is True: fired = {i}")
                if self.unknown(rule.condition):
                    self.emit(f"elif {value} is None: u |= {self.bit(i)}")
        masks = blocking_masks(node)
        rules = dict(enumerate(r.outcome for r in node.rules))
        if node.default is not None:
            self.emit(f"if fired == {outcome.NO_RULE}: fired = {outcome.OTHERWISE}")
            rules[outcome.OTHERWISE] = node.default.outcome
        blocking = self.named({**dict(enumerate(masks[:-1])), outcome.OTHERWISE: masks[-1], outcome.NO_RULE: masks[-1]})
        if target and self.classify:
            answers = {i: None if value == ir.OPEN else value for i, value in rules.items()}
            self.emit(f"return None if u & {blocking}[fired] else {self.named(answers)}.get(fired)")
            return
        decided = {i: outcome.settled(value, i) for i, value in rules.items()} | {outcome.NO_RULE: outcome.UNMATCHED_OUTCOME}
        self.emit(f"{result} = {outcome.pending('fired', 'u')} if u & {blocking}[fired] else {self.named(decided)}[fired]")

    # ------------------------------------------------------------ the whole function
    def write(self) -> str:
        needed = {n.key for n in self.order}
        for index, node in enumerate(self.program.nodes):
            if node.key not in needed:
                continue
            if isinstance(node, ir.Decision):
                self.decision_block(index, node, node.key in self.targets)
            elif node.key in self.eager:
                self.local_definition(index, node)
        if self.memo:
            self.lines.insert(0, "    " + " = ".join(self.memo.values()) + " = UNSET")
        if not self.classify:
            results = [f"r{i}" for i, n in enumerate(self.program.nodes) if n.key in self.targets]
            self.emit(f"return {self.returned(results)}")
        helpers = [source for _, source in self.helpers.values()]
        header = "def classify(c):" if self.classify else self.signature
        return "\n\n".join([*helpers, "\n".join([header, *self.body(self.lines, helpers)])]) + "\n"


HANDLERS: dict[type, str] = {
    ir.Const: "const_node", ir.InputRef: "input_node", ir.DefRef: "reference_node", ir.Not: "not_node",
    ir.BoolOp: "boolop_node", ir.Compare: "compare_node", ir.Arith: "arith_node", ir.Neg: "neg_node",
    ir.Test: "test_node", ir.InSet: "inset_node", ir.Between: "between_node", ir.FirstKnown: "first_known_node",
    ir.If: "if_node", ir.Lookup: "lookup_node", ir.Elapsed: "elapsed_node", ir.ListOp: "list_node",
    ir.Field: "field_node",
}


def blocking_masks(node: ir.Decision) -> list[int]:
    """Per rule (then `otherwise`), the earlier rules whose outcome differs from its own: while any of them is
    unknown, the rule cannot decide. For `otherwise` missing (no rule matched), every rule."""
    masks: list[int] = []
    every = 0
    same: dict[str, int] = {}
    for i, rule in enumerate(node.rules):
        masks.append(every & ~same.get(rule.outcome, 0))
        every |= 1 << i
        same[rule.outcome] = same.get(rule.outcome, 0) | 1 << i
    masks.append(every & ~same.get(node.default.outcome, 0) if node.default else every)
    return masks

