"""Every name written in a module, resolved to the symbol it declares or refers to, with its exact position.

The Eligo AST keeps one span per item, not per name, so names are found with the shipped Pygments lexer
(`dsl.highlight`) and resolved in the scope of the lowered module: its own declarations, the modules it
uses (`alias.name`), the inputs and kinds they make visible, kind values and reference keys; records and their
fields (`record lesion:`, and a field inside a list operation: `organ of lesions`, `lesions where organ = liver`).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import cache
from typing import Literal

from pygments.token import Keyword, Name, Operator, Punctuation, _TokenType

from eligo.dsl import ast
from eligo.dsl.highlight import EligoLexer
from eligo.semantic.module import LoweredModule

SymbolKind = Literal["module", "input", "define", "table", "decision", "kind", "value", "reference", "rule",
                     "outcome", "record", "field"]
_CONTINUATION = frozenset({",", "|", "and", "or", "("})
RENAMEABLE = frozenset({"input", "define", "table", "decision", "kind", "value", "reference", "record"})
_DECLARES: dict[str, SymbolKind] = {"define": "define", "table": "table", "decision": "decision", "kind": "kind",
                                     "input": "input", "reference": "reference", "record": "record"}
LIST_OPS = frozenset(ast.LIST_OPS)


@dataclass(frozen=True, slots=True)
class Symbol:
    """A declared thing: `module` is `id@version`; a kind value is named `kind.value`, a rule or an
    outcome `decision.name`, a record's field `record.field`."""

    module: str
    kind: SymbolKind
    name: str

    @property
    def short(self) -> str:
        return self.name.rsplit(".", 1)[-1] if self.kind in {"value", "rule", "outcome", "field"} else self.name


@dataclass(frozen=True, slots=True)
class Occurrence:
    symbol: Symbol
    span: ast.Span  # the name as written (for `alias.name`, only `name`)
    declaration: bool
    qualifier: str | None = None  # the alias written before it, if any


@dataclass(frozen=True, slots=True)
class Token:
    """A lexer token with its 1-based position."""

    kind: _TokenType
    text: str
    line: int
    column: int


@cache
def _lexer() -> EligoLexer:
    return EligoLexer()


def tokens(text: str) -> list[Token]:
    """The significant tokens of `text` (no whitespace), positioned."""
    starts = [0]
    for index, char in enumerate(text):
        if char == "\n":
            starts.append(index + 1)
    out = []
    for offset, kind, value in _lexer().get_tokens_unprocessed(text):
        if not value.strip():
            continue
        line = bisect_right(starts, offset)
        out.append(Token(kind, value, line, offset - starts[line - 1] + 1))
    return out


class Scope:
    """Name resolution as one lowered module sees it (each module's own names tabled once)."""

    def __init__(self, lowered: LoweredModule, tables: dict[int, dict[str, Symbol]] | None = None) -> None:
        self.lowered = lowered
        self.key = lowered.key
        self._tables = {} if tables is None else tables

    def declared(self, module: LoweredModule, name: str) -> Symbol | None:
        """`name` declared in `module` itself (not through its uses): an item, a kind, or a kind value."""
        table = self._tables.get(id(module))
        if table is None:
            table = self._tables[id(module)] = _table(module)
        return table.get(name)

    def resolve(self, name: str, prefer_kind: bool = False) -> Symbol | None:
        if "." in name:
            alias, _, rest = name.partition(".")
            used = self.lowered.uses.get(alias)
            if used is None or "." in rest:
                return None
            return Scope(used, self._tables).resolve(rest, prefer_kind)
        if prefer_kind and (kind := self.kind(name)) is not None:
            return kind
        found = self.declared(self.lowered, name)
        if found is not None:
            return found
        if (kind := self.kind(name)) is not None:
            return kind
        for used in self.lowered.uses.values():
            value = self.declared(used, name)
            if value is not None and value.kind == "value":
                return value
        info = self.lowered.visible_inputs.get(name)
        if info is not None:
            return Symbol(info.module, "input", name)
        return None

    def kind(self, name: str) -> Symbol | None:
        kind_type = self.lowered.kinds.get(name)
        if kind_type is None or not kind_type.name:
            return None
        module, _, kind_name = kind_type.name.rpartition(":")
        return Symbol(module, "kind", kind_name)

    def record(self, name: str) -> Symbol | None:
        """The record `name` (or `alias.name`) as this module sees it, declared here or in a module it uses."""
        if "." in name:
            alias, _, rest = name.partition(".")
            used = self.lowered.uses.get(alias)
            return Scope(used, self._tables).record(rest) if used is not None and "." not in rest else None
        for module in (self.lowered, *self.lowered.uses.values()):
            if any(r.name == name for r in module.module.records):
                return Symbol(module.key, "record", name)
        return None

    def element(self, source: str) -> tuple[Symbol, frozenset[str]] | None:
        """The record of the list input `source` and its field names (None when `source` is not a list)."""
        info = self.lowered.visible_inputs.get(source)  # a list is named bare: every module's inputs are shared
        if info is None or not info.fields:
            return None
        record = info.spec.removeprefix("list of ").strip().rsplit(".", 1)[-1]
        return Symbol(info.fields[0].module, "record", record), frozenset(f.name for f in info.fields)

    def reference(self, name: str) -> Symbol | None:
        for module in (self.lowered, *self.lowered.uses.values()):
            if any(r.key == name for r in module.module.references):
                return Symbol(module.key, "reference", name)
        return None


