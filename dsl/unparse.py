"""Expressions and literals back to source text, with only the parentheses precedence needs.

An expression becomes *pieces*: texts that a line break may separate, because each ends where Eligo
lets a line continue (after `,`, `|`, a binary operator, `then`, `else`). `depth` tells the formatter
which breaks to prefer: the outermost first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import assert_never

from eligo.dsl import ast

# ---------------------------------------------------------------- literals


def text(value: str) -> str:
    """A quoted string literal that the lexer reads back as `value`."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def number(value: int | float) -> str:
    """Digits that re-parse to the same value and type: `12`, `0.5`, `100000000000000000000.0`."""
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        raise ValueError(f"{value} cannot be written in Eligo")
    digits = format(Decimal(repr(value)), "f")
    return digits if "." in digits else digits + ".0"


def literal(value: ast.Literal | ast.Ref | ast.Missing) -> str:
    match value:
        case ast.Number(value=v):
            return number(v)
        case ast.Quantity(value=v, unit=unit):
            return number(v) + (unit if unit == "%" else " " + unit)
        case ast.DateLit(value=day):
            return day.isoformat()
        case ast.Bool(value=flag):
            return "yes" if flag else "no"
        case ast.NoneLit():
            return "none"
        case ast.Text(value=s):
            return text(s)
        case ast.Ref(name=name):
            return name
        case ast.Missing():
            return "missing"
        case _:
            assert_never(value)


def band(key: ast.Band) -> str:
    """A table row's band as written: `0 to 2`, `12 months to under 36 months`, `under 12 months`, `3 or more`."""
    return band_words(key.form, literal(key.low) if key.low is not None else "",
                      literal(key.high) if key.high is not None else "")


def band_words(form: ast.BandForm, low: str, high: str) -> str:
    """A band from its ends already written (`low`, `high`): the one wording of band forms, which the docs'
    prose reuses with ends in the reader's words."""
    match form:
        case "point":
            return low
        case "to":
            return f"{low} to {high}"
        case "to_under":
            return f"{low} to under {high}"
        case "under":
            return f"under {high}"
        case "over":
            return f"over {low}"
        case "over_to":
            return f"over {low} to {high}"
        case "or_more":
            return f"{low} or more"
        case "or_less":
            return f"{low} or less"
        case _:
            assert_never(form)


def row_key(key: ast.RowKey) -> str:
    if isinstance(key, ast.Band):
        return band(key)
    return "any" if key is None else "yes" if key is True else "no" if key is False else key


def type_spec(spec: ast.TypeSpec) -> str:
    if spec.base == "kind":
        return spec.kind or ""
    if spec.base == "list":
        return f"list of {spec.kind}"
    if spec.base in ("duration", "quantity") and spec.unit:
        return f"{spec.base} in {spec.unit}"
    return spec.base


# ---------------------------------------------------------------- expressions as pieces


@dataclass(frozen=True, slots=True)
class Piece:
    """Text that may end a line. `at` is the source (line, column) it starts at, (0, 0) if unknown;
    `depth` is how deeply nested the line break after it is (0 = between the outermost operands)."""

    text: str
    at: tuple[int, int] = (0, 0)
    depth: int = 0


def at(node: ast.Node) -> tuple[int, int]:
    return (node.span.line, node.span.column)


def wrap(pieces: list[Piece], before: str, after: str, start: tuple[int, int] | None = None) -> list[Piece]:
    """`before pieces after`; the first piece now starts at `start` when given."""
    first, last = pieces[0], pieces[-1]
    if len(pieces) == 1:
        return [Piece(before + first.text + after, start or first.at, first.depth)]
    return [Piece(before + first.text, start or first.at, first.depth), *pieces[1:-1],
            Piece(last.text + after, last.at, last.depth)]


def glue(left: list[Piece], middle: str, right: list[Piece]) -> list[Piece]:
    """`left middle right` with no line break allowed at `middle`."""
    return [*left[:-1], Piece(left[-1].text + middle + right[0].text, left[-1].at, right[0].depth), *right[1:]]


def join(parts: Iterable[list[Piece]], separator: str) -> list[Piece]:
    """Parts with a line break allowed after each `separator` (`,`, ` and`, ` or`, ` |`)."""
    return chain(*(item for part in parts for item in (separator, part)))


def chain(*items: str | list[Piece]) -> list[Piece]:
    """Parts with a line break allowed after the separator before each (`" +"`, `" then"`), all at one depth:
    `chain(condition, " then", yes, " else", no)`. A separator before the first part is dropped.

    >>> [p.text for p in chain([Piece("a")], " +", [Piece("b")])]
    ['a +', 'b']
    """
    out: list[Piece] = []
    separator = ""
    for item in items:
        if isinstance(item, str):
            separator = item
            continue
        if out:
            out[-1] = Piece(out[-1].text + separator, out[-1].at, 0)
        out.extend(Piece(p.text, p.at, p.depth + 1) for p in item)
    return out


