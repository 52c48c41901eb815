"""The rules of the AST builder (dsl.builder) for lists of records: `record` declarations, `list of R`
types, list values in examples and the list operations, each checked for its form (E070, E071)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lark import Token

from eligo.dsl import ast
from eligo.dsl.diagnostics import Diagnostic, error
from eligo.dsl.reductions import Meta


@dataclass(frozen=True, slots=True)
class Name:
    """A qualified name as the builder passes it on, with its span."""

    text: str
    span: ast.Span


_Name = Name


class ListRules:
    """The list half of `Builder` (which provides `diagnostics`, `_span`, `_tok` and `input`)."""

    diagnostics: list[Diagnostic]
    _span: Callable[[Meta], ast.Span]
    _tok: Callable[[Token], ast.Span]
    input: Callable[..., ast.Input]

    def record(self, meta: Meta, name: Token, *fields: ast.RecordField) -> ast.Record:
        return ast.Record(str(name), fields, span=self._span(meta))

    def record_field(self, meta: Meta, name: Token, type_spec: ast.TypeSpec, *rest: Any) -> ast.RecordField:
        read = self.input(meta, name, type_spec, *rest)
        if type_spec.base == "list":
            self.diagnostics.append(error("E070", f"field `{name}` is a list: a record's fields hold one value each",
                                          type_spec.span, "declare the inner list as an input of its own"))
        return ast.RecordField(read.name, read.type, read.low, read.high, read.optional, read.description,
                               span=read.span)

    def t_list(self, meta: Meta, name: _Name) -> ast.TypeSpec:
        return ast.TypeSpec("list", kind=name.text, span=self._span(meta))

    def given_list(self, meta: Meta, *parts: Any) -> ast.GivenList:
        items = tuple(p for p in parts if isinstance(p, ast.GivenRecord))
        at_least = any(isinstance(p, Token) and p.type == "AT_LEAST" for p in parts)
        return ast.GivenList(items, at_least, span=self._span(meta))

    def given_record(self, meta: Meta, *fields: ast.Given) -> ast.GivenRecord:
        for given in fields:
            if isinstance(given.value, ast.GivenList):
                self.diagnostics.append(error("E070", f"field `{given.name}` is given a list: a record's fields "
                                              "hold one value each", given.value.span, "give one value"))
        return ast.GivenRecord(fields, span=self._span(meta))

    def list_source(self, meta: Meta, name: _Name, where: ast.Expr | None = None) -> tuple[_Name, ast.Expr | None]:
        return name, where

    def _list(self, meta: Meta, op: Token, source: tuple[_Name, ast.Expr | None], field: str | None,
              have: ast.Expr | None) -> ast.Expr:
        name, where = source
        word = str(op)
        span = self._span(meta)
        if word in ast.FIELD_OPS and field is None:
            self.diagnostics.append(error("E071", f"`{word}` needs the field it is taken over", self._tok(op),
                                          f"write `{word}(FIELD of {name.text})`, e.g. `{word}(size of {name.text})`"))
        elif word not in ast.FIELD_OPS and field is not None:
            self.diagnostics.append(error("E071", f"`{word}` counts or tests elements, not the values of a field",
                                          self._tok(op), f"write `{word}({name.text} where {field} …)`"))
        elif word == "all" and have is None:
            self.diagnostics.append(error("E071", "`all` needs what every element must have", self._tok(op),
                                          f"write `all({name.text} have CONDITION)`, e.g. `all({name.text} have treatable)`"))
        elif word not in ("all", "any") and have is not None:
            self.diagnostics.append(error("E071", f"`{word}` takes no `have` condition", self._tok(op),
                                          f"filter with `where`: `{word}({name.text} where CONDITION)`"))
        return ast.ListOp(word, name.text, where, field, have, span=span)  # type: ignore[arg-type]

    def list_op(self, meta: Meta, op: Token, source: tuple[_Name, ast.Expr | None]) -> ast.Expr:
        return self._list(meta, op, source, None, None)

    def list_have(self, meta: Meta, op: Token, source: tuple[_Name, ast.Expr | None], have: ast.Expr) -> ast.Expr:
        return self._list(meta, op, source, None, have)

    def list_field(self, meta: Meta, op: Token, field: Token, source: tuple[_Name, ast.Expr | None]) -> ast.Expr:
        return self._list(meta, op, source, str(field), None)
