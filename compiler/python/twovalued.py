"""The two-valued evaluator: the code generator's variant for cases whose values read are all known.

A case with every input it reads known is decided by plain two-valued logic: no value is unknown, so no
`None if … is None else …` guard, no mask of unknown rules, and a chain tests its value by truth. Each input is
checked once where first read; an unknown value (or a missing input that an `is missing` or `first known of`
does not read as such) hands the whole case to the three-valued function, named `fallback` in the generated
module, which answers from the start. Shared definitions written as functions raise `Unknown` for that. The
classifier reads inputs by key (an absent one raises KeyError, and the fallback answers too), and an input first
read to be ordered against a constant (`x <= 5`) is not checked: Python refuses to order None (TypeError), and the
fallback answers then as well. The classifier's rules of a first-match decision are jumps, as a hand-written
function is: a conjunction's parts (through definitions read only there) nested `if`s with the rule's answer
returned in the innermost, a disjunction's parts one after the other, and the next rule after them (reached
wherever the condition fails). A temporary assigned and then only tested by the `if` on the next line is tested
where it is computed (`if not (x <= 5): ...`): a comparison followed at once by its jump is what the interpreter
specialises.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from eligo import ir
from eligo.python.codegen import CodeGenerator
from eligo.python.source import DEPTH_BUDGET


class TwoValuedCodeGenerator(CodeGenerator):
    """Writes the evaluator (or a classifier) for known values; `fallback` answers a case with an unknown one."""

    known = True

    def unknown(self, node: ir.Node) -> bool:  # inside a list operation's element function, fields may be unknown
        return self.element is not None and self.facts.may_be_unknown(node)

    def known_or_bail(self, value: str) -> None:
        if self.element is not None:  # the element function is three-valued; its list operation's value is checked
            return
        bail = "raise Unknown" if self.in_helper else f"return {self.fallback_call()}"
        self.emit(f"if {value} is None: {bail}")

    ordered = False  # an ordering of the input being read against a constant follows: it raises TypeError on None

    @property
    def total(self) -> bool:  # type: ignore[override]
        return self.classify  # a value no row names (not one of the kind's) raises KeyError: the fallback answers

    def read(self, name: str, missing: bool) -> str:
        if self.classify:  # an absent key raises KeyError: the fallback answers (for `x is missing` as well)
            return f"{self.case}[{name!r}]"
        return super().read(name, missing)

    def input_node(self, node: ir.InputRef, missing: bool = False) -> str:
        local = super().input_node(node, missing)
        checked = f"known:{self.case}:{node.name}"
        if not missing and self.bound(checked) is None:
            if not self.ordered:
                self.known_or_bail(local)
            self.scopes[-1][checked] = local
        return local

    def compare_node(self, node: ir.Compare) -> str:
        if self.classify and node.op in ("<", "<=", ">", ">=") and isinstance(node.left, ir.InputRef) \
                and isinstance(node.right, ir.Const) and node.right.value is not None and node.right.value is not ir.NA:
            self.ordered = True  # None <= 5 raises TypeError where it is computed, at once after the read
            try:
                return super().compare_node(node)
            finally:
                self.ordered = False
        return super().compare_node(node)

    def nested(self, node: ir.Decision, masks: list[int], index: int, unknown_bits: int, result: str,
               target: bool) -> None:
        if not (self.classify and target) or unknown_bits or index == len(node.rules) \
                or self.unknown(node.rules[index].condition):
            super().nested(node, masks, index, unknown_bits, result, target)
            return
        rule = node.rules[index]
        self.rule = rule.name
        self.jumps(rule.condition, lambda: self.settle(node, result, rule.outcome, index, "0", masks[index], target))
        self.rule = None
        self.nested(node, masks, index + 1, unknown_bits, result, target)  # where the condition does not hold

    def jumps(self, node: ir.Node, answer: Callable[[], None]) -> None:
        """Code that runs `answer` (which returns) where the condition `node` holds and falls through where it
        does not: a conjunction's parts in nested `if`s, a disjunction's one after the other."""
        conjuncts, disjuncts = self.parts(node, "and"), self.parts(node, "or")
        if self.depth + len(conjuncts) + 1 >= DEPTH_BUDGET:
            conjuncts, disjuncts = [node], [node]
        if len(conjuncts) > 1:
            for part in conjuncts[:-1]:  # each tested where the ones before it held
                self.emit(f"if {self.truth(part)}:")
                self.depth += 1
                self.scopes.append({})
            self.jumps(conjuncts[-1], answer)
            for _ in conjuncts[:-1]:
                self.scopes.pop()
                self.depth -= 1
        elif len(disjuncts) > 1:
            for part in disjuncts:  # each tested where the ones before it did not hold (they returned if they did)
                self.jumps(part, answer)
        else:
            with self.block(f"if {self.truth(node)}:"):
                answer()

    def parts(self, node: ir.Node, op: str) -> list[ir.Node]:
        """The operands of an `and` or `or` (`op`), nested ones and definitions read only here (inlined) included."""
        match node:
            case ir.BoolOp(op=found, operands=operands) if found == op:
                return [part for operand in operands for part in self.parts(operand, op)]
            case ir.DefRef(key=key) if key not in self.locals and self.uses[key] <= 1 and self.element is None \
                    and isinstance(definition := self.nodes[key], ir.Definition):
                return self.parts(definition.expr, op) if isinstance(definition.expr, ir.BoolOp) else [node]
        return [node]

    def body(self, lines: list[str], helpers: list[str]) -> list[str]:
        lines = tested_where_computed(lines, helpers)
        caught = ("KeyError", "TypeError") * self.classify + \
            ("Unknown",) * any("raise Unknown" in source for source in helpers)
        if not caught:
            return lines
        return ["    try:", *("    " + line for line in lines), f"    except ({', '.join(caught)},):",
                f"        return {self.fallback_call()}"]

    def fallback_call(self) -> str:
        """What the function returns for a case with an unknown value read: the fallback's answer."""
        return f"fallback({self.parameters})"


_ASSIGNED = re.compile(r"( *)(t[0-9]+) = (.+)")
_TESTED = re.compile(r"( *)if (not )?(t[0-9]+):(.*)")
_TEMPORARY = re.compile(r"\bt[0-9]+\b")


def tested_where_computed(lines: list[str], helpers: list[str]) -> list[str]:
    """`t = EXPR` then `if t: …` (or `if not t: …`) at the same depth, `t` read nowhere else, as `if (EXPR): …`.

    >>> tested_where_computed(["    t1 = a <= 5", "    if not t1: t0 = False", "    t2 = b", "    if t2:", "    t3 = t2"], [])
    ['    if not (a <= 5): t0 = False', '    t2 = b', '    if t2:', '    t3 = t2']
    """
    uses = Counter(_TEMPORARY.findall("\n".join([*helpers, *lines])))
    out: list[str] = []
    for line in lines:
        tested = _TESTED.fullmatch(line)
        assigned = _ASSIGNED.fullmatch(out[-1]) if tested and out else None
        if tested and assigned and assigned[1] == tested[1] and assigned[2] == tested[3] and uses[tested[3]] == 2:
            out[-1] = f"{tested[1]}if {tested[2] or ''}({assigned[3]}):{tested[4]}"
        else:
            out.append(line)
    return out
