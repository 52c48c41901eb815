"""The converting reader: one generated function per guideline that gives a case's prepared form, as
eligo.cases.normalise gives it, for a case written as JSON writes one.

`convert(c)` reads every field of a dict case and converts each value in the forms a record system or a JSON
file sends: a date as `YYYY-MM-DD` text, yes/no as a bool or a text, a number in the declared unit of a
quantity, a count as a whole float, a list of records as a list of objects. A rarer form (a quantity with its
unit, a date with spaces around it, `{"at_least": [...]}`) is converted by eligo.cases's own function for that
value. It returns the prepared case (the present values, canonical) or None: a case that is not a dict, a field
that is no input, a value to refuse. The caller then takes the general path, normalise, which refuses the case
naming every problem. So the function only ever answers what normalise answers; it is there to be fast
(eligo.python.validated takes the values that need no converting; this one the rest of the common ones).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from eligo import cases, ir
from eligo.cases import MAX_EXACT
from eligo.ir import units
from eligo.ir.lists import Records

SLACK = 1e-9  # as eligo.cases._in_range compares with the declared ends


class ConvertingWriter:
    """Writes `convert(c)` for one guideline's inputs; `consts` are the names the source reads."""

    def __init__(self, inputs: Mapping[str, ir.InputInfo]) -> None:
        self.inputs = inputs
        self.lines: list[str] = []
        self.consts: dict[str, object] = {  # the builtins and helpers the source names (it has no builtins)
            "dict": dict, "list": list, "len": len, "bool": bool, "float": float, "int": int, "str": str, "date": dt.date,
            "ValueError": ValueError, "CaseValueError": cases.CaseValueError, "convert_one": cases.convert,
            "convert_list": cases.convert_list, "read_date": cases.read_date, "Records": Records}
        self.depth = 1

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def named(self, value: object, hint: str) -> str:
        name = f"K_{hint}_{len(self.consts)}"
        self.consts[name] = value
        return name

    def write(self) -> str:
        self.emit("if c.__class__ is not dict: return None")
        self.emit("out = {}")
        self.emit("found = 0")
        for info in self.inputs.values():
            self.field(info, "c", "out", "found")
        self.emit("if found != len(c): return None")  # a field that is not an input: named by normalise
        self.emit("return out")
        return "\n".join(["def convert(c):", *self.lines]) + "\n"

    def field(self, info: ir.InputInfo, source: str, target: str, count: str) -> None:
        """One field of the dict `source` (a case, a record) converted into `target`, `count` counting the fields
        given (present, or None), so that a field that is not one shows."""
        self.emit(f"v = {source}.get({info.name!r})")
        self.emit("if v is not None:")
        self.depth += 1
        self.emit(f"{count} += 1")
        self.value(info)
        self.emit(f"{target}[{info.name!r}] = v")
        self.depth -= 1
        self.emit(f"elif {info.name!r} in {source}: {count} += 1")

    def value(self, info: ir.InputInfo) -> None:
        """Make `v` (not None) its canonical value, or return None."""
        kind = info.type.kind
        if kind == "bool":
            self.emit("if v.__class__ is not bool:")
            self.emit("    if v.__class__ is not str: return None")
            self.emit("    v = v.lower()")
            self.emit("    if v == 'yes' or v == 'true': v = True")
            self.emit("    elif v == 'no' or v == 'false': v = False")
            self.emit("    else: return None")
        elif kind == "enum":
            values = self.named(frozenset(info.type.values), "values")
            self.emit(f"if v.__class__ is not str or v not in {values}: return None")
        elif kind == "number":
            self.number(info)
        elif kind == "quantity" and self.declared(info) is not None:
            self.quantity(info)
        elif kind == "date":
            self.date()
        elif kind == "list":
            self.records(info)
        else:
            self.general(info)

    def records(self, info: ir.InputInfo) -> None:
        """A list of objects, each field converted as an input is (eligo.cases.convert_list: every field there,
        None where absent; a field that is not one refuses the case); `{"at_least": [...]}` and the rest by
        eligo.cases."""
        spec = self.named(info, "input")
        simple = all(f.type.kind != "list" for f in info.fields)
        if simple:
            fields = "{" + ", ".join(f"{f.name!r}: None" for f in info.fields) + "}"
            self.emit("if v.__class__ is list:")
            self.depth += 1
            self.emit("items = []")
            self.emit("for e in v:")
            self.depth += 1
            self.emit("if e.__class__ is not dict: return None")
            self.emit(f"element = {fields}")
            self.emit("n = 0")
            for field in info.fields:
                self.field(field, "e", "element", "n")
            self.emit("if n != len(e): return None")  # a field that is not one of the record's
            self.emit("items.append(element)")
            self.depth -= 1
            self.emit("v = Records(items)")
            self.depth -= 1
            self.emit("else:")
            self.depth += 1
        self.emit("problems = []")
        self.emit(f"v = convert_list({spec}, v, problems)")
        self.emit("if problems: return None")
        if simple:
            self.depth -= 1

    def general(self, info: ir.InputInfo) -> None:
        spec = self.named(info, "input")
        self.emit("try:")
        self.emit(f"    v = convert_one({spec}, v)")
        self.emit("except CaseValueError:")
        self.emit("    return None")

    def number(self, info: ir.InputInfo) -> None:
        """As eligo.cases: an int kept (a count's within MAX_EXACT), a finite float kept, a count's whole float made
        an int; each within the declared ends."""
        low, high = info.low, info.high
        ints = (f"{-MAX_EXACT if low is None else max(math.ceil(low - SLACK), -MAX_EXACT)} <= v <= "
                f"{MAX_EXACT if high is None else min(math.floor(high + SLACK), MAX_EXACT)}")
        floats = " and ".join([*([f"v >= {low - SLACK!r}"] if low is not None else []),
                               *([f"v <= {high + SLACK!r}"] if high is not None else [])]) or "True"
        self.emit("if v.__class__ is int:")
        self.emit(f"    if not ({ints}): return None")
        self.emit("elif v.__class__ is float:")
        if info.type.integer:  # a whole float within MAX_EXACT (NaN and the infinities are not whole)
            self.emit(f"    if not (v.is_integer() and {ints}): return None")
            self.emit("    v = int(v)")
        else:
            self.emit(f"    if not (v - v == 0.0 and {floats}): return None")  # finite, and within the ends
        self.emit("else:")
        self.general_indented(info)

    def general_indented(self, info: ir.InputInfo) -> None:
        self.depth += 1
        self.general(info)
        self.depth -= 1

    @staticmethod
    def declared(info: ir.InputInfo) -> units.Unit | None:
        unit = units.lookup(info.unit) if info.unit else None
        return unit if unit is not None and unit.dimension == info.type.dimension else None

    def quantity(self, info: ir.InputInfo) -> None:
        """A number in the declared unit, as eligo.cases._quantity reads it: canonical = float(number) × factor,
        finite, and its value in the declared unit within the declared ends; another form by eligo.cases."""
        unit = self.declared(info)
        assert unit is not None
        factor = unit.factor
        declared = f"x / {factor!r}" if factor != 1.0 else "x"
        ends = " and ".join([*([f"{declared} >= {info.low - SLACK!r}"] if info.low is not None else []),
                             *([f"{declared} <= {info.high + SLACK!r}"] if info.high is not None else [])])
        self.emit(f"if v.__class__ is float or (v.__class__ is int and -{MAX_EXACT} <= v <= {MAX_EXACT}):")
        self.emit(f"    x = float(v) * {factor!r}" if factor != 1.0 else "    x = float(v)")
        self.emit(f"    if not (x - x == 0.0{' and ' + ends if ends else ''}): return None")
        self.emit("    v = x")
        self.emit("else:")
        self.general_indented(info)

    def date(self) -> None:
        """A date kept; `YYYY-MM-DD` (ASCII digits) read here, a real date or None; another form by read_date."""
        self.emit("if v.__class__ is not date:")
        # ASCII digits around the two dashes, so that fromisoformat reads just that spelling (its others have
        # no dash at 7, or a letter)
        self.emit("    if (v.__class__ is str and len(v) == 10 and v[4] == '-' and v[7] == '-' and v.isascii()")
        self.emit("            and v.replace('-', '').isdigit()):")
        self.emit("        try:")
        self.emit("            v = date.fromisoformat(v)")
        self.emit("        except ValueError:")
        self.emit("            return None")  # not a real date: named by normalise
        self.emit("    else:")
        self.emit("        try:")
        self.emit("            v = read_date(v)")
        self.emit("        except CaseValueError:")
        self.emit("            return None")


def write(inputs: Mapping[str, ir.InputInfo]) -> tuple[str, dict[str, Any]]:
    """The source of `convert(c)` for these inputs, and the constants it names."""
    writer = ConvertingWriter(inputs)
    return writer.write(), writer.consts