_ITEM_KINDS: dict[type, SymbolKind] = {ast.Input: "input", ast.Define: "define", ast.Table: "table",
                                       ast.Decision: "decision"}


def _table(module: LoweredModule) -> dict[str, Symbol]:
    """The names `module` declares; an item or kind named like a kind value takes precedence over the value."""
    out: dict[str, Symbol] = {}
    for kind_decl in module.module.kinds:
        for value in kind_decl.values:
            out.setdefault(value.name, Symbol(module.key, "value", f"{kind_decl.name}.{value.name}"))
    for kind_decl in module.module.kinds:
        out[kind_decl.name] = Symbol(module.key, "kind", kind_decl.name)
    for item in reversed(module.module.items):  # the first declaration of a name declared twice wins
        kind = _ITEM_KINDS.get(type(item))
        if kind is not None:
            out[item.name] = Symbol(module.key, kind, item.name)  # type: ignore[union-attr]
    return out


def _span(token: Token, path: str) -> ast.Span:
    return ast.Span(path, token.line, token.column, token.line, token.column + len(token.text))


def occurrences(lowered: LoweredModule, text: str, path: str, toks: list[Token] | None = None) -> list[Occurrence]:
    """Every resolvable name in `text` (the source of `lowered`; `toks` its tokens if known), in source order."""
    scope = Scope(lowered)
    toks = tokens(text) if toks is None else toks
    out: list[Occurrence] = []
    statement = ""  # the keyword that opened the current top-level item
    clause = ""  # the keyword or operator that governs the names that follow (`cite`, `by`, `=`, ...)
    after_colon = False
    decision, decision_line, kind_name, expect_target, record = "", 0, "", "", ""
    element: _Element | None = None  # the list operation the names are in, if any
    given: tuple[Symbol, frozenset[str]] | None = None  # in an example, the record of the list being given
    for index, tok in enumerate(toks):
        previous = toks[index - 1].text if index else ""
        first_on_line = not index or tok.line > toks[index - 1].line
        if index and first_on_line and previous not in _CONTINUATION:
            clause = ""  # a new line governs its own names (`cite` on one line does not reach the next)
        if tok.column == 1 and tok.kind in Keyword:
            statement, clause, after_colon = tok.text, "", False
        if element is not None and index >= element.end:
            element = None
        if tok.kind is Name.Builtin and tok.text in LIST_OPS:
            element = _list_operation(toks, index, scope) or element
            continue
        if element is not None and tok.kind is Name and tok.text in element.fields and index != element.source \
                and previous != "." and not (index + 1 < len(toks) and toks[index + 1].text == "."):
            field = Symbol(element.record.module, "field", f"{element.record.name}.{tok.text}")
            out.append(Occurrence(field, _span(tok, path), False))
            continue
        if statement == "example":  # `given lesions [{organ liver, size 2 cm}]`: a field before its value
            if tok.kind in Punctuation and tok.text == "]":
                given = None
            elif tok.kind is Name and given is not None and previous in {"{", ","} and tok.text in given[1]:
                field = Symbol(given[0].module, "field", f"{given[0].name}.{tok.text}")
                out.append(Occurrence(field, _span(tok, path), False))
                continue
            elif tok.kind is Name and clause == "given" and index + 1 < len(toks) \
                    and toks[index + 1].text in {"[", "at least"}:
                given = scope.element(tok.text)
        if statement == "record" and tok.kind is Name and first_on_line and index + 1 < len(toks) \
                and toks[index + 1].text == ":":
            out.append(Occurrence(Symbol(scope.key, "field", f"{record}.{tok.text}"), _span(tok, path), True))
            continue
        if tok.kind in Keyword or tok.kind in Operator.Word:
            clause = tok.text
            continue
        if tok.kind in Punctuation and tok.text == ":":
            after_colon = True
            continue
        if tok.kind not in Name or tok.kind is Name.Builtin:
            if tok.kind in Operator and tok.text in {"=", "->"}:
                clause = tok.text
            continue
        if previous == "." and toks[index - 1].kind in Punctuation:
            continue  # the second half of `alias.name`, handled with its first half
        span = _span(tok, path)
        if tok.kind is Name.Namespace:
            used = next((u for u in lowered.uses.values() if u.id == tok.text), None)
            if statement == "use" and used is not None:
                out.append(Occurrence(Symbol(used.key, "module", used.id), span, False))
            continue
        if tok.kind is Name.Label and previous == "rule":
            if index > 1 and toks[index - 2].text == "by":  # `expect d = x by rule r`
                target = scope.resolve(expect_target)
                if target is not None and target.kind == "decision":
                    out.append(Occurrence(Symbol(target.module, "rule", f"{target.name}.{tok.text}"), span, False))
            else:
                out.append(Occurrence(Symbol(scope.key, "rule", f"{decision}.{tok.text}"), span, True))
            continue
        declared = _DECLARES.get(statement) if tok.kind is not Name and not after_colon else None
        if declared is not None:
            if statement == "decision":
                decision, decision_line = tok.text, tok.line
            if statement == "kind":
                kind_name = tok.text
            if statement == "record":
                record = tok.text
            out.append(Occurrence(Symbol(scope.key, declared, tok.text), span, True))
            continue
        if statement == "kind" and after_colon:
            out.append(Occurrence(Symbol(scope.key, "value", f"{kind_name}.{tok.text}"), span, True))
            continue
        if statement == "decision" and tok.line == decision_line and after_colon:
            out.append(Occurrence(Symbol(scope.key, "outcome", f"{decision}.{tok.text}"), span, True))
            continue
        if statement == "decision" and (tok.kind is Name.Constant or clause == "otherwise"):
            out.append(Occurrence(Symbol(scope.key, "outcome", f"{decision}.{tok.text}"), span, False))
            continue
        if clause == "cite":
            symbol = scope.reference(tok.text)
            if symbol is not None:
                out.append(Occurrence(symbol, span, False))
            continue
        prefer_kind = (statement in {"input", "record"} and after_colon) or (statement == "table" and clause in {"by", "->"})
        of_record = (statement == "input" and clause == "of") or (  # `input lesions: list of lesion`
            statement == "property" and previous in {"a", "an"} and index + 1 < len(toks)  # `as a lesion is added`
            and toks[index + 1].text == "is")
        if index + 2 < len(toks) and toks[index + 1].text == "." and toks[index + 2].kind in Name:
            second = toks[index + 2]
            name = f"{tok.text}.{second.text}"
            used = lowered.uses.get(tok.text)
            if used is not None:
                out.append(Occurrence(Symbol(used.key, "module", used.id), span, False))
            symbol = (scope.record(name) if of_record else None) or scope.resolve(name, prefer_kind)
            if symbol is not None:
                out.append(Occurrence(symbol, _span(second, path), False, qualifier=tok.text))
        else:
            name = tok.text
            symbol = (scope.record(name) if of_record else None) or scope.resolve(name, prefer_kind)
            if clause == "=" and statement == "example":
                target = scope.resolve(expect_target)
                if target is not None and target.kind == "decision":
                    symbol = Symbol(target.module, "outcome", f"{target.name}.{name}")
            if symbol is not None:
                out.append(Occurrence(symbol, span, False))
        if clause == "expect":
            expect_target = name
    return out


