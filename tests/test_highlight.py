"""The Pygments lexer: found through its entry point, no Error token on valid Eligo, the right token kinds."""

from __future__ import annotations

from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
    _TokenType,
)

from eligo.dsl.highlight import EligoLexer

FIXTURES = sorted((Path(__file__).parent / "fixtures" / "valid").glob("*.eligo"))
SKETCH = Path(__file__).parent / "fixtures" / "valid" / "sketch.eligo"


def tokens(text: str) -> list[tuple[_TokenType, str]]:
    return [(kind, value) for kind, value in EligoLexer().get_tokens(text) if kind is not Whitespace]


def test_the_lexer_is_registered_by_name_and_file_name() -> None:
    assert isinstance(get_lexer_by_name("eligo"), EligoLexer)
    assert isinstance(get_lexer_for_filename("knowledge/colorectal/x/1.0.0.eligo"), EligoLexer)
    assert EligoLexer.name == "Eligo"


def test_the_sketch_has_no_error_token_and_loses_no_text() -> None:
    text = SKETCH.read_text(encoding="utf-8")
    stream = list(get_lexer_by_name("eligo").get_tokens(text))
    assert [value for kind, value in stream if kind is Error] == []
    assert "".join(value for _, value in stream) == text


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda p: p.stem)
def test_valid_fixture_has_no_error_token(fixture: Path) -> None:
    assert [v for k, v in tokens(fixture.read_text(encoding="utf-8")) if k is Error] == []


@pytest.mark.parametrize(("source", "expected"), [
    ("  d never increases as a lesion is added to lesions",
     [(Name, "d"), (Keyword, "never"), (Keyword, "increases"), (Keyword, "as"), (Name, "a"), (Name, "lesion"),
      (Operator.Word, "is"), (Keyword, "added"), (Keyword, "to"), (Name, "lesions")]),
    ("define dfi: months between a and b", [(Keyword.Declaration, "define"), (Name.Function, "dfi"),
                                            (Keyword, "months"), (Operator.Word, "between"), (Name, "a"),
                                            (Operator.Word, "and"), (Name, "b")]),
    ("  rule unfit: when not fit then not_candidate", [(Keyword.Declaration, "rule"), (Name.Label, "unfit"),
                                                       (Keyword, "when"), (Operator.Word, "not"), (Name, "fit"),
                                                       (Keyword, "then"), (Name.Constant, "not_candidate")]),
    ("  colorectal   12 months   cite fong1999", [(Name, "colorectal"), (Number, "12"), (Name.Builtin, "months"),
                                                 (Keyword, "cite"), (Name, "fong1999")]),
    ("x <= -50% and y = 37 U/mL", [(Name, "x"), (Operator, "<="), (Operator, "-"), (Number, "50"),
                                   (Name.Builtin, "%"), (Operator.Word, "and"), (Name, "y"), (Operator, "="),
                                   (Number, "37"), (Name.Builtin, "U/mL")]),
    ("input ca19_9: quantity in U/mL from 0 to 100, optional", [
        (Keyword.Declaration, "input"), (Name.Variable, "ca19_9"), (Keyword.Type, "quantity"), (Keyword, "in"),
        (Name.Builtin, "U/mL"), (Keyword, "from"), (Number, "0"), (Keyword, "to"), (Number, "100"),
        (Keyword, "optional")]),
    ("input fit: yes/no", [(Keyword.Declaration, "input"), (Name.Variable, "fit"), (Keyword.Type, "yes/no")]),
    ("  given treated 2024-01-10, fit yes, recurred missing", [
        (Keyword, "given"), (Name, "treated"), (Literal.Date, "2024-01-10"), (Name, "fit"),
        (Keyword.Constant, "yes"), (Name, "recurred"), (Keyword, "missing")]),
    ("use core.oligometastatic ^1.0 as oligo  # why", [
        (Keyword.Namespace, "use"), (Name.Namespace, "core.oligometastatic"), (Operator, "^"),
        (Number.Other, "1.0"), (Keyword, "as"), (Name, "oligo"), (Comment.Single, "# why")]),
    ("  status approved", [(Keyword, "status"), (Name.Constant, "approved")]),
    ('title "a \\"b\\""', [(Keyword, "title"), (String.Double, '"'), (String.Double, "a "), (String.Escape, '\\"'),
                           (String.Double, "b"), (String.Escape, '\\"'), (String.Double, '"')]),
])
def test_token_kinds_without_punctuation(source: str, expected: list[tuple[_TokenType, str]]) -> None:
    assert [(k, v) for k, v in tokens(source) if k is not Punctuation] == expected


def test_a_character_eligo_does_not_use_is_an_error_token() -> None:
    assert (Error, "$") in tokens("define x: a $ b")
