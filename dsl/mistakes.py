"""Recognisers of common authoring mistakes at the place where the parser stopped.

Each recogniser is a small function of a `Failure` returning a diagnostic or None;
`dsl.syntax_errors.translate` asks them in order, most specific first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from lark import Token
from lark.exceptions import UnexpectedToken

from eligo.dsl.ast import Span
from eligo.dsl.diagnostics import Diagnostic, did_you_mean, error
from eligo.dsl.lalr import lark_parser

TOP_LEVEL = ("use", "reference", "kind", "input", "define", "table", "decision", "example", "property")

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
}
_CONTAINERS = {
    "decision": "a decision needs at least one `rule` line, indented under it",
    "table": "a table needs its rows, indented under it",
    "example": "an example needs `given` and `expect` lines, indented under it",
    "property": "a property needs its statement on an indented line under it",
}
_BELONGS = {
    "rule": "a `rule` line belongs indented under its `decision`",
    "otherwise": "an `otherwise` line belongs indented under its `decision` or `table`",
    "given": "a `given` line belongs indented under its `example`",
    "expect": "an `expect` line belongs indented under its `example`",
    "because": "a `because` line belongs indented under the rule, row or definition it explains",
    "cite": "a `cite` line belongs indented under the rule, row or definition it supports",
}

# Keywords and marks whose insertion `missing_token` may propose, in order of preference.
_INSERTABLE = (":", "then", "when", "else", ")", "]", "}", "->", ",", "as", "of", "by", "to", "rule", "is", "given")
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")": "(", "]": "[", "}": "{"}
_CONTINUES = {",": "`,`", "|": "`|`", "and": "`and`", "or": "`or`"}
# Operators from programming languages and spreadsheets, and what Eligo writes instead.
_FOREIGN = {"&&": "and", "||": "or", "<>": "!=", "=>": ">=", "=<": "<=", "!": "not", "&": "and"}
_MEANING = {">=": "at least", "<=": "at most", "!=": "is not"}
_TWO_DOTS = re.compile(r"\d+\.\d+(\.\d*)+")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)*")
_BETWEEN_TO = re.compile(r"\bbetween\b.*?\b(to)\b")
_DASHED = re.compile(r"[A-Za-z_0-9][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)+")
_LAST = re.compile(r"(\"[^\"]*\"|[A-Za-z0-9_%/]+(?:\.[A-Za-z0-9_]+)*|\S)$")
_DATE_LIKE = re.compile(r"\b\d{4}[-/]\d{1,2}(?:[-/]\d{0,2})?|\b\d{1,2}/\d{1,2}/\d{2,4}\b")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ENDINGS = {"_NL", "_DEDENT", "$END"}


@dataclass(frozen=True, slots=True)
class Failure:
    """Everything known about the place where parsing stopped."""

    text: str
    path: str
    line: int
    column: int
    line_text: str
    word: str  # the offending text as written: a whole word, a token or one character
    token_type: str  # the Lark terminal, "$END", or "" for a character no terminal matches
    expected: frozenset[str]  # terminals the parser accepts here
    state: Any  # lark ParserState, or None
    literals: dict[str, str]  # terminal name -> the keyword or mark it stands for

    @property
    def is_word(self) -> bool:
        return bool(self.word) and (self.word[0].isalpha() or self.word[0] == "_")

    @property
    def at_end(self) -> bool:
        return self.token_type in _ENDINGS

    @property
    def first_word(self) -> str:
        """The first word of the failing line, which names the construct."""
        match = _WORD.match(self.line_text.lstrip())
        return match.group() if match else ""

    def statement_word(self) -> str:
        """The first word of the statement the failing line belongs to (lines ending in `,` continue)."""
        return statement_start(self.text.split("\n"), self.line)[1]

    @property
    def starts_line(self) -> bool:
        return self.column - 1 == len(self.line_text) - len(self.line_text.lstrip(" \t"))

    def before(self) -> str:
        """The text of the failing line before the failure, without trailing blanks."""
        return self.line_text[: self.column - 1].rstrip()

    def span(self, length: int | None = None, column: int | None = None) -> Span:
        start = self.column if column is None else column
        width = len(self.word) if length is None else length
        return Span(self.path, self.line, start, self.line, start + max(width, 1))

    def expected_keywords(self) -> list[str]:
        return [self.literals[n] for n in self.expected if n in self.literals and self.literals[n].isalpha()]

    def accepts_after(self, inserted: str) -> bool:
        """Whether the parse goes on when terminal `inserted` comes before the offending token."""
        if self.state is None:
            return False
        for token_type in self.types():
            state = self.state.copy(deepcopy_values=False)
            try:
                state.feed_token(Token(inserted, self.literals.get(inserted, "x")))
                state.feed_token(Token(token_type, self.word or "\n"), is_end=token_type == "$END")
            except UnexpectedToken:
                continue
            except Exception:
                continue  # a tree callback refused the synthetic token: count it as not accepted
            return True
        return False

    def types(self) -> set[str]:
        """Every terminal the offending text could be, whatever the lexer chose in this context."""
        if self.at_end or self.token_type == "_INDENT":
            return {self.token_type}
        matching = {name for name, pattern in terminal_patterns().items() if pattern.fullmatch(self.word)}
        return matching | ({self.token_type} if self.token_type else set())


@cache
def terminal_patterns() -> dict[str, re.Pattern[str]]:

    return {t.name: re.compile(t.pattern.to_regexp()) for t in lark_parser().terminals}


def _or_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def last_token(text: str) -> str:
    """The last word, number, quoted text or mark of `text`."""
    match = _LAST.search(text)
    return match.group() if match else ""


def statement_start(lines: list[str], line: int) -> tuple[int, str]:
    """The line where the statement holding `line` starts, and its first word."""
    number = line
    while number > 1:
        previous = _strip_comment(lines[number - 2])
        if not previous.strip():
            break
        if not _ends_continued(previous):
            break
        number -= 1
    match = _WORD.match(lines[number - 1].lstrip()) if 0 < number <= len(lines) else None
    return number, match.group() if match else ""


def _ends_continued(code: str) -> bool:
    stripped = code.rstrip()
    return stripped.endswith((",", "|", "\\", " and", " or", "\tand", "\tor"))


def _previous_code_line(failure: Failure) -> tuple[int, str]:
    """The last line before the failing one that holds code: (number, text without comment)."""
    lines = failure.text.split("\n")
    for number in range(failure.line - 1, 0, -1):
        code = _strip_comment(lines[number - 1])
        if code.strip():
            return number, code
    return 0, ""


def _strip_comment(line: str) -> str:
    in_text = False
    for index, char in enumerate(line):
        if char == '"':
            in_text = not in_text
        elif char == "#" and not in_text:
            return line[:index].rstrip()
    return line.rstrip()


# ---------------------------------------------------------------- recognisers
def missing_header(failure: Failure) -> Diagnostic | None:
    """Anything but comments before the `guideline` line, or an empty file."""
    if "GUIDELINE" not in failure.expected:
        return None
    if failure.token_type == "$END" and all(not _strip_comment(line).strip() for line in failure.text.split("\n")):
        return error("E033", "this file is empty; an Eligo file starts with its `guideline` line",
                     Span(failure.path, 1, 1, 1, 2), SHAPES["guideline"])
    span = failure.span(1) if failure.at_end else failure.span()
    return error("E033", "an Eligo file starts with its `guideline` line", span,
                 "write `guideline area.name` on the first line, then the indented `version` line")


def unclosed_bracket(failure: Failure) -> Diagnostic | None:
    """A bracket left open swallows the line breaks after it, so the parse fails lines later."""
    stack = _open_brackets(failure)
    if not stack:
        return None
    bracket, line, column = stack[-1]
    closing = _OPEN[bracket]
    if line == failure.line and not failure.at_end and failure.word != closing:
        return None
    what = {"(": "parenthesis", "[": "bracket", "{": "brace"}[bracket]
    return error("E030", f"this `{bracket}` is never closed", Span(failure.path, line, column, line, column + 1),
                 f"add the closing `{closing}` where the {what} should end, probably at the end of line {line}")


def _open_brackets(failure: Failure) -> list[tuple[str, int, int]]:
    """Brackets opened before the failure and not yet closed: (bracket, line, column)."""
    stack: list[tuple[str, int, int]] = []
    for number, content in enumerate(failure.text.split("\n")[: failure.line], start=1):
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


def unmatched_close(failure: Failure) -> Diagnostic | None:
    if failure.word not in _CLOSE or not failure.token_type:
        return None
    if any(b == _CLOSE[failure.word] for b, _, _ in _open_brackets(failure)):
        return None
    return error("E031", f"this `{failure.word}` closes nothing", failure.span(),
                 f"remove it, or add the opening `{_CLOSE[failure.word]}` where the group starts")


def double_equals(failure: Failure) -> Diagnostic | None:
    at = failure.column - 1
    if failure.word == "=" and at > 0 and failure.line_text[at - 1] == "=":
        return error("E015", "use `=` to compare, not `==`", failure.span(2, failure.column - 1),
                     "Eligo writes equality with a single `=`, as in `primary_site = colorectal`")
    return None


def foreign_operator(failure: Failure) -> Diagnostic | None:
    line, at = failure.line_text, failure.column - 1
    for written, eligo in _FOREIGN.items():
        for start in (at - len(written) + 1, at):
            if start < 0 or line[start: start + len(written)] != written:
                continue
            if written in {"!", "&"} and line[start: start + 2] in {"!=", "&&"}:
                continue
            hint = (f"`{eligo}` means {_MEANING[eligo]}" if eligo in _MEANING
                    else "write `not condition`" if eligo == "not" else f"write `a {eligo} b`")
            return error("E032", f"`{written}` is not an Eligo operator; write `{eligo}`",
                         failure.span(len(written), start + 1), hint)
    return None


def stray_character(failure: Failure) -> Diagnostic | None:
    line, at = failure.line_text, failure.column - 1
    if line[at: at + 2] == "//" or (at > 0 and line[at - 1: at + 1] == "//"):
        start = at if line[at: at + 2] == "//" else at - 1
        return error("E034", "`//` does not start a comment in Eligo", failure.span(2, start + 1),
                     "comments start with `#`")
    if failure.token_type or failure.word[:1].isalnum():
        return None
    char = failure.word[:1]
    hint = "a line needs no punctuation at its end" if char == ";" else f"remove the `{char}`"
    return error("E034", f"`{char}` is not part of the Eligo language", failure.span(1), hint)


def two_dots(failure: Failure) -> Diagnostic | None:
    if "VERSION" in failure.expected:
        return None
    for match in _TWO_DOTS.finditer(failure.line_text):
        if match.start() < failure.column <= match.end() + 1:
            return error("E027", f"`{match.group()}` is not a number: a number has at most one decimal point",
                         Span(failure.path, failure.line, match.start() + 1, failure.line, match.end() + 1),
                         "write a decimal number with one point, such as `5.5`; versions such as 1.0.0 belong "
                         "only in `version`, `supersedes` and `use` lines")
    return None


def quoted_name(failure: Failure) -> Diagnostic | None:
    if failure.token_type != "STRING" or "NAME" not in failure.expected or "STRING" in failure.expected:
        return None
    name = re.sub(r"\W+", "_", failure.word[1:-1].strip()).strip("_").lower() or "name"
    return error("E026", f"a name is expected here, not the quoted text {failure.word}", failure.span(),
                 f"names have no quotes or spaces: write `{name}`; quoted text is for titles and descriptions")


def bad_name(failure: Failure) -> Diagnostic | None:
    """`define x-y:` or `input 2nd_line:` where a declaration's name should be."""
    if failure.first_word not in {*TOP_LEVEL, "rule"}:
        return None
    prefix = failure.line_text.lstrip()
    keyword = failure.first_word
    after = prefix[len(keyword):]
    match = re.match(r"\s+(\S+?)\s*:", after)
    if match is None:
        return None
    written = match.group(1)
    column = len(failure.line_text) - len(prefix) + len(keyword) + match.start(1) + 1
    if not column <= failure.column <= column + len(written):
        return None
    if _DASHED.fullmatch(written):
        return error("E050", f"`{written}` is not a name: names cannot contain `-`",
                     Span(failure.path, failure.line, column, failure.line, column + len(written)),
                     f"write `{written.replace('-', '_')}`; a name has letters, digits and `_`")
    if written[:1].isdigit() and re.fullmatch(r"\w+", written):
        return error("E050", f"`{written}` is not a name: names start with a letter",
                     Span(failure.path, failure.line, column, failure.line, column + len(written)),
                     "start the name with a letter, for example `line_" + written + "`")
    return None


