"""The Eligo language: `parse` source text into a typed AST, `format` it back canonically."""

from eligo.dsl.ast import Module, Span
from eligo.dsl.diagnostics import Diagnostic, EligoError, Severity, render, render_all
from eligo.dsl.formatter import format_module as format
from eligo.dsl.parser import parse, parse_file, parse_with_diagnostics

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
