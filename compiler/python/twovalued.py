"""The two-valued evaluator: the code generator's variant for cases whose values read are all known.

A case with every input it reads known is decided by plain two-valued logic: no value is unknown, so no
`None if … is None else …` guard, no mask of unknown rules, and a chain tests its value by truth. Each input is
checked once where first read; an unknown value (or a missing input that an `is missing` or `first known of`
does not read as such) hands the whole case to the three-valued function, named `fallback` in the generated
module, which answers from the start. Shared definitions written as functions raise `Unknown` for that. The
classifier reads inputs by key (an absent one raises KeyError, and the fallback answers too).
"""

from __future__ import annotations

from eligo import ir
from eligo.python.codegen import CodeGenerator


class TwoValuedCodeGenerator(CodeGenerator):
    """Writes the evaluator (or a classifier) for known values; `fallback` answers a case with an unknown one."""

    known = True

    def unknown(self, node: ir.Node) -> bool:  # inside a list operation's element function, fields may be unknown
        return self.element is not None and self.facts.may_be_unknown(node)

    def known_or_bail(self, value: str) -> None:
        if self.element is not None:  # the element function is three-valued; its list operation's value is checked
            return
        bail = "raise Unknown" if self.in_helper else f"return fallback({self.parameters})"
        self.emit(f"if {value} is None: {bail}")

    def read(self, name: str, missing: bool) -> str:
        if self.classify and not missing:
            return f"{self.case}[{name!r}]"
        return super().read(name, missing)

    def input_node(self, node: ir.InputRef, missing: bool = False) -> str:
        local = super().input_node(node, missing)
        checked = f"known:{self.case}:{node.name}"
        if not missing and self.bound(checked) is None:
            self.known_or_bail(local)
            self.scopes[-1][checked] = local
        return local

    def body(self, lines: list[str], helpers: list[str]) -> list[str]:
        caught = ("KeyError",) * self.classify + ("Unknown",) * any("raise Unknown" in source for source in helpers)
        if not caught:
            return lines
        return ["    try:", *("    " + line for line in lines), f"    except ({', '.join(caught)},):",
                f"        return fallback({self.parameters})"]
