"""The shape of a document: its outline (document symbols), folding ranges and semantic tokens."""

from __future__ import annotations

from lsprotocol import types as lsp
from pygments.token import Comment, Keyword, Literal, Name, Number, Operator, String, _TokenType

from eligo.dsl import ast
from eligo.lsp.convert import to_range
from eligo.lsp.names import SymbolKind
from eligo.lsp.navigation import occurrences_in, tokens_in
from eligo.lsp.positions import Columns
from eligo.lsp.workspace import Analysis

TOKEN_TYPES = ["namespace", "type", "enumMember", "parameter", "variable", "function", "class", "property",
               "keyword", "comment", "string", "number", "operator", "label", "decorator"]
TOKEN_MODIFIERS = ["declaration", "readonly", "defaultLibrary"]
LEGEND = lsp.SemanticTokensLegend(token_types=TOKEN_TYPES, token_modifiers=TOKEN_MODIFIERS)

_BY_SYMBOL: dict[SymbolKind, str] = {"module": "namespace", "input": "parameter", "define": "variable",
                                     "table": "function", "decision": "class", "kind": "type", "value": "enumMember",
                                     "reference": "label", "rule": "label", "outcome": "enumMember", "record": "type",
                                     "field": "property"}
_LEXICAL: tuple[tuple[_TokenType, str], ...] = (
    (Comment, "comment"), (String, "string"), (Literal.Date, "number"), (Number, "number"),
    (Keyword.Type, "type"), (Keyword.Constant, "keyword"), (Keyword, "keyword"), (Operator.Word, "keyword"),
    (Operator, "operator"), (Name.Builtin, "decorator"), (Name.Constant, "enumMember"),
)
_SYMBOL_KINDS: dict[type, lsp.SymbolKind] = {
    ast.Use: lsp.SymbolKind.Module, ast.Reference: lsp.SymbolKind.Key, ast.Kind: lsp.SymbolKind.Enum,
    ast.Input: lsp.SymbolKind.Field, ast.Define: lsp.SymbolKind.Variable, ast.Table: lsp.SymbolKind.Struct,
    ast.Decision: lsp.SymbolKind.Class, ast.Example: lsp.SymbolKind.Event, ast.Property: lsp.SymbolKind.Interface,
    ast.Record: lsp.SymbolKind.Struct,
}


def _item_name(item: ast.Item) -> str:
    match item:
        case ast.Use(module=module):
            return f"use {module}"
        case ast.Reference(key=key):
            return key
        case ast.Example(title=title) | ast.Property(title=title):
            return title
        case _:
            return str(getattr(item, "name", type(item).__name__.lower()))


def _symbol(name: str, kind: lsp.SymbolKind, span: ast.Span, detail: str | None = None,
            children: list[lsp.DocumentSymbol] | None = None) -> lsp.DocumentSymbol:
    whole = to_range(span)
    return lsp.DocumentSymbol(name=name or "?", kind=kind, range=whole, selection_range=lsp.Range(whole.start, whole.start),
                              detail=detail, children=children)


def document_symbols(analysis: Analysis, path: str) -> list[lsp.DocumentSymbol]:
    """The header and every item; a decision lists its rules, a kind its values, a record its fields."""
    module = analysis.module(path)
    if module is None:
        return []
    header = module.header
    out = [_symbol(header.name, lsp.SymbolKind.Namespace, header.span, f"{header.version} {header.status}")]
    for item in module.items:
        children: list[lsp.DocumentSymbol] = []
        detail = None
        match item:
            case ast.Decision(outcomes=outcomes, rules=rules, default=default):
                detail = (" > " if item.ordered else " | ").join(outcomes)
                children = [_symbol(r.name, lsp.SymbolKind.Method, r.span, f"then {r.outcome}") for r in rules]
                if default is not None:
                    children.append(_symbol("otherwise", lsp.SymbolKind.Method, default.span, default.outcome))
            case ast.Kind(values=values):
                children = [_symbol(v.name, lsp.SymbolKind.EnumMember, v.span, v.label) for v in values]
            case ast.Record(fields=fields):
                children = [_symbol(f.name, lsp.SymbolKind.Field, f.span, f.type.kind or f.type.base) for f in fields]
            case ast.Input(type=spec):
                detail = spec.kind or spec.base
        out.append(_symbol(_item_name(item), _SYMBOL_KINDS.get(type(item), lsp.SymbolKind.Object), item.span, detail,
                           children or None))
    return out


def folding_ranges(text: str) -> list[lsp.FoldingRange]:
    """Every top-level item that spans several lines, and runs of comment lines (from the text alone,
    so a file that does not parse still folds)."""
    lines = text.split("\n")
    out: list[lsp.FoldingRange] = []
    start: int | None = None
    last_code = -1
    for index, line in enumerate([*lines, "end"]):
        if line and not line[0].isspace() and not line.startswith("#"):
            if start is not None and last_code > start:
                out.append(lsp.FoldingRange(start_line=start, end_line=last_code))
            start = index
        if line.strip() and not line.lstrip().startswith("#"):
            last_code = index
    run: int | None = None
    for index, line in enumerate([*lines, ""]):
        if line.lstrip().startswith("#"):
            run = index if run is None else run
        else:
            if run is not None and index - 1 > run:
                out.append(lsp.FoldingRange(start_line=run, end_line=index - 1, kind=lsp.FoldingRangeKind.Comment))
            run = None
    return sorted(out, key=lambda r: r.start_line)


def _lexical(kind: _TokenType) -> str | None:
    for token_type, name in _LEXICAL:
        if kind in token_type:
            return name
    return None


def semantic_tokens(analysis: Analysis, path: str, text: str) -> lsp.SemanticTokens:
    """Names coloured by what they resolve to (input, definition, decision, kind value...), the rest by
    the lexer's token classes; encoded relative to the previous token as the protocol asks."""
    resolved = {(o.span.line, o.span.column): (o.symbol, o.declaration) for o in occurrences_in(analysis, path, text)}
    data: list[int] = []
    columns = Columns(text)
    previous_line, previous_column = 1, 1
    for tok in tokens_in(analysis, path, text):
        found = resolved.get((tok.line, tok.column))
        modifiers = 0
        if found is not None:
            name: str | None = _BY_SYMBOL[found[0].kind]
            modifiers = 1 if found[1] else 0
        else:
            name = _lexical(tok.kind)
        if name is None or "\n" in tok.text:
            continue
        column = columns.to_client(lsp.Position(tok.line - 1, tok.column - 1)).character + 1  # in UTF-16 units
        delta_line = tok.line - previous_line
        delta_column = column - previous_column if delta_line == 0 else column - 1
        data += [delta_line, delta_column, len(tok.text.encode("utf-16-le")) // 2, TOKEN_TYPES.index(name), modifiers]
        previous_line, previous_column = tok.line, column
    return lsp.SemanticTokens(data=data)