def over_indented(failure: Failure) -> Diagnostic | None:
    """A line indented under one that opens no block (other than `because`/`cite` lines)."""
    if failure.token_type == "_INDENT":
        indent = len(failure.line_text) - len(failure.line_text.lstrip(" \t"))
        number, _ = _previous_code_line(failure)
        statement = statement_start(failure.text.split("\n"), number)[1] if number else ""
        hint = "align it with the line above"
        if statement in {"given", "kind"}:
            hint = f"to continue the `{statement}` line above, end line {number} with `,`" + (
                "" if statement == "given" else " or `|`")
        return error("E011", "this line is indented, but nothing above it opens a block",
                     Span(failure.path, failure.line, 1, failure.line, 1 + max(indent, 1)), hint)
    if failure.column == 1 or not failure.starts_line or failure.at_end:
        return None
    if failure.expected and failure.expected <= {"BECAUSE", "CITE", "LABEL"}:
        return error("E011", "this line is indented more than the line above it", failure.span(),
                     "only `because …` and `cite …` lines go indented under a rule, row or definition; "
                     "align this line with the one above")
    return None


def misplaced_line(failure: Failure) -> Diagnostic | None:
    """`rule`, `given`, `because`, … at the left margin, outside the block they belong to."""
    if failure.column != 1 or failure.word not in _BELONGS or not set(TOP_LEVEL) <= set(failure.expected_keywords()):
        return None
    return error("E040", _BELONGS[failure.word], failure.span(),
                 "indent it by two spaces, with no line at the left margin between it and its block")


