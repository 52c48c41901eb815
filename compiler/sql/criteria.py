"""Per-patient criteria (`--criteria`): a column per rule and per definition, so that why a patient was selected
or excluded is answered row by row, in SQL at scale and in Python for one case, from one program.

Each rule's condition becomes a definition of its own (`D__rule`) beside the guideline's definitions (a used
module's `m.name` is the column `m__name`), in `criteria_program`. A yes/no criterion is `yes`, `no`, `unknown`
or `none`; a number (canonical unit: months for durations), date or kind is its value, NULL when unknown or none.

>>> criteria_names(guideline)  # doctest: +SKIP
['surgery__too_many', 'surgery__favourable', 'dfi']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from sqlglot import exp

from eligo import ir
from eligo.ir.types import BOOL
from eligo.python.evaluator import Generated, generate
from eligo.sql.expr import case, lit, negate
from eligo.sql.query import Compiler, Subject, program_of

SEPARATOR = "__"  # between a decision and its rule, and a module and its definition, in a column name
_PROGRAMS: dict[int, tuple[ir.Program, ir.Program]] = {}
_GENERATED: dict[int, tuple[ir.Program, Generated]] = {}
_ALL = "#criteria"  # the key of a hidden decision that reads every criterion, so the Python evaluator computes each


def _rule_key(decision: ir.Decision, rule: ir.Rule) -> str:
    return f"{decision.key}#{rule.name}"


def criteria_program(program: ir.Program) -> ir.Program:
    """`program` with a definition per rule of its own decisions, and a hidden decision reading every definition."""
    if program.decisions and program.decisions[-1].key == _ALL:
        return program
    if id(program) not in _PROGRAMS:  # programs hold dicts, so they are cached by identity (kept alive here)
        _PROGRAMS[id(program)] = (program, _extend(program))
    return _PROGRAMS[id(program)][1]


def _extend(program: ir.Program) -> ir.Program:
    rules = [ir.Definition(_rule_key(d, r), f"{d.name}{SEPARATOR}{r.name}", program.module, r.condition, BOOL)
             for d in program.own for r in d.rules]
    nodes = (*program.nodes, *rules)
    reads = tuple(ir.Rule(n.key, ir.Test(ir.DefRef(n.key, n.type), "known"), "known")
                  for n in nodes if isinstance(n, ir.Definition))
    hidden = ir.Decision(_ALL, _ALL, program.module, ("known",), False, "collect", reads, None)
    return dataclasses.replace(program, nodes=(*nodes, hidden))


def _criteria(program: ir.Program) -> list[ir.Definition]:
    """The criteria in column order: per own decision its rules, then every definition in program order."""
    rules = {_rule_key(d, r) for d in program.own for r in d.rules}
    defined = [n for n in program.definitions if n.key in rules]
    return [*defined, *(n for n in program.definitions if n.key not in rules)]


def column_name(program: ir.Program, node: ir.Definition) -> str:
    return program.value_name(node).replace(".", SEPARATOR)


def criteria_names(subject: Subject) -> list[str]:
    """The criteria columns of a guideline, in order."""
    program = criteria_program(program_of(subject))
    return [column_name(program, n) for n in _criteria(program)]


def columns(compiler: Compiler) -> list[tuple[exp.Column, str]]:
    """The criteria columns, compiled by the query's own compiler (a hook of `compile_query`)."""
    program = compiler.program
    out: list[tuple[exp.Column, str]] = []
    for node in _criteria(program):
        val = compiler.expr(ir.DefRef(node.key, node.type))
        if node.type.kind == "bool":
            none = [(val.na, lit("none"))] if val.na is not None else []
            value = case([*none, (val.v, lit("yes")), (negate(val.v.copy()), lit("no"))], lit("unknown"))
        elif val.na is not None:
            value = case([(val.na, exp.null())], val.v)
        else:
            value = val.v
        hint = f"criterion_{len(out)}"
        out.append((compiler.layers.add(compiler.fresh(hint), value), column_name(program, node)))
    return out


def _generated(program: ir.Program) -> Generated:
    full = criteria_program(program)
    if id(full) not in _GENERATED:
        _GENERATED[id(full)] = (full, generate(full, f"{program.module}#criteria"))
    return _GENERATED[id(full)][1]


def python_criteria(subject: Subject, prepared: Mapping[str, Any]) -> dict[str, object]:
    """The criteria of one prepared case (see `Guideline.prepare`), as the SQL columns hold them."""
    program = program_of(subject)
    full = criteria_program(program)
    _, values = _generated(program).traced(prepared, [])
    return {column_name(full, node): shown(node, values.get(node.key)) for node in _criteria(full)}


def shown(node: ir.Definition, value: object) -> object:
    """A Python value of a criterion as its SQL column holds it."""
    if node.type.kind == "bool":
        return "none" if value is ir.NA else "unknown" if value is None else "yes" if value else "no"
    return None if value is ir.NA else value
