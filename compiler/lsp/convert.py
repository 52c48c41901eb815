"""Translation between Eligo's values and the protocol's: paths and URIs, spans and ranges, diagnostics.

Eligo spans are 1-based with an exclusive end; protocol ranges are 0-based with an exclusive end:

>>> to_range(ast.Span("a.eligo", 3, 5, 3, 9))
2:4-2:8
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp
from pygls.uris import from_fs_path, to_fs_path

from eligo.dsl import ast
from eligo.dsl.diagnostics import Diagnostic, Severity

_ON_LINE = re.compile(r"\bis on line (\d+)\b")
_ALSO_IN = re.compile(r"is also declared in (\S+)$")
UNNECESSARY = frozenset({"W150", "W151", "W153"})  # unused inputs, definitions, tables and references
_SEVERITY = {Severity.ERROR: lsp.DiagnosticSeverity.Error, Severity.WARNING: lsp.DiagnosticSeverity.Warning,
             Severity.NOTE: lsp.DiagnosticSeverity.Information}


def path_of(uri: str) -> str:
    """The file-system path of a `file:` URI (the URI itself for other schemes)."""
    path = to_fs_path(uri)
    return str(Path(path)) if path else uri


def uri_of(path: str) -> str:
    return from_fs_path(path) or path


def to_range(span: ast.Span) -> lsp.Range:
    start = lsp.Position(max(span.line - 1, 0), max(span.column - 1, 0))
    if span.end_line < span.line or (span.end_line == span.line and span.end_column <= span.column):
        return lsp.Range(start, lsp.Position(start.line, start.character + 1))
    return lsp.Range(start, lsp.Position(max(span.end_line - 1, 0), max(span.end_column - 1, 0)))


def contains(span: ast.Span, line: int, column: int) -> bool:
    """Whether 1-based (`line`, `column`) falls within `span` (its end included, for a cursor after a word)."""
    if (line, column) < (span.line, span.column):
        return False
    return (line, column) <= (span.end_line, span.end_column)


def to_diagnostic(diagnostic: Diagnostic) -> lsp.Diagnostic:
    """The protocol diagnostic: code, severity, message with its hints, related positions, unused tags."""
    message = diagnostic.message + "".join(f"\nhint: {hint}" for hint in diagnostic.hints)
    return lsp.Diagnostic(
        range=to_range(diagnostic.span),
        message=message,
        severity=_SEVERITY.get(diagnostic.severity, lsp.DiagnosticSeverity.Error),
        code=diagnostic.code,
        source="eligo",
        tags=[lsp.DiagnosticTag.Unnecessary] if diagnostic.code in UNNECESSARY else None,
        related_information=_related(diagnostic) or None,
        data={"hints": list(diagnostic.hints)},
    )


def _related(diagnostic: Diagnostic) -> list[lsp.DiagnosticRelatedInformation]:
    """Related positions: those the diagnostic carries (`related`, spans with a message), the earlier line a
    hint points to ("the first is on line 12"), and the other file of a duplicate version ("also declared in")."""
    out = []
    for item in getattr(diagnostic, "related", None) or ():
        span, message = _span_and_message(item)
        if span is not None and span.line >= 1:
            out.append(lsp.DiagnosticRelatedInformation(lsp.Location(uri_of(span.path), to_range(span)), message))
    for hint in diagnostic.hints:
        for line in _ON_LINE.findall(hint):
            where = lsp.Range(lsp.Position(int(line) - 1, 0), lsp.Position(int(line) - 1, 0))
            out.append(lsp.DiagnosticRelatedInformation(lsp.Location(uri_of(diagnostic.span.path), where),
                                                        hint.split(";")[0]))
    elsewhere = _ALSO_IN.search(diagnostic.message)
    if elsewhere:
        start = lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0))
        out.append(lsp.DiagnosticRelatedInformation(lsp.Location(uri_of(elsewhere.group(1)), start),
                                                    "the other declaration"))
    return out


def _span_and_message(item: Any) -> tuple[ast.Span | None, str]:
    if isinstance(item, ast.Span):
        return item, "related"
    if isinstance(item, tuple) and len(item) == 2:
        first, second = item
        if isinstance(first, ast.Span):
            return first, str(second)
        if isinstance(second, ast.Span):
            return second, str(first)
    span = getattr(item, "span", None)
    return (span, str(getattr(item, "message", "related"))) if isinstance(span, ast.Span) else (None, "")
