"""Edits the server proposes: formatting (exactly `eligo fmt`), and quick fixes that apply a diagnostic's hint.

Quick fixes: a did-you-mean hint replaces the misspelt name; a syntax error whose hint spells the fix
(`&&` → `and`, a quoted or dashed name, `//` → `#`, a stray character, `expect d > x`) replaces what it
underlines; a decision without `otherwise` (W154) gets one per outcome; a table missing rows (E109) gets the
rows it lacks, or an `otherwise none` row.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable

from lsprotocol import types as lsp

from eligo.dsl import ast
from eligo.dsl.formatter import format_module
from eligo.dsl.parser import parse_with_diagnostics
from eligo.lsp.convert import uri_of
from eligo.lsp.workspace import Analysis

_DID_YOU_MEAN = re.compile(r"did you mean `([^`]+)`\?")
_QUOTED = re.compile(r"`([^`]+)`")


def whole_document(text: str) -> lsp.Range:
    lines = text.split("\n")
    return lsp.Range(lsp.Position(0, 0), lsp.Position(len(lines) - 1, len(lines[-1])))


def format_edits(text: str, path: str) -> list[lsp.TextEdit]:
    """One edit replacing the document by its canonical layout; none when it has errors or is canonical."""
    source = text.replace("\r\n", "\n")
    module, diagnostics = parse_with_diagnostics(source, path)
    if module is None or any(d.is_error for d in diagnostics):
        return []
    formatted = format_module(module)
    return [] if formatted == text else [lsp.TextEdit(whole_document(text), formatted)]


def _line_text(text: str, line: int) -> str:
    lines = text.split("\n")
    return lines[line] if 0 <= line < len(lines) else ""


def _fix(title: str, diagnostic: lsp.Diagnostic, path: str, edits: list[lsp.TextEdit],
         preferred: bool = False) -> lsp.CodeAction:
    return lsp.CodeAction(title=title, kind=lsp.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                          is_preferred=preferred, edit=lsp.WorkspaceEdit(changes={uri_of(path): edits}))


def did_you_mean(diagnostic: lsp.Diagnostic, path: str, text: str) -> list[lsp.CodeAction]:
    """Replace the name the message quotes, within the diagnostic's range, by the hint's suggestion."""
    suggestion = _DID_YOU_MEAN.search(diagnostic.message)
    if suggestion is None:
        return []
    start, end = diagnostic.range.start, diagnostic.range.end
    line = _line_text(text, start.line)
    stop = end.character if end.line == start.line else len(line)
    region = line[start.character:stop]
    for quoted in _QUOTED.findall(diagnostic.message.split("\n", 1)[0]):
        wanted = quoted.rsplit(".", 1)[-1] if "." in quoted and "." not in suggestion.group(1) else quoted
        found = re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", region)
        if found is None or wanted == suggestion.group(1):
            continue
        column = start.character + found.start()
        target = lsp.Range(lsp.Position(start.line, column), lsp.Position(start.line, column + len(wanted)))
        return [_fix(f"Change `{wanted}` to `{suggestion.group(1)}`", diagnostic, path,
                     [lsp.TextEdit(target, suggestion.group(1))], preferred=True)]
    return []


def _last_quoted(text: str) -> str | None:
    found = _QUOTED.findall(text)
    return found[-1] if found else None


def _first_quoted_after_write(text: str) -> str | None:
    found = re.search(r"write `([^`]+)`", text)
    return found.group(1) if found else None


def _comment_or_removal(text: str) -> str | None:
    if "`//` does not start a comment" in text:
        return "#"
    removal = re.search(r"remove the `[^`]+`", text) or "needs no punctuation at its end" in text
    return "" if removal else None


# code -> what replaces the underlined text, read from the message and its hints
_REPLACEMENTS: dict[str, Callable[[str], str | None]] = {
    "E032": lambda message: _last_quoted(message.split("\n", 1)[0]),  # `&&` is not an Eligo operator; write `and`
    "E026": _first_quoted_after_write,  # a quoted name: write `name`
    "E050": _first_quoted_after_write,  # a dashed name: write `a_b`
    "E034": _comment_or_removal,  # `//` starts no comment; a stray `;`
    "E023": lambda message: "=" if "is written with `=`" in message else None,  # expect d > x
}


def replace_underlined(diagnostic: lsp.Diagnostic, path: str, text: str) -> list[lsp.CodeAction]:
    """Apply a hint that says what the underlined text should be."""
    rule = _REPLACEMENTS.get(str(diagnostic.code))
    start, end = diagnostic.range.start, diagnostic.range.end
    replacement = rule(diagnostic.message) if rule is not None else None
    if replacement is None or start.line != end.line:
        return []
    written = _line_text(text, start.line)[start.character:end.character]
    if not written or written == replacement:
        return []
    title = f"Change `{written}` to `{replacement}`" if replacement else f"Remove `{written}`"
    return [_fix(title, diagnostic, path, [lsp.TextEdit(diagnostic.range, replacement)], preferred=True)]


def _decision_at(module: ast.Module, line: int) -> ast.Decision | None:
    return next((d for d in module.decisions if d.span.line - 1 <= line <= d.span.end_line - 1), None)


def _table_at(module: ast.Module, line: int) -> ast.Table | None:
    return next((t for t in module.tables if t.span.line - 1 <= line <= t.span.end_line - 1), None)


def _after(span: ast.Span, line_text: str) -> lsp.Range:
    end = lsp.Position(span.end_line - 1, len(line_text))
    return lsp.Range(end, end)


def add_otherwise(diagnostic: lsp.Diagnostic, path: str, text: str, module: ast.Module) -> list[lsp.CodeAction]:
    decision = _decision_at(module, diagnostic.range.start.line)
    if decision is None or decision.default is not None:
        return []
    where = _after(decision.span, _line_text(text, decision.span.end_line - 1))
    return [_fix(f"Add `otherwise {outcome}`", diagnostic, path, [lsp.TextEdit(where, f"\n  otherwise {outcome}")],
                 preferred=index == 0)
            for index, outcome in enumerate(reversed(decision.outcomes))]


def add_rows(diagnostic: lsp.Diagnostic, path: str, text: str, analysis: Analysis) -> list[lsp.CodeAction]:
    """Rows for every key combination the table lacks (value `none`, to be filled in), or `otherwise none`."""
    module, lowered = analysis.module(path), analysis.lowered(path)
    if module is None or lowered is None:
        return []
    table = _table_at(module, diagnostic.range.start.line)
    if table is None or any(row.is_otherwise for row in table.rows):
        return []
    columns: list[tuple[str | bool, ...]] = []
    for column in table.by:
        kind = lowered.kinds.get(column)
        columns.append(tuple(kind.values) if kind is not None and kind.values else (True, False))
    covered = [row.keys for row in table.rows]
    missing = [combo for combo in itertools.product(*columns)
               if not any(all(k is None or k == v for k, v in zip(keys, combo, strict=True)) for keys in covered)]
    where = _after(table.span, _line_text(text, table.span.end_line - 1))
    out = []
    banded = any(isinstance(k, ast.Band) for row in table.rows for k in row.keys)  # gaps between bands: no rows
    if missing and len(missing) <= 50 and not banded:
        rows = "".join("\n  " + ", ".join(_key(v) for v in combo) + "  none" for combo in missing)
        shown = ", ".join(" × ".join(_key(v) for v in combo) for combo in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        out.append(_fix(f"Add rows for {shown}{more} (value `none`, to fill in)", diagnostic, path,
                        [lsp.TextEdit(where, rows)], preferred=True))
    out.append(_fix("Add an `otherwise none` row", diagnostic, path, [lsp.TextEdit(where, "\n  otherwise none")]))
    return out


def _key(value: str | bool) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else value


def code_actions(analysis: Analysis, path: str, text: str, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    """Quick fixes for the diagnostics the client sends with the request."""
    module = analysis.module(path)
    out: list[lsp.CodeAction] = []
    for diagnostic in params.context.diagnostics:
        if diagnostic.source not in (None, "eligo"):
            continue
        out += did_you_mean(diagnostic, path, text)
        out += replace_underlined(diagnostic, path, text)
        if diagnostic.code == "W154" and module is not None:
            out += add_otherwise(diagnostic, path, text, module)
        if diagnostic.code == "E109":
            out += add_rows(diagnostic, path, text, analysis)
    return out