def continued_line(failure: Failure) -> Diagnostic | None:
    """A line ending in `,`, `|`, `and` or `or` continues on the next, which then fails to fit."""
    if failure.at_end and failure.token_type != "$END":
        return None
    if not failure.at_end and not (failure.starts_line and failure.line > 1):
        return None
    if failure.at_end:
        number, code = failure.line, _strip_comment(failure.line_text)
    else:
        number, code = _previous_code_line(failure)
    ending = next((mark for mark in _CONTINUES if code.endswith(mark) and
                   (not mark.isalpha() or code[: -len(mark)].endswith((" ", "\t")))), None)
    if ending is None or number == 0:
        return None
    column = len(code) - len(ending) + 1
    follows = "the end of the file" if failure.token_type == "$END" else f"line {failure.line}"
    return error("E047", f"line {number} ends with {_CONTINUES[ending]}, so it continues onto {follows}",
                 Span(failure.path, number, column, number, column + len(ending)),
                 f"remove the {_CONTINUES[ending]} at the end of line {number}, or finish what it starts")


def between_to(failure: Failure) -> Diagnostic | None:
    match = _BETWEEN_TO.search(failure.line_text[: failure.column + len(failure.word)])
    if match is None or "BETWEEN" not in failure.literals or failure.first_word in {"input"}:
        return None
    return error("E041", "`between` takes `and`: `x between LOW and HIGH` (both ends included)",
                 failure.span(2, match.start(1) + 1), "`from … to …` is only for an input's range")