def precedence(expr: ast.Expr) -> int:
    """How tightly `expr` binds: 0 for `if`, up to 8 for atoms."""
    match expr:
        case ast.IfThen():
            return 0
        case ast.BoolOp(op="or"):
            return 1
        case ast.BoolOp():
            return 2
        case ast.Not():
            return 3
        case ast.Compare() | ast.Test() | ast.InSet() | ast.Between():
            return 4
        case ast.Arith(op="+" | "-"):
            return 5
        case ast.Arith():
            return 6
        case ast.Neg():
            return 7
        case _:
            return 8


def _open_right(expr: ast.Expr) -> bool:
    """Whether `expr` ends in `days between a and b`, whose `b` would swallow a following `+ c`."""
    match expr:
        case ast.Elapsed():
            return True
        case ast.Neg(operand=operand):
            return precedence(operand) >= 7 and _open_right(operand)
        case ast.Arith(op=op, right=right):
            return precedence(right) >= (6 if op in "+-" else 7) and _open_right(right)
        case _:
            return False


def expr_pieces(expr: ast.Expr, floor: int = 0) -> list[Piece]:
    """`expr` as pieces, in parentheses if it binds less tightly than `floor`."""
    pieces = _bare(expr)
    return wrap(pieces, "(", ")", at(expr)) if precedence(expr) < floor else pieces


def expression(expr: ast.Expr) -> str:
    return " ".join(piece.text for piece in expr_pieces(expr))


def _bare(expr: ast.Expr) -> list[Piece]:
    match expr:
        case ast.Number() | ast.Quantity() | ast.DateLit() | ast.Bool() | ast.NoneLit() | ast.Text() | ast.Ref():
            return [Piece(literal(expr), at(expr))]
        case ast.Neg(operand=operand):
            return wrap(expr_pieces(operand, 7), "-", "", at(expr))
        case ast.Arith(op=op, left=left, right=right):
            floor = 5 if op in "+-" else 6
            lhs = expr_pieces(left, floor)
            if precedence(left) >= floor and _open_right(left):
                lhs = wrap(lhs, "(", ")")
            return chain(lhs, f" {op}", expr_pieces(right, floor + 1))
        case ast.Not(operand=operand):
            return wrap(expr_pieces(operand, 3), "not ", "", at(expr))
        case ast.BoolOp(op=op, operands=operands):
            # `and` inside `or` keeps its parentheses: `(a and b) or c` reads unambiguously to a clinician
            return join((expr_pieces(x, 3) for x in operands), f" {op}")
        case ast.Compare(op=op, left=left, right=right):
            return chain(expr_pieces(left, 5), f" {op}", expr_pieces(right, 5))
        case ast.Test(operand=operand, test=test):
            return wrap(expr_pieces(operand, 5), "", f" is {test}")
        case ast.InSet(operand=operand, items=items, negated=negated):
            listed = wrap(join((expr_pieces(x, 5) for x in items), ","), "", "}")
            return glue(expr_pieces(operand, 5), " not in {" if negated else " in {", listed)
        case ast.Between(operand=operand, low=low, high=high):
            return glue(glue(expr_pieces(operand, 5), " between ", expr_pieces(low, 5)), " and ",
                         expr_pieces(high, 5))
        case ast.FirstKnown(items=items):
            return wrap(join((expr_pieces(x) for x in items), ","), "first known of (", ")", at(expr))
        case ast.IfThen(condition=condition, then=then, otherwise=otherwise):
            head = wrap(expr_pieces(condition, 1), "if ", "", at(expr))
            return chain(head, " then", expr_pieces(then, 1), " else", expr_pieces(otherwise))
        case ast.Lookup(table=table, keys=keys):
            return wrap(join((expr_pieces(x) for x in keys), ","), f"{table}[", "]", at(expr))
        case ast.Elapsed(unit=unit, start=start, end=end):
            head = wrap(expr_pieces(start, 5), f"{unit} between ", "", at(expr))
            return glue(head, " and ", expr_pieces(end, 5))
        case ast.ListOp(op=op, source=source, where=where, field=name, have=have):
            pieces = [Piece(f"{op}({name + ' of ' if name else ''}{source}", at(expr))]
            if where is not None:
                pieces = glue(pieces, " where ", expr_pieces(where))
            if have is not None:
                pieces = glue(pieces, " have ", expr_pieces(have))
            return wrap(pieces, "", ")")
        case _:
            assert_never(expr)


def given_pieces(given: ast.Given) -> list[Piece]:
    """`name value`; a list of records breaks after the `,` between its elements."""
    value = given.value
    if not isinstance(value, ast.GivenList):
        return [Piece(f"{given.name} {literal(value)}", at(given))]
    opening = f"{given.name} {'at least ' if value.at_least else ''}["
    if not value.items:
        return [Piece(opening + "]", at(given))]
    records = [[Piece("{" + ", ".join(f"{g.name} {literal(g.value)}" for g in item.fields  # type: ignore[arg-type]
                                      ) + "}", at(item))] for item in value.items]
    return wrap(join(records, ","), opening, "]", at(given))
