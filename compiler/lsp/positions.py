"""Columns in the client's units: the protocol counts UTF-16 code units, Eligo's spans count characters.

They differ only on lines holding a character beyond the Basic Multilingual Plane (an emoji, say), which
count two units each:

>>> columns = Columns('title "🙂 ok" x')
>>> columns.to_client(lsp.Position(0, 10)), columns.from_client(lsp.Position(0, 11))
(0:11, 0:10)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
from lsprotocol import types as lsp


class Columns:
    """Conversion of positions within one text, between characters and UTF-16 code units."""

    def __init__(self, text: str) -> None:
        self.lines = text.split("\n")
        self.wide = {i for i, line in enumerate(self.lines) if not line.isascii() and any(ord(c) > 0xFFFF for c in line)}

    def to_client(self, position: lsp.Position) -> lsp.Position:
        if position.line not in self.wide:
            return position
        before = self.lines[position.line][: position.character]
        return lsp.Position(position.line, len(before.encode("utf-16-le")) // 2)

    def from_client(self, position: lsp.Position) -> lsp.Position:
        if position.line not in self.wide:
            return position
        units = 0
        for index, char in enumerate(self.lines[position.line]):
            if units >= position.character:
                return lsp.Position(position.line, index)
            units += 2 if ord(char) > 0xFFFF else 1
        return lsp.Position(position.line, len(self.lines[position.line]))


def to_client(answer: Any, uri: str, columns_of: Callable[[str], Columns]) -> Any:
    """`answer` with every range in it converted to the client's units (in place), each range by the text of
    the document it is in: `uri`'s, or that of the location or workspace edit that holds it."""
    done: set[int] = set()

    def visit(value: Any, columns: Columns) -> None:
        if isinstance(value, lsp.Range):
            if id(value) not in done:
                done.add(id(value))
                value.start, value.end = columns.to_client(value.start), columns.to_client(value.end)
        elif isinstance(value, lsp.Location):
            visit(value.range, columns_of(value.uri))
        elif isinstance(value, lsp.WorkspaceEdit):
            for target, edits in (value.changes or {}).items():
                visit(edits, columns_of(target))
        elif isinstance(value, list | tuple):
            if value and isinstance(value[0], int | str):
                return  # semantic tokens' numbers, a completion's strings: no ranges in them
            for item in value:
                visit(item, columns)
        elif attrs.has(type(value)):
            for field in attrs.fields(type(value)):
                visit(getattr(value, field.name), columns)

    visit(answer, columns_of(uri))
    return answer


def from_client(params: Any, columns: Columns) -> Any:
    """The request's `position`, and the ranges of the diagnostics it carries, in characters (in place)."""
    if isinstance(getattr(params, "position", None), lsp.Position):
        params.position = columns.from_client(params.position)
    context = getattr(params, "context", None)
    for diagnostic in getattr(context, "diagnostics", None) or ():
        start, end = diagnostic.range.start, diagnostic.range.end
        diagnostic.range = lsp.Range(columns.from_client(start), columns.from_client(end))
    if isinstance(getattr(params, "range", None), lsp.Range):
        params.range = lsp.Range(columns.from_client(params.range.start), columns.from_client(params.range.end))
    return params