def given_commas(failure: Failure) -> Diagnostic | None:
    if failure.statement_word() != "given" or failure.at_end or failure.before().endswith(","):
        return None
    if failure.starts_line:
        return None  # `given_continuation`
    if failure.word in {"=", ":"}:
        return None  # labelled: `given x = 1`
    before = failure.before()
    # `given liver_lesions 2 age 60`: `2 age` reads as a quantity; point at `age`.
    unit = re.search(r"\d\s+([A-Za-z_]\w*)$", before)
    column = unit.start(1) + 1 if unit and failure.word[:1].isdigit() else failure.column
    word = unit.group(1) if unit and failure.word[:1].isdigit() else failure.word
    return error("E038", "separate the values after `given` with commas", failure.span(len(word), column),
                 f"put a comma before `{word}`: `given liver_lesions 2, r0_achievable yes`")


def given_without_value(failure: Failure) -> Diagnostic | None:
    """`given primary_site` (or `given a, b 2`) with no value after the input's name."""
    if failure.statement_word() != "given" or not (failure.at_end or failure.word == ","):
        return None
    match = re.search(r"(?:^|\bgiven|,)\s*([A-Za-z_]\w*)$", failure.before())
    if match is None or match.group(1) == "given":
        return None
    name = match.group(1)
    return error("E054", f"`{name}` needs a value after it", failure.span(1),
                 f"write `given {name} VALUE`, such as `given {name} 2` or `given {name} missing`")