@dataclass(frozen=True, slots=True)
class _Element:
    """A list operation being read: the tokens before `end` are in it; a bare name there that is a field of
    the list's record is that field (as the language reads it), except the tokens naming the list."""

    end: int
    record: Symbol
    fields: frozenset[str]
    source: int  # the token naming the list


def _list_operation(toks: list[Token], index: int, scope: Scope) -> _Element | None:
    """The list operation `op(...)` whose name is at `index`: up to its closing parenthesis, over the list named
    first (`count(lesions where ...)`) or after `of` (`largest(size of lesions)`)."""
    if index + 1 >= len(toks) or toks[index + 1].text != "(":
        return None
    field_first = toks[index].text in ast.FIELD_OPS
    depth, end, seen_of, source = 0, len(toks), False, None
    for j in range(index + 1, len(toks)):
        tok = toks[j]
        if tok.kind in Punctuation and tok.text in "()":
            depth += 1 if tok.text == "(" else -1
            if depth == 0:
                end = j
                break
        elif depth == 1 and tok.kind in Operator.Word and tok.text == "of":
            seen_of = True
        elif depth == 1 and source is None and tok.kind in Name and tok.kind is not Name.Builtin \
                and (seen_of or not field_first):
            source = j
    if source is None:
        return None
    found = scope.element(toks[source].text)
    if found is None:
        return None
    return _Element(end, found[0], found[1], source)
