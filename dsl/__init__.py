"""The Eligo language: `parse` source text into a typed AST, `format` it back canonically."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eligo.dsl.ast import Module, Span
from eligo.dsl.diagnostics import Diagnostic, EligoError, Severity, render, render_all
from eligo.dsl.parser import parse, parse_file, parse_with_diagnostics

if TYPE_CHECKING:
    from eligo.dsl.formatter import format_module as format

__all__ = [
    "Diagnostic",
    "EligoError",
    "Module",
    "Severity",
    "Span",
    "format",
    "parse",
    "parse_file",
    "parse_with_diagnostics",
    "render",
    "render_all",
]


def __getattr__(name: str) -> Any:
    """`format` is imported on first use: deciding cases never formats source."""
    if name == "format":
        from eligo.dsl.formatter import format_module

        return format_module
    raise AttributeError(f"module 'eligo.dsl' has no attribute {name!r}")
