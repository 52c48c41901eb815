"""Thresholds where they are used: constants written as their values, used definitions as their conditions.

A rule that reads `dfi.favourable_colorectal_liver` is clearer with the cut-off beside it: `gloss`
gives "the disease-free interval is more than 12 months" for such a name, `inline` replaces the names
of constants (`define threshold: 12 months`) and, optionally, of conditions inside an expression.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Mapping
from typing import Any

from eligo.docs import prose
from eligo.dsl import ast

LITERALS = (ast.Number, ast.Quantity, ast.Bool, ast.DateLit, ast.Text, ast.NoneLit)
CONDITIONS = (ast.Compare, ast.BoolOp, ast.Not, ast.Test, ast.InSet, ast.Between)
GLOSS_LENGTH = 200  # characters; a longer condition is left to its own page


def inline(expr: ast.Expr, constants: Mapping[str, ast.Expr]) -> ast.Expr:
    """`expr` with every name of a constant replaced by its value, so thresholds read in place."""
    if isinstance(expr, ast.Ref):
        return constants.get(expr.name, expr)
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(expr):
        value: Any = getattr(expr, f.name)
        if isinstance(value, tuple):
            changes[f.name] = tuple(_inlined(v, constants) for v in value)
        else:
            changes[f.name] = _inlined(value, constants)
    return dataclasses.replace(expr, **changes)


def _inlined(value: Any, constants: Mapping[str, ast.Expr]) -> Any:
    if isinstance(value, ast.Span) or not dataclasses.is_dataclass(value) or isinstance(value, type):
        return value
    expr: ast.Expr = value  # type: ignore[assignment]  # every other dataclass in an expression is an expression
    return inline(expr, constants)


def constants(module: ast.Module) -> dict[str, ast.Expr]:
    """The definitions of `module` that are a plain value (`define threshold: 12 months`)."""
    return {d.name: d.expr for d in module.defines
            if isinstance(d.expr, LITERALS) or (isinstance(d.expr, ast.Neg) and isinstance(d.expr.operand, LITERALS))}



def conditions(module: ast.Module) -> dict[str, ast.Expr]:
    """The definitions of `module` that are a condition (yes, no or unknown)."""
    return {d.name: d.expr for d in module.defines if isinstance(d.expr, CONDITIONS)}


def plain(text: str) -> str:
    """Prose as plain words: no emphasis, no links, no "(from module)"."""
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    return re.sub(r" \(from [^)]*\)", "", html.unescape(text.replace("**", "").replace("*", "")).replace("\\", ""))


def glosses(module: ast.Module, prefix: str, vocab: prose.Vocabulary) -> tuple[dict[str, str], dict[str, str]]:
    """For the definitions of a used `module` (names `prefix` + name): the values of its constants, and each
    condition in plain words with its thresholds and the conditions it reads written in."""
    values = {prefix + name: prose.value(expr, vocab) if isinstance(expr, LITERALS) else
              prose.phrase(expr, vocab) for name, expr in constants(module).items()}
    within = {**constants(module), **conditions(module)}
    out: dict[str, str] = {}
    for name, expr in conditions(module).items():
        text = plain(prose.condition(inline(inline(expr, within), within), vocab))
        if len(text) <= GLOSS_LENGTH:
            out[prefix + name] = text
    return values, out
