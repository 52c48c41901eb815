"""Go to definition, find references and rename, across every module of a knowledge base.

A rename changes every occurrence of one symbol (a definition, table, decision, input, kind, kind value,
record or reference key) in every module, and is refused when the new name is not a name, is a word of the
language, or would clash with a name any of those modules already sees.
"""

from __future__ import annotations

import re
from collections import defaultdict

from lsprotocol import types as lsp

from eligo.dsl.highlight import KEYWORDS, OPERATOR_WORDS, TYPES
from eligo.lsp.convert import to_range, uri_of
from eligo.lsp.names import RENAMEABLE, Occurrence, Scope, Symbol, Token, occurrences, tokens
from eligo.lsp.workspace import Analysis

CASES = "cases"  # <root>/cases/<guideline id>/ holds a guideline's case files
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
RESERVED = frozenset({*KEYWORDS, *OPERATOR_WORDS, *TYPES, "guideline", "use", "reference", "kind", "input", "define",
                      "table", "decision", "rule", "example", "property", "yes", "no", "none", "draft", "approved",
                      "retired", "evidence", "any"})


class RenameRefused(ValueError):
    """The new name is refused; the message says why."""


def index(analysis: Analysis) -> dict[str, list[Occurrence]]:
    """Every occurrence of every name, by path (computed once per analysis)."""
    cached = analysis.cache.get("index")
    if isinstance(cached, dict):
        return cached
    kb = analysis.features()
    out: dict[str, list[Occurrence]] = {}
    for file in kb.modules.values():
        try:
            out[file.path] = occurrences_in(analysis, file.path, file.text)
        except Exception:  # one module that cannot be lowered leaves the others navigable
            out[file.path] = []
    analysis.cache["index"] = out
    return out


def occurrences_in(analysis: Analysis, path: str, text: str) -> list[Occurrence]:
    """The names in `text` (a version of `path`) resolved as its last good lowered module sees them; re-used
    from earlier analyses while both the text and that lowered module are the same."""
    lowered = analysis.lowered(path)
    if lowered is None:
        return []
    cached = analysis.shared.get(("names", path))
    if cached is not None and cached[1] is lowered and cached[0] == text:
        found: list[Occurrence] = cached[2]
        return found
    found = occurrences(lowered, text, path, tokens_in(analysis, path, text))
    analysis.shared[("names", path)] = (text, lowered, found)
    return found


def tokens_in(analysis: Analysis, path: str, text: str) -> list[Token]:
    """The lexer's tokens of `text`, re-used while the text of `path` is the same."""
    cached = analysis.shared.get(("tokens", path))
    if cached is not None and cached[0] == text:
        found: list[Token] = cached[1]
        return found
    found = tokens(text)
    analysis.shared[("tokens", path)] = (text, found)
    return found


def at(analysis: Analysis, path: str, position: lsp.Position) -> Occurrence | None:
    """The occurrence under the cursor (or just after a name the cursor ends)."""
    line, column = position.line + 1, position.character + 1
    for occurrence in index(analysis).get(path, []):
        span = occurrence.span
        if span.line == line and span.column <= column <= span.end_column:
            return occurrence
    return None


def declarations(analysis: Analysis, symbol: Symbol) -> list[Occurrence]:
    return [o for found in index(analysis).values() for o in found if o.symbol == symbol and o.declaration]


def _module_location(analysis: Analysis, symbol: Symbol) -> list[lsp.Location]:
    for (module_id, version), file in analysis.features().modules.items():
        if f"{module_id}@{version}" == symbol.module and file.module is not None:
            return [lsp.Location(uri_of(file.path), to_range(file.module.header.span))]
    return []


def definition(analysis: Analysis, path: str, position: lsp.Position) -> list[lsp.Location]:
    occurrence = at(analysis, path, position)
    if occurrence is None:
        return []
    if occurrence.symbol.kind == "module":
        return _module_location(analysis, occurrence.symbol)
    return [lsp.Location(uri_of(o.span.path), to_range(o.span)) for o in declarations(analysis, occurrence.symbol)]


def references(analysis: Analysis, path: str, position: lsp.Position, include_declaration: bool) -> list[lsp.Location]:
    occurrence = at(analysis, path, position)
    if occurrence is None:
        return []
    return [lsp.Location(uri_of(o.span.path), to_range(o.span))
            for found in index(analysis).values() for o in found
            if o.symbol == occurrence.symbol and (include_declaration or not o.declaration)]


def highlights(analysis: Analysis, path: str, position: lsp.Position) -> list[lsp.DocumentHighlight]:
    """Every occurrence in this file of the symbol under the cursor; its declaration marked as written."""
    occurrence = at(analysis, path, position)
    if occurrence is None:
        return []
    return [lsp.DocumentHighlight(to_range(o.span), lsp.DocumentHighlightKind.Write if o.declaration
                                  else lsp.DocumentHighlightKind.Read)
            for o in index(analysis).get(path, []) if o.symbol == occurrence.symbol]


_SYMBOL_KINDS = {"input": lsp.SymbolKind.Field, "define": lsp.SymbolKind.Variable, "table": lsp.SymbolKind.Struct,
                 "decision": lsp.SymbolKind.Class, "kind": lsp.SymbolKind.Enum, "value": lsp.SymbolKind.EnumMember,
                 "reference": lsp.SymbolKind.Key, "rule": lsp.SymbolKind.Method, "outcome": lsp.SymbolKind.EnumMember,
                 "record": lsp.SymbolKind.Struct, "field": lsp.SymbolKind.Field}