def given_value_without_name(failure: Failure) -> Diagnostic | None:
    """`given a 1, 2024-03-20`: a value where the name of an input should come."""
    if failure.statement_word() != "given" or failure.expected - {"NAME", "_DEDENT"} or failure.at_end:
        return None
    if not (failure.word[:1].isdigit() or failure.word in {"yes", "no", "missing", "-"}):
        return None
    chunk = failure.line_text[failure.column - 1:].split(",")[0].strip()
    return error("E055", f"`{chunk}` has no input name before it", failure.span(len(chunk)),
                 f"write the input's name before its value: `given NAME {chunk}`")


def given_continuation(failure: Failure) -> Diagnostic | None:
    """A line of `given` values after a line that does not end with a comma."""
    if not failure.starts_line or not failure.is_word or not failure.expected & {"GIVEN", "EXPECT"}:
        return None
    number, _ = _previous_code_line(failure)
    if number == 0 or statement_start(failure.text.split("\n"), number)[1] != "given":
        return None
    return error("E038", "separate the values after `given` with commas", failure.span(),
                 f"end line {number} with `,` to continue the values of `given` on this line")


def bad_date(failure: Failure) -> Diagnostic | None:
    """A date with one-digit parts, slashes or a missing day, such as 2024-9-2 or 2024/09/02."""
    for match in _DATE_LIKE.finditer(failure.line_text):
        if match.start() < failure.column <= match.end() + 1 and not _DATE.fullmatch(match.group()):
            return error("E037", "a date is written YYYY-MM-DD",
                         Span(failure.path, failure.line, match.start() + 1, failure.line, match.end() + 1),
                         f"`{match.group()}` is not in that form: write four digits for the year and two each "
                         "for the month and the day, such as `2024-09-02`")
    return None


def input_without_type(failure: Failure) -> Diagnostic | None:
    """`input liver_lesions: from 0 to 100`: `from` is read as the name of a kind, then the range fails."""
    if failure.first_word != "input" or not re.match(r"\s*input\s+\w+\s*:\s*from\b", failure.line_text):
        return None
    column = failure.line_text.index("from") + 1
    return error("E019", "an input needs a colon and a type after its name", failure.span(4, column),
                 "write the type before the range, for example `input liver_lesions: count from 0 to 100`")


def unquoted_text(failure: Failure) -> Diagnostic | None:
    rest_of_line = failure.line_text[failure.column - 1:].rstrip()
    if "STRING" in failure.expected and failure.is_word and rest_of_line.count('"') == 1 and rest_of_line.endswith('"'):
        return error("E049", "this text has no opening quote", failure.span(len(rest_of_line)),
                     f'write "{rest_of_line}')
    if "STRING" not in failure.expected or "NAME" in failure.expected or not failure.is_word:
        return None
    if failure.expected - {"STRING", "_NL", "_DEDENT"} and failure.first_word not in {"example", "property"}:
        return None
    rest = _strip_comment(failure.line_text[failure.column - 1:])
    rest = re.split(r"\s+(?:doi|pmid|url|evidence|cite)\b", rest)[0].rstrip(":").strip()
    return error("E049", "this text needs double quotes", failure.span(len(rest)), f'write "{rest}"')


