"""A module as lowering leaves it: its inputs, kinds, tables, definitions and decisions (IR nodes by name), its
bound `use`s and its diagnostics; and how a declared type is read and written."""

from __future__ import annotations

from dataclasses import dataclass, field

from eligo import ir
from eligo.dsl import ast
from eligo.dsl.diagnostics import Diagnostic
from eligo.ir import types as t
from eligo.ir import units
from eligo.ir.types import Type


@dataclass
class LoweredModule:
    """One module version, checked and lowered; what other modules see of it through `use`."""

    id: str
    version: str
    module: ast.Module
    inputs: dict[str, ir.InputInfo] = field(default_factory=dict)  # declared here
    visible_inputs: dict[str, ir.InputInfo] = field(default_factory=dict)  # here and in used modules
    kinds: dict[str, Type] = field(default_factory=dict)
    records: dict[str, tuple[ir.InputInfo, ...]] = field(default_factory=dict)  # each record's fields
    tables: dict[str, ast.Table] = field(default_factory=dict)
    table_types: dict[str, tuple[tuple[Type, ...], Type]] = field(default_factory=dict)
    nodes: dict[str, ir.Definition | ir.Decision] = field(default_factory=dict)  # by local name, in order
    uses: dict[str, LoweredModule] = field(default_factory=dict)  # by alias
    referenced: set[str] = field(default_factory=set)  # global keys and input names read here
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def global_key(self, name: str) -> str:
        return f"{self.key}:{name}"


def type_of_spec(spec: ast.TypeSpec, kinds: dict[str, Type]) -> tuple[Type | None, str | None]:
    """The type of an input or table column, and the unit a bare number is read in."""
    match spec.base:
        case "yes/no":
            return t.BOOL, None
        case "count":
            return t.COUNT, None
        case "number":
            return t.NUMBER, None
        case "percent":
            return t.PERCENT, "%"
        case "date":
            return t.DATE, None
        case "duration":
            return t.DURATION, spec.unit or "months"
        case "quantity":
            unit = units.lookup(spec.unit or "")
            return (t.quantity(unit.dimension), unit.name) if unit else (None, None)
        case _:
            return kinds.get(spec.kind or ""), None


def spec_text(spec: ast.TypeSpec) -> str:
    match spec.base:
        case "duration":
            return f"duration in {spec.unit}" if spec.unit else "duration"
        case "quantity":
            return f"quantity in {spec.unit}"
        case "kind":
            return spec.kind or ""
        case "list":
            return f"list of {spec.kind}"
        case _:
            return spec.base
