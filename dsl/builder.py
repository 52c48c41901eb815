"""The builder of the typed AST: one method per grammar rule, called as the LALR parser reduces the rule
(eligo.dsl.reductions) with the node's position and its children's values; no lark.Tree is made.

It never raises: problems it can see (a duplicate `version`, an impossible date) become
diagnostics collected in `Builder.diagnostics`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from lark import Token

from eligo.dsl import ast
from eligo.dsl.diagnostics import Diagnostic, error
from eligo.dsl.list_rules import ListRules, Name
from eligo.dsl.reductions import Meta

_ESCAPE = re.compile(r"\\(.)")
_COMPARE = {"≤": "<=", "≥": ">=", "≠": "!="}


_Name = Name


@dataclass(frozen=True, slots=True)
class _Meta:
    key: str
    value: Any
    span: ast.Span


def unquote(token: str) -> str:
    return _ESCAPE.sub(lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), token[1:-1])


MAX_SIGNIFICANT = 15  # a double holds every decimal of 15 significant digits exactly (DBL_DIG)


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def _too_many_digits(text: str) -> bool:
    """Whether a literal has more significant digits than a double holds, or is 10^15 or more
    (the back ends compute in doubles: such a number would not be the number written)."""
    whole, _, fraction = text.partition(".")
    whole = whole.lstrip("0")
    digits = (whole + fraction).strip("0") if whole else fraction.lstrip("0").rstrip("0")
    return len(whole) > MAX_SIGNIFICANT or len(digits) > MAX_SIGNIFICANT


def _abridged(text: str) -> str:
    return text if len(text) <= 24 else f"{text[:10]}…{text[-6:]} ({len(text)} characters)"


def _annotations(items: tuple[Any, ...], span: ast.Span) -> ast.Annotations:
    because = tuple(text for key, text in items if key == "because")
    cites = tuple(c for key, keys in items if key == "cite" for c in keys)
    label = next((text for key, text in items if key == "label"), None)
    return ast.Annotations(because, cites, label, span=span)


class Builder(ListRules):
    def __init__(self, path: str) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []

    def build(self, module: ast.Module, source: str, comments: list[tuple[str, int, int]]) -> ast.Module:
        """The module as parsed, with its comments (the post-lexer collects them)."""
        lines = source.split("\n")
        built = tuple(
            ast.Comment(
                text,
                own_line=not lines[line - 1][: column - 1].strip(),
                span=ast.Span(self.path, line, column, line, column + len(text)),
            )
            for text, line, column in comments
        )
        return ast.Module(module.header, module.items, built, span=module.span)

    # ------------------------------------------------------------ helpers
    def _span(self, meta: Meta) -> ast.Span:
        if meta is None:
            return ast.Span(self.path, 0, 0, 0, 0)
        return ast.Span(self.path, *meta)

    def _tok(self, token: Token) -> ast.Span:
        return ast.Span(
            self.path, token.line or 0, token.column or 0, token.end_line or 0, token.end_column or 0
        )

    # ------------------------------------------------------------ module and header
    def module(self, meta: Meta, header: ast.Header, *items: ast.Item) -> ast.Module:
        return ast.Module(header, items, span=self._span(meta))

    def header(self, meta: Meta, name: _Name, *metas: _Meta) -> ast.Header:
        seen: dict[str, _Meta] = {}
        for entry in metas:
            if entry.key in seen:
                first = seen[entry.key].span
                self.diagnostics.append(
                    error("E020", f"`{entry.key}` is given twice in the header", entry.span,
                          f"the first is on line {first.line}; keep one")
                )
            seen[entry.key] = entry
        fields = {key: entry.value for key, entry in seen.items()}
        span = self._span(meta)
        if "version" not in fields:
            self.diagnostics.append(
                error("E021", f"guideline `{name.text}` has no `version`", name.span,
                      "add a line such as `  version 1.0.0` under the `guideline` line")
            )
            fields["version"] = "0.0.0"
        return ast.Header(name.text, span=span, **fields)

    def _meta(self, key: str, meta: Meta, value: Any) -> _Meta:
        return _Meta(key, value, self._span(meta))

    def meta_version(self, meta: Meta, tok: Token) -> _Meta:
        return self._meta("version", meta, str(tok))

    def meta_title(self, meta: Meta, tok: Token) -> _Meta:
        return self._meta("title", meta, unquote(tok))

    def meta_status(self, meta: Meta, tok: Token) -> _Meta:
        return self._meta("status", meta, str(tok))

    def meta_effective(self, meta: Meta, tok: Token) -> _Meta:
        return self._meta("effective", meta, self._date(tok))

    def meta_supersedes(self, meta: Meta, tok: Token) -> _Meta:
        return self._meta("supersedes", meta, str(tok))

    def meta_committee(self, meta: Meta, tok: Token) -> _Meta:
        return self._meta("committee", meta, unquote(tok))

    def meta_summary(self, meta: Meta, tok: Token) -> _Meta:
        return self._meta("summary", meta, unquote(tok))

    def qualified_name(self, meta: Meta, *parts: Token) -> _Name:
        return _Name(".".join(parts), self._span(meta))

    # ------------------------------------------------------------ declarations
    def use(self, meta: Meta, name: _Name, *rest: Token) -> ast.Use:
        constraint = next((str(t) for t in rest if t.type == "CONSTRAINT"), None)
        alias = next((str(t) for t in rest if t.type == "NAME"), None)
        return ast.Use(name.text, constraint, alias, span=self._span(meta))

    def reference(self, meta: Meta, key: Token, citation: Token, *attrs: tuple[str, str]) -> ast.Reference:
        fields = dict(attrs)
        return ast.Reference(str(key), unquote(citation), span=self._span(meta), **fields)

    def ref_doi(self, meta: Meta, tok: Token) -> tuple[str, str]:
        return ("doi", unquote(tok))

    def ref_pmid(self, meta: Meta, tok: Token) -> tuple[str, str]:
        return ("pmid", unquote(tok))

    def ref_url(self, meta: Meta, tok: Token) -> tuple[str, str]:
        return ("url", unquote(tok))

    def ref_evidence(self, meta: Meta, tok: Token) -> tuple[str, str]:
        return ("evidence", str(tok))

    def kind(self, meta: Meta, name: Token, *values: ast.KindValue) -> ast.Kind:
        return ast.Kind(str(name), values, span=self._span(meta))

    def kind_value(self, meta: Meta, name: Token, label: Token | None = None) -> ast.KindValue:
        return ast.KindValue(str(name), unquote(label) if label else None, span=self._span(meta))

    def input(self, meta: Meta, name: Token, type_spec: ast.TypeSpec, *rest: Any) -> ast.Input:
        low = high = None
        optional = False
        description = None
        for part in rest:
            if isinstance(part, tuple):
                low, high = part
            elif part == "optional":
                optional = True
            elif isinstance(part, Token):
                description = unquote(part)
        return ast.Input(str(name), type_spec, low, high, optional, description, span=self._span(meta))

    def optional(self, meta: Meta) -> str:
        return "optional"

    def range(self, meta: Meta, low: int | float, high: int | float) -> tuple[int | float, int | float]:
        return (low, high)

    def bound(self, meta: Meta, tok: Token) -> int | float:
        return self._number(tok)

    def negative_bound(self, meta: Meta, tok: Token) -> int | float:
        return -self._number(tok)

    def t_bool(self, meta: Meta, _token: Token) -> ast.TypeSpec:
        return ast.TypeSpec("yes/no", span=self._span(meta))

    def t_count(self, meta: Meta) -> ast.TypeSpec:
        return ast.TypeSpec("count", span=self._span(meta))

    def t_number(self, meta: Meta) -> ast.TypeSpec:
        return ast.TypeSpec("number", span=self._span(meta))

    def t_percent(self, meta: Meta) -> ast.TypeSpec:
        return ast.TypeSpec("percent", span=self._span(meta))

    def t_date(self, meta: Meta) -> ast.TypeSpec:
        return ast.TypeSpec("date", span=self._span(meta))

    def t_duration(self, meta: Meta, unit: Token | None = None) -> ast.TypeSpec:
        return ast.TypeSpec("duration", unit=str(unit) if unit else None, span=self._span(meta))

    def t_quantity(self, meta: Meta, unit: Token) -> ast.TypeSpec:
        return ast.TypeSpec("quantity", unit=str(unit), span=self._span(meta))

    def t_enum(self, meta: Meta, name: _Name) -> ast.TypeSpec:
        return ast.TypeSpec("kind", kind=name.text, span=self._span(meta))

    def because(self, meta: Meta, tok: Token) -> tuple[str, str]:
        return ("because", unquote(tok))

    def cite(self, meta: Meta, *keys: Token) -> tuple[str, tuple[str, ...]]:
        return ("cite", tuple(str(k) for k in keys))

    def label(self, meta: Meta, tok: Token) -> tuple[str, str]:
        return ("label", unquote(tok))

    def define(self, meta: Meta, name: Token, expr: ast.Expr, *notes: Any) -> ast.Define:
        span = self._span(meta)
        return ast.Define(str(name), expr, _annotations(notes, span), span=span)

    def table(self, meta: Meta, name: Token, *rest: Any) -> ast.Table:
        by = tuple(part.text for part in rest if isinstance(part, _Name))
        result = next(part for part in rest if isinstance(part, ast.TypeSpec))
        rows = tuple(part for part in rest if isinstance(part, ast.Row))
        return ast.Table(str(name), by, result, rows, span=self._span(meta))

    def table_row(self, meta: Meta, keys: tuple[ast.RowKey, ...], value: Any, *notes: Any) -> ast.Row:
        span = self._span(meta)
        return ast.Row(keys, value, _annotations(notes, span), span=span)

    def row_keys(self, meta: Meta, *keys: ast.RowKey) -> tuple[ast.RowKey, ...]:
        return keys

    def row_otherwise(self, meta: Meta) -> tuple[ast.RowKey, ...]:
        return ()

    def key_value(self, meta: Meta, tok: Token) -> str:
        return str(tok)

    def key_any(self, meta: Meta) -> None:
        return None

    def key_yes(self, meta: Meta) -> bool:
        return True

    def key_no(self, meta: Meta) -> bool:
        return False

    def row_key(self, meta: Meta, band: ast.Band) -> ast.Band:
        return band

    def band_point(self, meta: Meta, value: ast.Bound) -> ast.Band:
        return ast.Band("point", value, span=self._span(meta))

    def band_closed(self, meta: Meta, low: ast.Bound, high: ast.Bound) -> ast.Band:
        return ast.Band("to", low, high, span=self._span(meta))

    def band_to_under(self, meta: Meta, low: ast.Bound, high: ast.Bound) -> ast.Band:
        return ast.Band("to_under", low, high, span=self._span(meta))

    def band_under(self, meta: Meta, high: ast.Bound) -> ast.Band:
        return ast.Band("under", None, high, span=self._span(meta))

    def band_over(self, meta: Meta, low: ast.Bound) -> ast.Band:
        return ast.Band("over", low, span=self._span(meta))

    def band_or_more(self, meta: Meta, low: ast.Bound) -> ast.Band:
        return ast.Band("or_more", low, span=self._span(meta))

    def band_over_to(self, meta: Meta, low: ast.Bound, high: ast.Bound) -> ast.Band:
        return ast.Band("over_to", low, high, span=self._span(meta))

    def band_or_less(self, meta: Meta, value: ast.Bound) -> ast.Band:
        return ast.Band("or_less", value, span=self._span(meta))

    def enum_value(self, meta: Meta, tok: Token) -> ast.Ref:
        return ast.Ref(str(tok), span=self._span(meta))

    def decision(self, meta: Meta, name: Token, outcomes: tuple[tuple[str, ...], bool, tuple[str, ...]],
                 *rest: Any) -> ast.Decision:
        policy = next((part for part in rest if isinstance(part, str)), "first")
        rules = tuple(part for part in rest if isinstance(part, ast.Rule))
        default = next((part for part in rest if isinstance(part, ast.Default)), None)
        names, ordered, beside = outcomes
        return ast.Decision(str(name), names, ordered, policy, rules, default, beside,  # type: ignore[arg-type]
                            span=self._span(meta))

    def ordered_outcomes(self, meta: Meta, *parts: Token | tuple[str]) -> tuple[tuple[str, ...], bool, tuple[str, ...]]:
        """`a > b > c`, or a mixed scale `a > b > c | x | y`: the names after `|` stand beside the order."""
        beside = tuple(p[0] for p in parts if isinstance(p, tuple))
        return (*(str(p) for p in parts if isinstance(p, Token)), *beside), True, beside

    def beside(self, meta: Meta, name: Token) -> tuple[str]:
        return (str(name),)

    def unordered_outcomes(self, meta: Meta, *names: Token) -> tuple[tuple[str, ...], bool, tuple[str, ...]]:
        return tuple(str(n) for n in names), False, ()

    def first_match(self, meta: Meta) -> str:
        return "first"

    def unique(self, meta: Meta) -> str:
        return "unique"

    def collect(self, meta: Meta) -> str:
        return "collect"

    def decision_rule(self, meta: Meta, name: Token, condition: ast.Expr, outcome: Token, *notes: Any) -> ast.Rule:
        span = self._span(meta)
        return ast.Rule(str(name), condition, str(outcome), _annotations(notes, span), span=span)

    def open_question(self, meta: Meta) -> str:
        return ast.OPEN

    def decision_default(self, meta: Meta, outcome: Token, *notes: Any) -> ast.Default:
        span = self._span(meta)
        return ast.Default(str(outcome), _annotations(notes, span), span=span)

    # ------------------------------------------------------------ examples and properties
    def example(self, meta: Meta, title: Token, *lines: Any) -> ast.Example:
        given = tuple(g for kind, items in lines if kind == "given" for g in items)
        expects = tuple(item for kind, item in lines if kind == "expect")
        return ast.Example(unquote(title), given, expects, span=self._span(meta))

    def given_line(self, meta: Meta, *given: ast.Given) -> tuple[str, tuple[ast.Given, ...]]:
        return ("given", given)

    def given(self, meta: Meta, name: Token, value: ast.GivenValue) -> ast.Given:
        return ast.Given(str(name), value, span=self._span(meta))

    def missing(self, meta: Meta) -> ast.Missing:
        return ast.Missing(span=self._span(meta))

    def expect_value(
        self, meta: Meta, target: _Name, op: Token, value: Any, by_rule: str | None = None
    ) -> tuple[str, ast.Expectation]:
        if op != "=":
            self.diagnostics.append(
                error("E023", f"an expectation is written with `=`, not `{op}`", self._tok(op),
                      f"write `expect {target.text} = …`")
            )
        return ("expect", ast.ExpectValue(target.text, value, by_rule, span=self._span(meta)))

    def expect_unknown(
        self, meta: Meta, target: _Name, *lists: tuple[str, tuple[str, ...]]
    ) -> tuple[str, ast.Expectation]:
        given = dict(lists)
        return ("expect", ast.ExpectUnknown(target.text, given.get("missing"), given.get("possible"),
                                            span=self._span(meta)))

    def expect_open(self, meta: Meta, target: _Name, by_rule: str | None = None) -> tuple[str, ast.Expectation]:
        return ("expect", ast.ExpectOpen(target.text, by_rule, span=self._span(meta)))

    def possible_set(self, meta: Meta, *names: Token) -> tuple[str, tuple[str, ...]]:
        return ("possible", tuple(str(n) for n in names))

    def by_rule(self, meta: Meta, name: Token) -> str:
        return str(name)

    def missing_list(self, meta: Meta, *names: Token) -> tuple[str, tuple[str, ...]]:
        return ("missing", tuple(str(n) for n in names))

    def property(self, meta: Meta, title: Token, body: ast.PropertyBody) -> ast.Property:
        return ast.Property(unquote(title), body, span=self._span(meta))

    def monotone(self, meta: Meta, target: _Name, target_moves: Token, over: _Name, over_moves: Token) -> ast.Monotone:
        return ast.Monotone(target.text, str(target_moves), over.text, str(over_moves), span=self._span(meta))  # type: ignore[arg-type]
    def added(self, meta: Meta, target: _Name, target_moves: Token, element: Token, over: _Name) -> ast.Added:
        return ast.Added(target.text, str(target_moves), str(element), over.text, span=self._span(meta))  # type: ignore[arg-type]

    def independent(self, meta: Meta, target: _Name, *of: _Name) -> ast.Independent:
        return ast.Independent(target.text, tuple(n.text for n in of), span=self._span(meta))

    def implies(self, meta: Meta, condition: ast.Expr, target: _Name, outcome: Token) -> ast.Implies:
        return ast.Implies(condition, target.text, str(outcome), span=self._span(meta))

    # ------------------------------------------------------------ expressions
    def if_expr(self, meta: Meta, condition: ast.Expr, then: ast.Expr, otherwise: ast.Expr) -> ast.Expr:
        return ast.IfThen(condition, then, otherwise, span=self._span(meta))

    def or_expr(self, meta: Meta, *operands: ast.Expr) -> ast.Expr:
        return ast.BoolOp("or", operands, span=self._span(meta))

    def and_expr(self, meta: Meta, *operands: ast.Expr) -> ast.Expr:
        return ast.BoolOp("and", operands, span=self._span(meta))

    def not_expr(self, meta: Meta, operand: ast.Expr) -> ast.Expr:
        return ast.Not(operand, span=self._span(meta))

    def compare(self, meta: Meta, left: ast.Expr, op: Token, right: ast.Expr) -> ast.Expr:
        return ast.Compare(_COMPARE.get(str(op), str(op)), left, right, span=self._span(meta))  # type: ignore[arg-type]

    def is_missing(self, meta: Meta, operand: ast.Expr) -> ast.Expr:
        return ast.Test(operand, "missing", span=self._span(meta))

    def is_known(self, meta: Meta, operand: ast.Expr) -> ast.Expr:
        return ast.Test(operand, "known", span=self._span(meta))

    def is_none(self, meta: Meta, operand: ast.Expr) -> ast.Expr:
        return ast.Test(operand, "none", span=self._span(meta))

    def set_items(self, meta: Meta, *items: ast.Expr) -> tuple[ast.Expr, ...]:
        return items

    def in_set(self, meta: Meta, operand: ast.Expr, items: tuple[ast.Expr, ...]) -> ast.Expr:
        return ast.InSet(operand, items, False, span=self._span(meta))

    def not_in_set(self, meta: Meta, operand: ast.Expr, items: tuple[ast.Expr, ...]) -> ast.Expr:
        return ast.InSet(operand, items, True, span=self._span(meta))

    def between(self, meta: Meta, operand: ast.Expr, low: ast.Expr, high: ast.Expr) -> ast.Expr:
        return ast.Between(operand, low, high, span=self._span(meta))

    def _arith(self, op: ast.ArithOp, meta: Meta, left: ast.Expr, right: ast.Expr) -> ast.Expr:
        return ast.Arith(op, left, right, span=self._span(meta))

    def add(self, meta: Meta, left: ast.Expr, right: ast.Expr) -> ast.Expr:
        return self._arith("+", meta, left, right)

    def sub(self, meta: Meta, left: ast.Expr, right: ast.Expr) -> ast.Expr:
        return self._arith("-", meta, left, right)

    def mul(self, meta: Meta, left: ast.Expr, right: ast.Expr) -> ast.Expr:
        return self._arith("*", meta, left, right)

    def div(self, meta: Meta, left: ast.Expr, right: ast.Expr) -> ast.Expr:
        return self._arith("/", meta, left, right)

    def neg(self, meta: Meta, operand: ast.Expr) -> ast.Expr:
        return ast.Neg(operand, span=self._span(meta))

    def ref(self, meta: Meta, *parts: Token) -> ast.Expr:
        return ast.Ref(".".join(parts), span=self._span(meta))

    def lookup(self, meta: Meta, *parts: Token | ast.Expr) -> ast.Expr:
        names = [str(part) for part in parts if isinstance(part, Token)]
        keys = tuple(part for part in parts if not isinstance(part, Token))
        return ast.Lookup(".".join(names), keys, span=self._span(meta))

    def first_known(self, meta: Meta, *items: ast.Expr) -> ast.Expr:
        return ast.FirstKnown(items, span=self._span(meta))

    def elapsed(self, meta: Meta, unit: str, start: ast.Expr, end: ast.Expr) -> ast.Expr:
        return ast.Elapsed(unit, start, end, span=self._span(meta))  # type: ignore[arg-type]

    def elapsed_unit(self, meta: Meta, tok: Token) -> str:
        return str(tok)

    # ------------------------------------------------------------ literals
    def _number(self, tok: Token) -> int | float:
        """The literal's value; a literal the back ends cannot hold exactly is refused (E063) and read as 0."""
        if not _too_many_digits(str(tok)):
            return _number(tok)
        self.diagnostics.append(error(
            "E063", f"the number {_abridged(str(tok))} has more digits than Eligo computes with", self._tok(tok),
            f"numbers are below 10^15 with at most {MAX_SIGNIFICANT} significant digits; write it with fewer digits, "
            "or in a larger unit"))
        return 0

    def number(self, meta: Meta, tok: Token) -> ast.Literal:
        return ast.Number(self._number(tok), span=self._span(meta))

    def quantity(self, meta: Meta, tok: Token, unit: Token) -> ast.Literal:
        return ast.Quantity(self._number(tok), str(unit), span=self._span(meta))

    def negative_number(self, meta: Meta, tok: Token) -> ast.Literal:
        return ast.Number(-self._number(tok), span=self._span(meta))

    def negative_quantity(self, meta: Meta, tok: Token, unit: Token) -> ast.Literal:
        return ast.Quantity(-self._number(tok), str(unit), span=self._span(meta))

    def _date(self, tok: Token) -> dt.date:
        try:
            return dt.date.fromisoformat(str(tok))
        except ValueError:
            self.diagnostics.append(
                error("E022", f"{tok} is not a real date", self._tok(tok),
                      "dates are written YYYY-MM-DD, with a month from 01 to 12 and a day that exists in it")
            )
            return dt.date(1, 1, 1)

    def date(self, meta: Meta, tok: Token) -> ast.Literal:
        return ast.DateLit(self._date(tok), span=self._span(meta))

    def yes(self, meta: Meta) -> ast.Literal:
        return ast.Bool(True, span=self._span(meta))

    def no(self, meta: Meta) -> ast.Literal:
        return ast.Bool(False, span=self._span(meta))

    def none(self, meta: Meta) -> ast.Literal:
        return ast.NoneLit(span=self._span(meta))

    def string(self, meta: Meta, tok: Token) -> ast.Literal:
        return ast.Text(unquote(tok), span=self._span(meta))
