"""Lark's exceptions translated, at the parser boundary, into diagnostics a clinician can act on.

`translate` gathers what is known about the failure (position, the word as written, what the
LALR table accepts there), then asks a fixed sequence of recognisers, most specific first; the
first that recognises the mistake writes the diagnostic. Labelled `EXAMPLES` pin messages to
parser states; `_missing_token` finds the one keyword or punctuation mark whose insertion lets
the parse go on; a plain "unexpected X; expected Y" is the last resort.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from lark import Token
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken
from lark.indenter import DedentError

from dsl.ast import Span
from dsl.diagnostics import Diagnostic, did_you_mean, error

# What each terminal is called in a message.
TERMINAL_NAMES: dict[str, str] = {
    "_NL": "the end of the line",
    "_INDENT": "an indented line",
    "_DEDENT": "the end of the indented block",
    "$END": "the end of the file",
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": 'a quoted text ("…")',
    "DATE": "a date (YYYY-MM-DD)",
    "VERSION": "a version such as 1.0.0",
    "CONSTRAINT": "a version constraint such as ^1.0",
    "UNIT": "a unit (months, days, years, ng/mL, U/mL, cm, %)",
    "COMPARE": "a comparison (<, <=, >, >=, =, !=)",
    "STATUS": "draft, approved or retired",
    "EVIDENCE": "an evidence level (1a, 1b, 2a, 2b, 3, 4, 5)",
    "MOVE": "increases or decreases",
    "YESNO": "yes/no",
}

TOP_LEVEL = ("use", "reference", "kind", "input", "define", "table", "decision", "example", "property")
HEADER_FIELDS = ("version", "title", "status", "effective", "supersedes", "committee", "summary")

# The shape of each line, by its first word: the hint for a line that does not fit it.
SHAPES: dict[str, str] = {
    "guideline": "write `guideline area.name` on the first line, details indented below it",
    "use": "write `use area.name ^1.0 as alias`",
    "reference": 'write `reference key "citation" doi "…" evidence 2b`',
    "kind": 'write `kind NAME: value_a "Label" | value_b | value_c`',
    "input": 'write `input NAME: TYPE from LOW to HIGH, optional "description"`',
    "define": "write `define NAME: EXPRESSION`",
    "table": "write `table NAME by INPUT -> TYPE`, then one indented row per value",
    "decision": "write `decision NAME: best > middle > worst`, then indented `rule` lines",
    "rule": "write `rule NAME: when CONDITION then OUTCOME`",
    "otherwise": "write `otherwise OUTCOME` as the last line of a decision or table",
    "example": 'write `example "title":`, then indented `given` and `expect` lines',
    "given": "write `given input_a VALUE, input_b VALUE`",
    "expect": "write `expect DECISION = OUTCOME` or `expect DECISION is unknown`",
    "property": 'write `property "title":`, then the property on an indented line',
    "if": "write `if CONDITION then VALUE else VALUE`",
}

@dataclass(frozen=True, slots=True)
class Label:
    """A message for every parser state in which one of `examples` fails.

    A source is matched by the LALR state it fails in and the kind of token it fails on (any
    name counts alike, as does any number). `{word}` in the message or hint is replaced by the
    offending word as written.
    """

    code: str
    message: str
    hint: str
    examples: tuple[str, ...]


_H = "guideline a\n  version 1.0.0\n"
_DECISION = _H + "decision d: a\n"
_EXAMPLE = _H + 'example "e":\n'

EXAMPLES: tuple[Label, ...] = (
    Label("E016", "a rule needs `then` and an outcome after its condition",
          "write `rule NAME: when CONDITION then OUTCOME`",
          tuple(_DECISION + f"  rule r: when {c}\n"
                for c in ("a", "a > 1", "a b", "a > 1 b", "a > 1 months", "a then"))),
    Label("E017", "a rule starts with `when` after its name", "write `rule NAME: when CONDITION then OUTCOME`",
          tuple(_DECISION + f"  rule r: {c} then b\n" for c in ("a", "if a", "(a)", "not a", "1"))),
    Label("E018", "a rule needs a name and a colon before `when`", "write `rule NAME: when CONDITION then OUTCOME`",
          tuple(_DECISION + f"  rule{c} when a then b\n" for c in ("", " r", ":"))),
    Label("E019", "an input needs a colon and a type after its name",
          "for example `input liver_lesions: count from 0 to 100`",
          tuple(_H + f"input x{c}\n" for c in (" count", "", ":", ' "d"'))),
    Label("E025", "the details of the guideline must be indented under the `guideline` line",
          "indent `{word}` and the other header lines by two spaces",
          tuple(f"guideline a\n{c}\n" for c in ("version 1.0.0", 'title "t"', "status draft", "effective 2024-01-01",
                                                  "supersedes 1.0.0", 'committee "c"', 'summary "s"',
                                                  "input x: count"))),
    Label("E028", "a decision needs its outcomes after the colon, best first",
          "write `decision NAME: candidate > discuss > not_candidate` (or `a | b` when they have no order)",
          (_H + "decision d:\n", _H + "decision d:, unique\n")),
    Label("E029", "this table row has no value after its key",
          "write the key, then the value: `renal_cell   24 months`, or `none` when there is no value",
          tuple(_H + f"table t by {by} -> count\n  {row}\n"
                for by, row in (("a", "b"), ("a, b", "c, d"), ("a", "otherwise"), ("a", "any"), ("a", "yes")))),
    Label("E033", "an Eligo file starts with its `guideline` line",
          "write `guideline area.name` on the first line, then the indented `version` line",
          ("input x: count\n", "version 1.0.0\n", "define x: 1\n", 'title "t"\n', '"t"\n', "  guideline a\n")),
    Label("E035", "a version has three numbers: MAJOR.MINOR.PATCH", "write it like `2.0.0`",
          ("guideline a\n  version 1.0\n", "guideline a\n  version 1\n", "guideline a\n  version v1.0.0\n",
           _H + "  supersedes 1.0\n", _H + "  supersedes v1.0.0\n")),
    Label("E036", "a guideline's status is `draft`, `approved` or `retired`", "{status}",
          (_H + "  status final\n", _H + '  status "approved"\n')),
    Label("E037", "a date is written YYYY-MM-DD", "for example `2026-01-01` for 1 January 2026",
          tuple(_H + f"  effective {c}\n" for c in ("1/1/2026", "January", "2026", '"2026-01-01"'))),
    Label("E038", "separate the values after `given` with commas", "write `given liver_lesions 2, r0_achievable yes`",
          tuple(_EXAMPLE + f"  given a {c} b 2\n" for c in ("1", "x", "-1", "1 months", "missing", "2024-01-01"))),
    Label("E039", "give each value after `given` without `=` or `:`",
          "write `given liver_lesions 2, r0_achievable yes`",
          (_EXAMPLE + "  given a = 1\n", _EXAMPLE + "  given a: 1\n")),
    Label("E040", "`{word}` lines belong indented inside a decision",
          "indent it by two spaces under the `decision` line, with no line at the left margin in between",
          (_H + "rule r: when a then b\n", _H + "otherwise b\n")),
    Label("E041", "`between` takes `and`: `x between LOW and HIGH` (both ends included)",
          "`from … to …` is only for an input's range",
          (_H + "define x: a between 1 to 2\n",)),
    Label("E042", "a set of values is written in braces: `x in {a, b}`", "write `in {…}` with curly braces",
          tuple(_H + f"define x: a {c}\n" for c in ("in (b, c)", "in [b, c]", "not in (b, c)", "in b", "not in b"))),
    Label("E043", "a title in quotes and a colon follow `example` and `property`",
          'write `example "Colorectal, two lesions":` with the lines of the example indented below',
          tuple(_H + c for c in ("example e:\n", 'example "e"\n', "property p:\n", 'property "p"\n'))),
    Label("E044", "`if` needs `then` and `else`", "write `if CONDITION then VALUE else VALUE`",
          tuple(_H + f"define x: if {c}\n" for c in ("a then b", "a b else c", "a > 1 b else c"))),
    Label("E045", "a decision's outcomes are either ordered with `>` or unordered with `|`, not both",
          "write `best > middle > worst` when one outcome is better than another, else `a | b | c`",
          tuple(_H + f"decision d: {c}\n" for c in ("a > b | c", "a | b > c", "a < b"))),
    Label("E046", "write `is missing`, `is known` or `is none` after `is`",
          "for `is not missing` write `is known`; to compare values, write `=`",
          tuple(_H + f"define x: a is {c}\n" for c in ("not missing", "b", "1", "yes"))),
)

# Keywords and marks whose insertion `_missing_token` may propose, in order of preference.
_INSERTABLE = (":", "then", "when", "else", ")", "]", "}", ",", "as", "of", "by", "to", "->")
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")": "(", "]": "[", "}": "{"}
# Operators from programming languages and spreadsheets, and what Eligo writes instead.
_FOREIGN = {"&&": "and", "||": "or", "<>": "!=", "=>": ">=", "=<": "<=", "!": "not", "&": "and"}
_MEANING = {">=": "at least", "<=": "at most", "!=": "is not"}
_TWO_DOTS = re.compile(r"\d+\.\d+(\.\d*)+")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)*")


@dataclass(frozen=True, slots=True)
class Failure:
    """Everything known about the place where parsing stopped."""

    text: str
    path: str
    line: int
    column: int
    word: str  # the offending text as written: a whole word, a token or one character
    token_type: str  # the Lark terminal, or "" for a character no terminal matches
    expected: frozenset[str]  # terminals the parser accepts here
    state: Any  # lark ParserState, or None
    literals: dict[str, str]

    @property
    def line_text(self) -> str:
        lines = self.text.split("\n")
        return lines[self.line - 1] if 0 < self.line <= len(lines) else ""

    @property
    def is_word(self) -> bool:
        return bool(self.word) and (self.word[0].isalpha() or self.word[0] == "_")

    @property
    def first_word(self) -> str:
        """The first word of the failing line, which names the construct."""
        match = _WORD.match(self.line_text.lstrip())
        return match.group() if match else ""

    def span(self, length: int | None = None, column: int | None = None) -> Span:
        start = self.column if column is None else column
        width = len(self.word) if length is None else length
        return Span(self.path, self.line, start, self.line, start + max(width, 1))

    def expected_keywords(self) -> list[str]:
        return [self.literals[n] for n in self.expected if n in self.literals and self.literals[n].isalpha()]


def translate(exc: UnexpectedInput | DedentError, text: str, path: str) -> Diagnostic:
    """Turn a Lark exception into one diagnostic with a position, an expectation and a hint."""
    if isinstance(exc, DedentError):
        return _dedent(exc, text, path)
    literals = _literal_terminals()
    if isinstance(exc, UnexpectedCharacters):
        quote = _quote_problem(exc, text, path)
        if quote is not None:
            return quote
    failure = _failure(exc, text, path, literals)
    for recognise in RECOGNISERS:
        diagnostic = recognise(failure)
        if diagnostic is not None:
            return diagnostic
    return _unexpected(failure)


def _failure(exc: UnexpectedInput, text: str, path: str, literals: dict[str, str]) -> Failure:
    state = getattr(exc, "state", None)
    expected: set[str] = set()
    if state is not None and hasattr(state, "parse_conf"):
        expected = {t for t in state.parse_conf.parse_table.states[state.position] if t.isupper()}
    if (isinstance(exc, UnexpectedToken) and exc.token.type == "$END") or isinstance(exc, UnexpectedEOF):
        lines = text.rstrip("\n").split("\n")
        expected = expected or set(getattr(exc, "expected", ()))
        return Failure(text, path, len(lines), len(lines[-1]) + 1, "", "$END", frozenset(expected), state, literals)
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        expected = expected or set(exc.expected)
        line, column = token.line or 1, token.column or 1
        word = str(token)
        if token.type in {"_NL", "_DEDENT"}:
            end = _end_of_line(text, line)
            return Failure(text, path, line, end, "", token.type, frozenset(expected), state, literals)
        if token.type == "_INDENT":
            line = token.end_line or line
            return Failure(text, path, line, 1, word, "_INDENT", frozenset(expected), state, literals)
        written = _word_at(text, line, column)
        if written and (word.isalnum() or "_" in word or word[:1].isdigit()):
            word = written
            # A name right after a number can lex as a unit up to its first `_` (`2 r0_achievable`):
            # report the whole word the author wrote.
            start = _word_start(text, line, column)
            if start < column:
                word, column = _word_at(text, line, start), start
        return Failure(text, path, line, column, word, token.type, frozenset(expected), state, literals)
    assert isinstance(exc, UnexpectedCharacters)
    expected = expected or set(exc.allowed or ())
    word = _word_at(text, exc.line, exc.column) or exc.char
    return Failure(text, path, exc.line, exc.column, word, "", frozenset(expected), state, literals)


def _word_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    if not 0 < line <= len(lines):
        return ""
    match = _WORD.match(lines[line - 1], max(column - 1, 0))
    return match.group() if match else ""


def _word_start(text: str, line: int, column: int) -> int:
    """The column where the name around `column` starts (names may not start with a digit)."""
    content = text.split("\n")[line - 1]
    start = column - 1
    while start > 0 and (content[start - 1].isalnum() or content[start - 1] == "_"):
        start -= 1
    return start + 1 if content[start].isalpha() or content[start] == "_" else column


def _end_of_line(text: str, line: int) -> int:
    lines = text.split("\n")
    content = lines[line - 1] if 0 < line <= len(lines) else ""
    code = content.split("#", 1)[0].rstrip() if '"' not in content else content.rstrip()
    return len(code) + 1


# ---------------------------------------------------------------- recognisers, most specific first
def _quote_problem(exc: UnexpectedCharacters, text: str, path: str) -> Diagnostic | None:
    lines = text.split("\n")
    line_text = lines[exc.line - 1] if 0 < exc.line <= len(lines) else ""
    char = exc.char
    if char == '"':
        width = len(line_text) - exc.column + 1
        return error("E012", "this text has no closing quote",
                     Span(path, exc.line, exc.column, exc.line, exc.column + max(width, 1)),
                     'end the text with " on the same line')
    if char in "“”‘’":
        return error("E013", f"curly quote {char} cannot start a text",
                     Span(path, exc.line, exc.column, exc.line, exc.column + 1),
                     'use straight double quotes: "…" (word processors change them; type them in a plain editor)')
    if char == "'":
        return error("E013", "texts are written in double quotes, not single quotes",
                     Span(path, exc.line, exc.column, exc.line, exc.column + 1),
                     "write \"…\" with straight double quotes")
    return None


def _open_brackets(failure: Failure) -> list[tuple[str, int, int]]:
    """Brackets opened before the failure and not yet closed: (bracket, line, column)."""
    stack: list[tuple[str, int, int]] = []
    lines = failure.text.split("\n")
    for number, content in enumerate(lines[: failure.line], start=1):
        limit = failure.column - 1 if number == failure.line else len(content)
        in_text = False
        for index, char in enumerate(content[:limit]):
            if char == '"':
                in_text = not in_text
            elif in_text:
                continue
            elif char == "#":
                break
            elif char in _OPEN:
                stack.append((char, number, index + 1))
            elif char in _CLOSE and stack and stack[-1][0] == _CLOSE[char]:
                stack.pop()
    return stack


def _unclosed_bracket(failure: Failure) -> Diagnostic | None:
    """A bracket left open swallows the line breaks after it, so the error shows up lines later."""
    stack = _open_brackets(failure)
    if not stack:
        return None
    bracket, line, column = stack[-1]
    closing = _OPEN[bracket]
    if line == failure.line and failure.token_type not in {"$END", "_NL"} and failure.word != closing:
        return None
    lines = failure.text.split("\n")
    end = _end_of_line(failure.text, line)
    what = {"(": "parenthesis", "[": "bracket", "{": "brace"}[bracket]
    return error("E030", f"this `{bracket}` is never closed", Span(failure.path, line, column, line, column + 1),
                 f"add the closing `{closing}` where the {what} should end"
                 + (f", probably at the end of line {line}" if end > column and line < len(lines) else ""))


def _unmatched_close(failure: Failure) -> Diagnostic | None:
    if failure.word not in _CLOSE or failure.token_type == "":
        return None
    if any(b == _CLOSE[failure.word] for b, _, _ in _open_brackets(failure)):
        return None
    return error("E031", f"this `{failure.word}` closes nothing", failure.span(),
                 f"remove it, or add the opening `{_CLOSE[failure.word]}` where the group starts")


def _foreign_operator(failure: Failure) -> Diagnostic | None:
    line = failure.line_text
    at = failure.column - 1
    for written, eligo in _FOREIGN.items():
        for start in (at - len(written) + 1, at):
            if start >= 0 and line[start: start + len(written)] == written:
                if written in {"!", "&"} and line[start: start + 2] in {"!=", "&&"}:
                    continue
                return error("E032", f"`{written}` is not an Eligo operator; write `{eligo}`",
                             failure.span(len(written), start + 1),
                             f"Eligo spells it `{eligo}`, as in `a {eligo} b`" if eligo.isalpha()
                             else f"`{eligo}` means {_MEANING[eligo]}")
    if failure.token_type == "" and not failure.word[:1].isalnum():
        char = failure.word[:1]
        hint = ("a line needs no punctuation at its end" if char == ";" else
                "comments start with #" if char in "/" else
                f"`{char}` has no meaning in Eligo; remove it")
        return error("E032" if char in "&|!" else "E034",
                     f"`{char}` is not part of the Eligo language", failure.span(1), hint)
    return None


def _double_equals(failure: Failure) -> Diagnostic | None:
    line = failure.line_text
    at = failure.column - 1
    if failure.word == "=" and at > 0 and line[at - 1] == "=":
        return error("E015", "use `=` to compare, not `==`", failure.span(2, failure.column - 1),
                     "Eligo writes equality with a single `=`, as in `primary_site = colorectal`")
    return None


def _two_dots(failure: Failure) -> Diagnostic | None:
    line = failure.line_text
    for match in _TWO_DOTS.finditer(line):
        if match.start() < failure.column <= match.end() + 1 and "VERSION" not in failure.expected:
            return error("E027", f"`{match.group()}` is not a number: a number has at most one decimal point",
                         Span(failure.path, failure.line, match.start() + 1, failure.line, match.end() + 1),
                         "write a decimal number with one point, such as `5.5`; versions (1.0.0) go only in "
                         "`version`, `supersedes` and `use` lines")
    return None


def _quoted_name(failure: Failure) -> Diagnostic | None:
    if failure.token_type != "STRING" or "NAME" not in failure.expected or "STRING" in failure.expected:
        return None
    inner = failure.word[1:-1]
    name = re.sub(r"\W+", "_", inner.strip()).strip("_").lower() or "name"
    return error("E026", f"a name is expected here, not the quoted text {failure.word}", failure.span(),
                 f"names have no quotes or spaces: write `{name}`; quoted text is for titles and descriptions")


def _over_indented(failure: Failure) -> Diagnostic | None:
    """A line indented under one that opens no block (other than `because`/`cite` lines)."""
    if failure.token_type == "_INDENT":
        here = failure.text.split("\n")[failure.line - 1]
        indent = len(here) - len(here.lstrip(" \t"))
        return error("E011", "this line is indented, but nothing above it opens a block",
                     Span(failure.path, failure.line, 1, failure.line, 1 + max(indent, 1)),
                     "align it with the line above")
    line = failure.line_text
    if failure.column - 1 != len(line) - len(line.lstrip(" \t")) or failure.column == 1:
        return None
    if failure.expected and failure.expected <= {"BECAUSE", "CITE"}:
        return error("E011", "this line is indented more than the line above it", failure.span(),
                     "only `because …` and `cite …` lines go indented under a rule, row or definition; "
                     "align this line with the one above")
    return None


def _labelled(failure: Failure) -> Diagnostic | None:
    if failure.state is None:
        return None
    states = _example_states()
    position = failure.state.position
    label = states.get((position, failure.token_type)) or states.get((position, _token_class(failure)))
    if label is None:
        return None
    word = failure.word or "this"
    status = did_you_mean(failure.word.strip('"'), ["draft", "approved", "retired"]) or (
        "mark a guideline `draft` while it is written, `approved` once signed off, `retired` when withdrawn")
    hint = label.hint.replace("{word}", word).replace("{status}", status)
    return error(label.code, label.message.replace("{word}", word), _label_span(failure), hint)


def _label_span(failure: Failure) -> Span:
    if failure.token_type in {"_NL", "_DEDENT", "$END"}:
        return failure.span(1)
    return failure.span()


def _missing_token(failure: Failure) -> Diagnostic | None:
    """The keyword or mark that, inserted before the offending token, lets the parse go on."""
    if failure.state is None or not failure.token_type:
        return None
    by_literal = {value: name for name, value in failure.literals.items()}
    for literal in _INSERTABLE:
        terminal = by_literal.get(literal)
        if terminal is None or terminal not in failure.expected:
            continue
        if _accepts_after(failure, terminal):
            return _missing_diagnostic(failure, literal)
    return None


def _accepts_after(failure: Failure, terminal: str) -> bool:
    types = {failure.token_type}
    if failure.is_word:
        types |= {"NAME", "UNIT"} | {n for n, v in failure.literals.items() if v == failure.word}
    for token_type in types:
        state = failure.state.copy(deepcopy_values=False)
        try:
            state.feed_token(Token(terminal, failure.literals.get(terminal, "x")))
            state.feed_token(Token(token_type, failure.word or "\n"), is_end=token_type == "$END")
        except UnexpectedToken:
            continue
        except Exception:  # a tree callback on synthetic tokens; treat as not accepted
            continue
        return True
    return False


def _missing_diagnostic(failure: Failure, literal: str) -> Diagnostic:
    before = failure.line_text[: failure.column - 1].rstrip()
    previous = re.search(r"(\"[^\"]*\"|[A-Za-z0-9_.%/]+|\S)$", before)
    if failure.token_type in {"_NL", "_DEDENT", "$END"} or not failure.word:
        where = "at the end of the line"
        span = failure.span(1)
    elif previous is not None:
        where = f"after `{previous.group()}`"
        span = failure.span()
    else:
        where = f"before `{failure.word}`"
        span = failure.span()
    hint = SHAPES.get(failure.first_word, "")
    if literal in _CLOSE:
        hint = f"every `{_CLOSE[literal]}` needs a matching `{literal}`"
    elif literal == "," and failure.first_word not in SHAPES:
        hint = "separate the items of a list with commas"
    return error("E024", f"missing `{literal}` {where}", span, hint)


def _misspelt_keyword(failure: Failure) -> Diagnostic | None:
    if not failure.is_word:
        return None
    keywords = failure.expected_keywords()
    if set(TOP_LEVEL) <= set(keywords):
        keywords = list(TOP_LEVEL)
    hint = did_you_mean(failure.word, keywords)
    if not hint:
        lowered = failure.word.lower()
        hint = did_you_mean(lowered, keywords) if lowered != failure.word else ""
    if not hint:
        return None
    if failure.column == 1 and set(TOP_LEVEL) <= set(keywords):
        message = f"`{failure.word}` is not a keyword that can start a line"
    else:
        message = f"`{failure.word}` is not a keyword Eligo knows here"
    return error("E014", message, failure.span(), hint)


def _top_level_word(failure: Failure) -> Diagnostic | None:
    keywords = failure.expected_keywords()
    if failure.column != 1 or not failure.word or not set(TOP_LEVEL) <= set(keywords):
        return None
    return error("E014", f"a line cannot start with `{failure.word}`", failure.span(),
                 "a line at the left margin starts with " + _or_list([f"`{k}`" for k in TOP_LEVEL]))


def _needs_indent(failure: Failure) -> Diagnostic | None:
    if "_INDENT" not in failure.expected or failure.token_type in {"_NL", "$END"}:
        return None
    return error("E011", "this line should be indented under the line above it", failure.span(),
                 "indent it by two spaces more than the line it belongs to")


RECOGNISERS: tuple[Callable[[Failure], Diagnostic | None], ...] = (
    _unclosed_bracket,
    _double_equals,
    _foreign_operator,
    _two_dots,
    _unmatched_close,
    _quoted_name,
    _over_indented,
    _labelled,
    _needs_indent,
    _missing_token,
    _misspelt_keyword,
    _top_level_word,
)


def _unexpected(failure: Failure) -> Diagnostic:
    expected = _expected_list(set(failure.expected), failure.literals)
    if failure.token_type == "$END":
        return error("E010", "the file ends in the middle of a construct", failure.span(1), f"expected {expected}")
    if failure.token_type in {"_NL", "_DEDENT"}:
        hint = SHAPES.get(failure.first_word, "")
        return error("E014", f"this line ends too early; expected {expected}", failure.span(1), hint)
    return error("E014", f"unexpected `{failure.word}`; expected {expected}", failure.span(),
                 SHAPES.get(failure.first_word, ""))


# ---------------------------------------------------------------- helpers
def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def _describe(terminal: str, literals: dict[str, str]) -> str:
    if terminal in TERMINAL_NAMES:
        return TERMINAL_NAMES[terminal]
    literal = literals.get(terminal)
    return f"`{literal}`" if literal else terminal.lower()


def _expected_list(names: set[str], literals: dict[str, str]) -> str:
    described = sorted({_describe(n, literals) for n in names if n not in {"_DEDENT"}} or {"more"})
    if len(described) > 8:
        described = [*described[:8], "…"]
    return _or_list(described)


@cache
def _literal_terminals() -> dict[str, str]:
    from dsl.parser import lark_parser

    result: dict[str, str] = {}
    for terminal in lark_parser().terminals:
        pattern = terminal.pattern
        if pattern.type == "str":
            result[terminal.name] = pattern.value
    return result


def _dedent(exc: DedentError, text: str, path: str) -> Diagnostic:
    # Lark's DedentError carries no position: find the first line whose indentation fits no block.
    stack = [0]
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.lstrip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(stripped)
        if indent > stack[-1]:
            stack.append(indent)
            continue
        inner = stack[-1]
        while indent < stack[-1]:
            inner = stack.pop()
        if indent != stack[-1]:
            return error("E011", f"this line is indented by {indent} spaces, which matches no line above it",
                         Span(path, number, 1, number, 1 + max(indent, 1)),
                         f"indent it by {inner} spaces to continue the block above, "
                         f"or by {stack[-1]} spaces to end that block")
    return error("E011", "inconsistent indentation", Span(path, 1, 1, 1, 2), str(exc))


def _token_class(failure: Failure) -> str:
    """Tokens that the lexer may type differently by context fall in one class for matching labels."""
    if failure.is_word:
        keywords = {v for v in failure.literals.values() if v.isalpha()}
        return f"KEYWORD:{failure.word}" if failure.word in keywords else "WORD"
    if failure.word[:1].isdigit():
        return "NUMBERISH"
    return failure.token_type


@cache
def _example_states() -> dict[tuple[Any, str], Label]:
    """The LALR state and token kind at which each labelled example fails, computed once.

    Lark's own `match_examples` also compares the depth of the parser stack, which differs
    between a construct at the top of a file and the same construct after others.
    """
    from dsl.parser import _parse_tree

    literals = _literal_terminals()
    states: dict[tuple[Any, str], Label] = {}
    for label in EXAMPLES:
        for source in label.examples:
            try:
                _parse_tree(source)
            except UnexpectedToken as exc:
                failure = _failure(exc, source, "<example>", literals)
                position = exc.state.position
                states.setdefault((position, failure.token_type), label)
                states.setdefault((position, _token_class(failure)), label)
            except (UnexpectedInput, DedentError):
                continue
    return states


def unmatchable_examples() -> list[tuple[str, str]]:
    """Labelled examples that fail with no parser state (so can never match): (code, source)."""
    from dsl.parser import _parse_tree

    bad: list[tuple[str, str]] = []
    for label in EXAMPLES:
        for source in label.examples:
            try:
                _parse_tree(source)
            except UnexpectedToken:
                continue
            except (UnexpectedInput, DedentError):
                pass
            bad.append((label.code, source))
    return bad