def empty_block(failure: Failure) -> Diagnostic | None:
    """A `decision`, `table`, `example` or `property` line with nothing indented under it."""
    if "_INDENT" not in failure.expected or not (failure.at_end or failure.word in TOP_LEVEL):
        return None  # a line follows that is not indented: `needs_indent` says so
    number, code = (failure.line, failure.line_text) if failure.at_end else _previous_code_line(failure)
    opener = _WORD.match(code)
    if opener is None or opener.group() not in _CONTAINERS or code[:1].isspace():
        return None
    return error("E051", _CONTAINERS[opener.group()],
                 Span(failure.path, number, 1, number, 1 + len(opener.group())), SHAPES[opener.group()])


def needs_indent(failure: Failure) -> Diagnostic | None:
    if "_INDENT" not in failure.expected or failure.at_end:
        return None
    return error("E011", "this line should be indented under the line above it", failure.span(),
                 "indent it by two spaces more than the line it belongs to")


def missing_token(failure: Failure) -> Diagnostic | None:
    """The keyword or mark that, inserted before the offending token, lets the parse go on."""
    if failure.state is None or not failure.token_type:
        return None
    by_literal = {value: name for name, value in failure.literals.items()}
    candidates = list(_INSERTABLE)
    if failure.first_word == "expect":
        candidates.insert(0, "=")
        by_literal["="] = "COMPARE"
    for literal in candidates:
        terminal = by_literal.get(literal)
        if terminal is not None and terminal in failure.expected and failure.accepts_after(terminal):
            return _missing(failure, literal)
    return None


def _missing(failure: Failure, literal: str) -> Diagnostic:
    previous = last_token(failure.before())
    if failure.at_end or not failure.word:
        where, span = "at the end of the line", failure.span(1)
    elif previous:
        where, span = f"after `{previous}`", failure.span()
    else:
        where, span = f"before `{failure.word}`", failure.span()
    hint = SHAPES.get(failure.first_word) or SHAPES.get(literal, "")
    if literal in _CLOSE:
        hint = f"every `{_CLOSE[literal]}` needs a matching `{literal}`"
    elif literal == "is":
        hint = "write `x is known`, `x is missing` or `x is none`"
    elif literal == "," and failure.first_word not in SHAPES:
        hint = "separate the items of a list with commas"
    return error("E024", f"missing `{literal}` {where}", span, hint)


def misspelt_line_start(failure: Failure) -> Diagnostic | None:
    """A misspelt or unfinished keyword that starts a line (before trying to insert one)."""
    return misspelt_keyword(failure) if failure.starts_line else None


def misspelt_keyword(failure: Failure) -> Diagnostic | None:
    if not failure.is_word:
        return None
    keywords = failure.expected_keywords()
    if set(TOP_LEVEL) <= set(keywords):
        keywords = list(TOP_LEVEL)
    hint = did_you_mean(failure.word, keywords) or did_you_mean(failure.word.lower(), keywords)
    starting = [k for k in keywords if k.startswith(failure.word.lower()) and k != failure.word.lower()]
    if not hint and len(starting) == 1:
        hint = f"did you mean `{starting[0]}`?"
    if not hint:
        return None
    if failure.column == 1 and set(TOP_LEVEL) <= set(keywords):
        message = f"`{failure.word}` is not a keyword that can start a line"
    else:
        message = f"`{failure.word}` is not a keyword Eligo knows here"
    return error("E014", message, failure.span(), hint)


def top_level_word(failure: Failure) -> Diagnostic | None:
    if failure.column != 1 or not failure.word or not set(TOP_LEVEL) <= set(failure.expected_keywords()):
        return None
    return error("E014", f"a line cannot start with `{failure.word}`", failure.span(),
                 "a line at the left margin starts with " + _or_list([f"`{k}`" for k in TOP_LEVEL]))