def _matches(query: str, name: str) -> bool:
    """Whether the letters of `query` occur in `name` in order (as editors match symbol searches)."""
    letters = iter(name.lower())
    return all(char in letters for char in query.lower())


def workspace_symbols(analyses: list[Analysis], query: str) -> list[lsp.WorkspaceSymbol]:
    """The declarations of every knowledge base whose name matches `query`, with the module they are in."""
    out = []
    for analysis in analyses:
        for found in index(analysis).values():
            for o in found:
                if o.declaration and o.symbol.kind in _SYMBOL_KINDS and _matches(query, o.symbol.short):
                    out.append(lsp.WorkspaceSymbol(
                        name=o.symbol.short, kind=_SYMBOL_KINDS[o.symbol.kind],
                        location=lsp.Location(uri_of(o.span.path), to_range(o.span)),
                        container_name=o.symbol.module.replace("@", " ")))
    return out


def prepare_rename(analysis: Analysis, path: str, position: lsp.Position) -> lsp.Range | None:
    occurrence = at(analysis, path, position)
    if occurrence is None or occurrence.symbol.kind not in RENAMEABLE:
        return None
    return to_range(occurrence.span)


def rename(analysis: Analysis, path: str, position: lsp.Position, new_name: str) -> lsp.WorkspaceEdit | None:
    """Every occurrence of the symbol under the cursor renamed, or RenameRefused saying why not."""
    occurrence = at(analysis, path, position)
    if occurrence is None:
        return None
    symbol = occurrence.symbol
    if symbol.kind not in RENAMEABLE:
        raise RenameRefused(f"a {symbol.kind} cannot be renamed here")
    if not NAME.match(new_name):
        raise RenameRefused(f"`{new_name}` is not a name: use letters, digits and `_`, starting with a letter")
    if new_name in RESERVED:
        raise RenameRefused(f"`{new_name}` is a word of the Eligo language")
    if new_name == symbol.short:
        return lsp.WorkspaceEdit(changes={})
    everywhere = index(analysis)
    found = {p: [o for o in occs if o.symbol == symbol] for p, occs in everywhere.items()}
    found = {p: occs for p, occs in found.items() if occs}
    _refuse_clash(analysis, symbol, new_name, set(found) | {path})
    changes: dict[str, list[lsp.TextEdit]] = defaultdict(list)
    for file_path, occs in found.items():
        for o in occs:
            changes[uri_of(file_path)].append(lsp.TextEdit(to_range(o.span), new_name))
    if symbol.kind == "input":
        for case_path, edits in _case_edits(analysis, symbol, new_name).items():
            changes[uri_of(case_path)].extend(edits)
    return lsp.WorkspaceEdit(changes=dict(changes))


def _case_edits(analysis: Analysis, symbol: Symbol, new_name: str) -> dict[str, list[lsp.TextEdit]]:
    """The input's key renamed in the case files (`<root>/cases/<guideline id>/*.json|yaml`) of every guideline
    that reads it, so that the cases still decide as before."""
    kb = analysis.features()
    if kb.root is None:
        return {}
    readers = {key[0] for key in kb.modules
               if (info := kb.lowered(*key).visible_inputs.get(symbol.name)) is not None and info.module == symbol.module}
    out: dict[str, list[lsp.TextEdit]] = {}
    for module_id in sorted(readers):
        for case in sorted((kb.root / CASES / module_id).glob("*")):
            pattern = _json_key if case.suffix == ".json" else _yaml_key if case.suffix in {".yaml", ".yml"} else None
            if pattern is None:
                continue
            text = case.read_text(encoding="utf-8", errors="replace")
            edits = [lsp.TextEdit(_range(text, m.start(1), m.end(1)), new_name)
                     for m in pattern(symbol.name).finditer(text)]
            if edits:
                out[str(case)] = edits
    return out


def _json_key(name: str) -> re.Pattern[str]:
    return re.compile(rf'"({re.escape(name)})"(?=\s*:)')


def _yaml_key(name: str) -> re.Pattern[str]:
    return re.compile(rf"^[ \t]*({re.escape(name)})(?=[ \t]*:)", re.MULTILINE)


def _range(text: str, start: int, end: int) -> lsp.Range:
    def position(offset: int) -> lsp.Position:
        line = text.count("\n", 0, offset)
        return lsp.Position(line, offset - (text.rfind("\n", 0, offset) + 1))
    return lsp.Range(position(start), position(end))


def _refuse_clash(analysis: Analysis, symbol: Symbol, new_name: str, paths: set[str]) -> None:
    kb = analysis.features()
    for key, file in kb.modules.items():
        if file.path not in paths and f"{key[0]}@{key[1]}" != symbol.module:
            continue
        lowered = kb.lowered(*key)
        scope = Scope(lowered)
        if symbol.kind == "reference":
            clash = scope.reference(new_name)
        elif symbol.kind == "record":  # records and kinds are the types a declaration names
            clash = scope.record(new_name) or scope.kind(new_name)
        elif symbol.kind == "value":
            kind_name = symbol.name.split(".", 1)[0]
            kind = next((k for k in lowered.module.kinds if k.name == kind_name), None)
            clash = (Symbol(symbol.module, "value", f"{kind_name}.{new_name}")
                     if kind is not None and any(v.name == new_name for v in kind.values) else scope.resolve(new_name))
        else:
            clash = scope.resolve(new_name) or (scope.record(new_name) if symbol.kind == "kind" else None)
        if clash is not None:
            where = clash.module.replace("@", " ")
            raise RenameRefused(f"`{new_name}` would clash with the {clash.kind} `{clash.short}` of {where}, "
                                f"which {lowered.id} {lowered.version} also sees")
