"""Pygments lexer for Eligo source (registered as `eligo` through the `pygments.lexers` entry point)."""

from __future__ import annotations

from typing import Any, ClassVar

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import (
    Comment,
    Keyword,
    Literal,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Whitespace,
)

_NAME = r"[A-Za-z_]\w*"
_UNIT = r"(?:%|[A-Za-zµ][A-Za-z0-9µ]*(?:/[A-Za-z0-9]+)?)"
# Words that may follow a number without being its unit.
_NOT_UNITS = r"(?!(?:and|or|then|else|cite|because|label|by|is|in|not|between|to|from|optional)\b)"

TYPES = ("count", "number", "percent", "date", "duration", "quantity")
OPERATOR_WORDS = ("and", "or", "not", "in", "is", "between", "of", "where", "have")
KEYWORDS = (
    "version", "title", "status", "effective", "supersedes", "committee", "summary",
    "as", "doi", "pmid", "url", "from", "to", "optional", "by", "first", "match", "unique", "collect",
    "when", "then", "otherwise", "because", "cite", "label", "given", "expect", "unknown", "missing", "known",
    "never", "increases", "decreases", "added", "does", "depend", "on", "if", "else", "any",
    "days", "weeks", "months", "years", "open", "under", "over", "more", "less",
)

class EligoLexer(RegexLexer):  # type: ignore[misc]  # pygments ships no type hints
    """Keywords, types, units, numbers, dates, strings, comments, operators and outcomes after `then`."""

    name = "Eligo"
    aliases: ClassVar[list[str]] = ["eligo"]
    filenames: ClassVar[list[str]] = ["*.eligo"]
    mimetypes: ClassVar[list[str]] = ["text/x-eligo"]

    tokens: ClassVar[dict[str, list[Any]]] = {
        "root": [
            (r"\s+", Whitespace),
            (r"#.*$", Comment.Single),
            (r'"', String.Double, "string"),
            (r"\\(?=[ \t]*\r?\n)", Punctuation),
            # declarations and the name they introduce
            (rf"(guideline|use)(\s+)({_NAME}(?:\.{_NAME})*)", bygroups(Keyword.Namespace, Whitespace, Name.Namespace)),
            (rf"(define|table)(\s+)({_NAME})", bygroups(Keyword.Declaration, Whitespace, Name.Function)),
            (rf"(decision|kind|record)(\s+)({_NAME})", bygroups(Keyword.Declaration, Whitespace, Name.Class)),
            (rf"(input)(\s+)({_NAME})", bygroups(Keyword.Declaration, Whitespace, Name.Variable)),
            (rf"(rule|reference)(\s+)({_NAME})", bygroups(Keyword.Declaration, Whitespace, Name.Label)),
            (rf"(by)(\s+)(rule)(\s+)({_NAME})", bygroups(Keyword, Whitespace, Keyword, Whitespace, Name.Label)),
            (r"(example|property)\b", Keyword.Declaration),
            # an outcome after `then` or a decision's `otherwise`
            (rf"(then|otherwise)([ \t]+)(?!(?:none|yes|no|not|if|first|open)\b)({_NAME})\b(?![.\[])",
             bygroups(Keyword, Whitespace, Name.Constant)),
            (rf"(duration|quantity)(\s+)(in)(\s+)({_UNIT})",
             bygroups(Keyword.Type, Whitespace, Keyword, Whitespace, Name.Builtin)),
            (r"(evidence)(\s+)([1-5][a-c]?)\b", bygroups(Keyword, Whitespace, Number)),
            # literals
            (r"\d{4}-\d{2}-\d{2}\b", Literal.Date),
            (r"\d+\.\d+\.\d+\b", Number.Other),
            (r"(\^|~|>=|<=|>|<|=)(\d+(?:\.\d+){0,2})\b(?=[ \t]*(?:as\b|#|$))", bygroups(Operator, Number.Other)),
            (r"(\d+(?:\.\d+)?)(%)", bygroups(Number, Name.Builtin)),
            (rf"(\d+(?:\.\d+)?)([ \t]+){_NOT_UNITS}({_UNIT})", bygroups(Number, Whitespace, Name.Builtin)),
            (r"\d+(?:\.\d+)?", Number),
            (r"(count|any|all|largest|smallest|sum|distinct)(?=[ \t]*\()", Name.Builtin),  # a list operation
            (r"list(?=\s+of\b)", Keyword.Type),
            (r"at[ \t]+least\b", Keyword),
            (r"yes/no\b", Keyword.Type),
            (words(TYPES, suffix=r"\b"), Keyword.Type),
            (words(("yes", "no", "none"), suffix=r"\b"), Keyword.Constant),
            (words(("draft", "approved", "retired"), suffix=r"\b"), Name.Constant),
            (words(OPERATOR_WORDS, suffix=r"\b"), Operator.Word),
            (words(KEYWORDS, suffix=r"\b"), Keyword),
            (r"->|<=|>=|!=|[≤≥≠<>=+\-*/|]", Operator),
            (r"[:,.()\[\]{}]", Punctuation),
            (_NAME, Name),
        ],
        "string": [
            (r'[^"\\\n]+', String.Double),
            (r"\\.", String.Escape),
            (r'"', String.Double, "#pop"),
            (r"\n", Whitespace, "#pop"),
        ],
    }
