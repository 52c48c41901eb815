"""Incremental parsing: a source split into its top-level items, each parsed once and re-used while unchanged.

A file is cut where the parser itself recovers (a line at the left margin that is not a comment starts
an item, `dsl.parser`). The header is parsed on its own; every item is parsed behind the header, padded
with blank lines so that its spans are the spans of the whole file. A file whose pieces are not all
clean is parsed whole, so that its diagnostics are exactly those of `eligo check`.

>>> parser = ChunkParser()
>>> text = 'guideline a.b\\n  version 1.0.0\\ninput n: count\\ndefine big: n >= 3\\n'
>>> module, diagnostics = parser.parse(text, "a/b/1.0.0.eligo")
>>> [type(item).__name__ for item in module.items], diagnostics, parser.reparsed
(['Input', 'Define'], [], 3)
>>> _ = parser.parse(text.replace(">= 3", ">= 4"), "a/b/1.0.0.eligo")
>>> parser.reparsed  # the header (always) and the one definition that changed
2
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from eligo.dsl import ast
from eligo.dsl.diagnostics import Diagnostic
from eligo.dsl.parser import MAX_SOURCE_BYTES, parse_with_diagnostics

_HEADER_WORDS = frozenset({"version", "title", "status", "effective", "supersedes", "committee", "summary"})


@dataclass(frozen=True, slots=True)
class Chunk:
    """Lines `start`..`start + len(lines) - 1` (1-based) of a source: the header or one item."""

    start: int
    text: str


def _top_level(line: str) -> bool:
    return bool(line) and not line[0].isspace() and not line.startswith("#")


def split(text: str) -> tuple[Chunk, list[Chunk]]:
    """The header chunk (with any comments before it) and one chunk per top-level item."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if _top_level(line)]
    header_end = len(lines)
    for i in starts:
        word = lines[i].split(None, 1)[0]
        if word != "guideline" and word not in _HEADER_WORDS:
            header_end = i
            break
    items = [i for i in starts if i >= header_end]
    bounds = [*items, len(lines)]
    header = Chunk(1, "\n".join(lines[:header_end]))
    return header, [Chunk(b + 1, "\n".join(lines[b:e])) for b, e in itertools.pairwise(bounds)]


class ChunkParser:
    """Parses sources, re-using the items of chunks unchanged since the previous parse (same text and line)."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str, int, str], tuple[tuple[ast.Item, ...], tuple[ast.Comment, ...]]] = {}
        self.reparsed = 0

    def parse(self, text: str, path: str) -> tuple[ast.Module | None, list[Diagnostic]]:
        """The module and diagnostics of `text`, equal to `parse_with_diagnostics(text, path)`."""
        self.reparsed = 0
        if len(text) * 4 > MAX_SOURCE_BYTES or "\r" in text or "\t" in text:
            return self._whole(text, path)
        header, chunks = split(text)
        head_lines = header.text.count("\n") + 1
        head = parse_with_diagnostics(header.text, path)
        self.reparsed += 1
        if head[0] is None or head[1] or not header.text.lstrip().startswith(("guideline", "#")):
            return self._whole(text, path)
        items: list[ast.Item] = []
        comments = list(head[0].comments)
        kept: dict[tuple[str, str, int, str], tuple[tuple[ast.Item, ...], tuple[ast.Comment, ...]]] = {}
        for chunk in chunks:
            key = (path, header.text, chunk.start, chunk.text)
            found = self._items.get(key)
            if found is None:
                padding = "\n" * (chunk.start - head_lines)
                module, diagnostics = parse_with_diagnostics(header.text + padding + chunk.text, path)
                self.reparsed += 1
                if module is None or diagnostics or len(module.items) != 1:
                    return self._whole(text, path)
                found = (module.items, tuple(c for c in module.comments if c.span.line >= chunk.start))
            kept[key] = found
            items.extend(found[0])
            comments.extend(found[1])
        self._items = kept
        first = head[0].header.span
        last = items[-1].span if items else first
        span = ast.Span(path, first.line, first.column, last.end_line, last.end_column)
        return ast.Module(head[0].header, tuple(items), tuple(comments), span=span), []

    def _whole(self, text: str, path: str) -> tuple[ast.Module | None, list[Diagnostic]]:
        self._items = {}
        self.reparsed += 1
        return parse_with_diagnostics(text, path)
