"""The validating evaluator: one generated function that checks a case's values and decides it.

`evaluate(c)` reads every input of a dict case, checks each value as eligo.cases.normalise would, and decides
the case with the two-valued evaluator's code (eligo.python.twovalued), its inputs already read. It accepts
only values that normalisation leaves as they are (a count as an int, a duration in months as a float, a
kind's value as its text, …), so the case itself is then its prepared form (None where missing). Anything
else, a value to convert or to refuse, a field that is not an input, a case that is not a dict, returns
None: the caller then takes the general path (normalise, which converts or refuses with every problem
named, then the three-valued evaluator). An unknown value read hands the case to `fallback`, as there.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

from eligo import ir
from eligo.cases import MAX_EXACT
from eligo.ir import units
from eligo.python.twovalued import TwoValuedCodeGenerator

_FINITE = 1.7976931348623157e308  # the largest float: a range check with it refuses inf and nan too
_SLACK = 1e-9  # as eligo.cases: a value within this of a declared bound is in range


class ValidatingCodeGenerator(TwoValuedCodeGenerator):
    """Writes `evaluate(c)`: the outcomes of every decision for a case whose values need no conversion, else None.
    Where `shared` gives, per decision key and rule index (OTHERWISE included), an object for the outcome that
    rule decides, a decision no other decision reads gives that object instead (the caller's result, made once).

    After the outcomes comes one more item: the values read, a tuple in the inputs' order, or None for a case
    handed to `fallback`. A result that explains itself later keeps that tuple rather than a copy of the case
    (a copy of a dict costs a sixth of the evaluation; the tuple is built from the locals the checks read)."""

    gives_values = True

    def __init__(self, program: ir.Program, shared: Mapping[str, Mapping[int, object]] | None = None) -> None:
        super().__init__(program)
        self.shared = shared or {}

    def settled(self, node: ir.Decision, value: str, rule: int) -> str:
        if node.key in self.shared and not self.uses[node.key] and rule in self.shared[node.key]:
            return self.named(self.shared[node.key][rule])
        return super().settled(node, value, rule)

    def write(self) -> str:
        inputs = self.program.inputs
        self.consts.update(dict=dict, len=len, int=int, float=float, bool=bool, TypeError=TypeError)  # builtins it names
        self.emit("if c.__class__ is not dict: return None")
        names = [f"i_{name}" for name in inputs]
        with self.block(f"if len(c) == {len(inputs)}:"):  # every input given (perhaps as None): read by key
            with self.block("try:"):
                for name, local in zip(inputs, names, strict=True):
                    self.emit(f"{local} = c[{name!r}]")
            with self.block("except KeyError:"):
                self.emit("return None")  # then a field is not an input: eligo.cases names it
        with self.block("else:"):
            for name, local in zip(inputs, names, strict=True):
                self.emit(f"{local} = c.get({name!r})")
            present = " + ".join(f"({name!r} in c)" for name in inputs) or "0"
            self.emit(f"if len(c) != {present}: return None")
        with self.block("try:"):  # an unhashable value read against a kind's values: refused by eligo.cases
            for (name, info), local in zip(inputs.items(), names, strict=True):
                self.check(info, local)
                self.scopes[0][f"input:c:{name}"] = local
        with self.block("except TypeError:"):
            self.emit("return None")
        return super().write()

    def check(self, info: ir.InputInfo, value: str) -> None:
        """Return None unless `value` is None or a value normalisation keeps as it is. The common case is tested
        first, and ranges are compared within one type (an int with ints, a float with floats: Python's fast
        comparisons), bounds widened by eligo.cases's slack as it does."""
        low = None if info.low is None else info.low - _SLACK
        high = None if info.high is None else info.high + _SLACK
        typ = info.type
        floats = f"{-_FINITE if low is None else low!r} <= {value} <= {_FINITE if high is None else high!r}"
        ints = (f"{-MAX_EXACT if low is None else max(math.ceil(low), -MAX_EXACT)} <= {value} <= "
                f"{MAX_EXACT if high is None else min(math.floor(high), MAX_EXACT)}")
        match typ.kind:
            case "bool":
                self.emit(f"if {value}.__class__ is not bool and {value} is not None: return None")
            case "enum":
                self.emit(f"if {value} not in {self.named(frozenset((*typ.values, None)))}: return None")
            case "date":
                self.emit(f"if {value}.__class__ is not date and {value} is not None: return None")
            case "number":
                if not typ.integer:
                    with self.block(f"if {value}.__class__ is float:"):
                        self.emit(f"if not {floats}: return None")
                with self.block(f"{'el' * (not typ.integer)}if {value}.__class__ is int:"):
                    self.emit(f"if not {ints}: return None")
                self.emit(f"elif {value} is not None: return None")
            case "quantity" if self.as_given(info):
                with self.block(f"if {value}.__class__ is float:"):
                    self.emit(f"if not {floats}: return None")
                self.emit(f"elif {value} is not None: return None")
            case _:  # converted or refused by eligo.cases
                self.emit(f"if {value} is not None: return None")

    def returned(self, results: list[str]) -> str:
        if not self.gives_values:
            return super().returned(results)
        inputs = [f"i_{name}" for name in self.program.inputs]  # the trailing comma: a tuple with no outcome too
        return f"({''.join(f'{r}, ' for r in results)}({', '.join(inputs)}{',' * (len(inputs) == 1)}),)"

    def fallback_call(self) -> str:
        call = super().fallback_call()
        return f"{call} + (None,)" if self.gives_values else call  # a constant tuple: no allocation

    @staticmethod
    def as_given(info: ir.InputInfo) -> bool:
        """Whether a number given for this quantity is already in the canonical unit (its factor is 1)."""
        declared = units.lookup(info.unit) if info.unit else None
        return declared is not None and declared.factor == 1.0 and declared.dimension == info.type.dimension


_RETURN = re.compile(r"( *)((?:.*: )?)return (.+)")  # a return, alone or after a block's header


class BatchCodeGenerator(ValidatingCodeGenerator):
    """Writes `evaluate_rows(rows)`: `evaluate(c)` of every row in one generated loop, with no call per row. It gives
    `(out, odd, unknown)`: per row, the outcome of the own decisions at `own` (their indices in the evaluator's
    results; the one outcome itself for one decision, else a tuple), None for a row `evaluate` would give None
    (its index in `odd`) or would hand to `fallback` (its index in `unknown`: the caller calls it). Give `shared`
    small ints (a decision's slots) to have each row's answer read without building a result per row."""

    signature = "def evaluate_rows(rows):"
    gives_values = False  # each row's answer is what `returned` makes of the outcomes

    def __init__(self, program: ir.Program, shared: Mapping[str, Mapping[int, object]], own: Sequence[int]) -> None:
        super().__init__(program, shared)
        self.own = tuple(own)
        self.answer = ""

    def returned(self, results: list[str]) -> str:
        kept = [results[i] for i in self.own]
        self.answer = kept[0] if len(kept) == 1 else f"({', '.join(kept)}{',' * bool(kept)})"
        return self.answer

    def body(self, lines: list[str], helpers: list[str]) -> list[str]:
        """The function's lines as one loop over the rows, each `return` of the case's answer made an append."""
        written = ["    out = []", "    put = out.append", "    odd = []", "    unknown = []", "    for c in rows:"]
        inner: int | None = None  # the indentation of a function written inside the evaluator (a list's element)
        for line in super().body(lines, helpers):
            indent = len(line) - len(line.lstrip(" "))
            if inner is not None and indent > inner:
                written.append("    " + line)
                continue
            inner = indent if line.lstrip(" ").startswith("def ") else None
            found = _RETURN.fullmatch(line) if inner is None else None
            if found is not None:
                value = found[3]
                if value == "None":
                    line = f"{found[1]}{found[2]}odd.append(len(out)); put(None); continue"
                elif value == f"fallback({self.parameters})":
                    line = f"{found[1]}{found[2]}unknown.append(len(out)); put(None); continue"
                elif value == self.answer:
                    line = f"{found[1]}{found[2]}put({value}); continue"
                else:  # no other return is written into the evaluator itself
                    raise AssertionError(f"evaluate_rows: unexpected {line.strip()!r}")
            elif inner is None and "return" in line:
                raise AssertionError(f"evaluate_rows: unexpected {line.strip()!r}")
            written.append("    " + line)
        return [*written, "    return out, odd, unknown"]
