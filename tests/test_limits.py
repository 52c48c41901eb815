"""Hostile inputs: huge files, deep nesting and long garbage get diagnostics, never crashes or hangs."""

from __future__ import annotations

import random
import sys

import pytest

from eligo.dsl import EligoError, lalr, parse, parse_with_diagnostics
from eligo.dsl.parser import MAX_ERRORS, MAX_NESTING, MAX_SOURCE_BYTES

HEADER = "guideline demo.limits\n  version 1.0.0\n\ninput x: count from 0 to 100\ninput flag: yes/no\n"


def _padded(size: int, filler: str = "x") -> str:
    """A valid guideline whose trailing comment brings it to exactly `size` bytes in UTF-8."""
    base = HEADER + "# "
    room = size - len(base.encode("utf-8")) - 1
    per = len(filler.encode("utf-8"))
    text = base + filler * (room // per) + "x" * (room % per) + "\n"
    assert len(text.encode("utf-8")) == size
    return text


def _refuse_to_parse(text: str, *args: object) -> object:
    raise AssertionError("the parser was called on a source over the size limit")


def _no_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("parse_built", "parse_tree"):  # the AST's parse, and the tree's (for syntax errors)
        monkeypatch.setattr(lalr, name, _refuse_to_parse)


def test_a_source_over_one_megabyte_gets_e001_without_being_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    _no_parser(monkeypatch)
    module, diagnostics = parse_with_diagnostics(_padded(MAX_SOURCE_BYTES + 1), "big.eligo")
    assert module is None
    assert [(d.code, d.span.line, d.span.column, d.message) for d in diagnostics] == [
        ("E001", 1, 1, "this file is larger than 1 MB")
    ]
    assert diagnostics[0].hints == ("split the guideline into modules joined with `use`",)


def test_the_size_limit_counts_bytes_not_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _padded(MAX_SOURCE_BYTES + 1, filler="é")  # about half as many characters as bytes
    assert len(text) < MAX_SOURCE_BYTES
    _no_parser(monkeypatch)
    assert [d.code for d in parse_with_diagnostics(text, "big.eligo")[1]] == ["E001"]


def test_a_source_of_exactly_one_megabyte_is_parsed() -> None:
    module, diagnostics = parse_with_diagnostics(_padded(MAX_SOURCE_BYTES), "edge.eligo")
    assert diagnostics == []
    assert module is not None and module.header.name == "demo.limits"


DEEP = 200
PREFIX = "define deep: "
NESTED = {
    "parentheses": "(" * DEEP + "x" + ")" * DEEP + " > 1",
    "not": "not " * DEEP + "flag",
    "minus": "- " * DEEP + "x > 1",
    "lookups": "t[" * DEEP + "x" + "]" * DEEP + " > 1",
    "if": "if flag then " * DEEP + "1" + " else 2" * DEEP + " > 0",
}


def _deepest_bracket_column(expression: str) -> int | None:
    """The column of the bracket that opens nesting level MAX_NESTING + 1, if brackets nest that deep."""
    openings = [i for i, char in enumerate(expression) if char in "(["]
    return len(PREFIX) + openings[MAX_NESTING] + 1 if len(openings) > MAX_NESTING else None


@pytest.mark.parametrize("name", sorted(NESTED))
def test_an_expression_nested_200_deep_gets_e002_not_a_recursion_error(name: str) -> None:
    expression = NESTED[name]
    limit = sys.getrecursionlimit()
    text = HEADER.replace("input x", f"{PREFIX}{expression}\ninput x", 1)  # the define is line 4
    module, diagnostics = parse_with_diagnostics(text, "deep.eligo")
    assert sys.getrecursionlimit() == limit
    assert module is None
    assert [(d.code, d.message) for d in diagnostics] == [
        ("E002", f"this expression is nested more than {MAX_NESTING} levels deep")
    ]
    span = diagnostics[0].span
    assert span.line == 4 and len(PREFIX) < span.column <= len(PREFIX) + len(expression)
    if (column := _deepest_bracket_column(expression)) is not None:
        assert span.column == column
    with pytest.raises(EligoError) as raised:
        parse(text, "deep.eligo")
    assert [d.code for d in raised.value.diagnostics] == ["E002"]


def test_nesting_up_to_the_limit_is_accepted() -> None:
    expression = "(" * MAX_NESTING + "x" + ")" * MAX_NESTING + " > 1"
    text = HEADER + f"define shallow_enough: {expression}\n"
    module, diagnostics = parse_with_diagnostics(text, "ok.eligo")
    assert diagnostics == []
    assert module is not None


def test_ten_thousand_brackets_deep_is_refused_without_recursion() -> None:
    limit = sys.getrecursionlimit()
    text = HEADER + "define deep: " + "(" * 10_000 + "x" + ")" * 10_000 + " > 1\n"
    _, diagnostics = parse_with_diagnostics(text, "deep.eligo")
    assert [d.code for d in diagnostics] == ["E002"]
    assert sys.getrecursionlimit() == limit


def _garbage(lines: int, seed: int) -> str:
    rng = random.Random(seed)
    alphabet = "abcxyz_019 :;,.()[]{}<>=!&|\"'#%/-+*\t"
    return "\n".join("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12))) for _ in range(lines))


GARBAGE = {
    "random characters": HEADER + _garbage(50_000, seed=7) + "\n",
    "misspelt keywords": HEADER + "\n".join(f"inptu x{i}: count" for i in range(50_000)) + "\n",
    "random characters without a header": _garbage(50_000, seed=11) + "\n",
}


@pytest.mark.parametrize("name", sorted(GARBAGE))
def test_fifty_thousand_lines_of_garbage_get_a_bounded_list_of_diagnostics(name: str) -> None:
    text = GARBAGE[name]
    assert text.count("\n") >= 50_000 and len(text.encode("utf-8")) <= MAX_SOURCE_BYTES
    module, diagnostics = parse_with_diagnostics(text, "garbage.eligo")
    assert module is None
    assert 1 <= len(diagnostics) <= MAX_ERRORS
    line_count = text.count("\n")
    for diagnostic in diagnostics:
        assert diagnostic.code.startswith("E0") and diagnostic.is_error
        assert 1 <= diagnostic.span.line <= line_count
        assert diagnostic.message
    positions = [(d.span.line, d.span.column) for d in diagnostics]
    assert positions == sorted(set(positions))  # recovery moves forward: no repeats, no going back


def test_recovery_reports_one_diagnostic_per_broken_item() -> None:
    body = "".join(f"inptu x{i}: count\n" for i in range(MAX_ERRORS + 5))
    _, diagnostics = parse_with_diagnostics(HEADER + body, "many.eligo")
    first = HEADER.count("\n") + 1
    assert [(d.code, d.span.line) for d in diagnostics] == [("E014", first + i) for i in range(MAX_ERRORS)]
