"""Lark's exceptions translated, at the parser boundary, into diagnostics a clinician can act on.

`translate` gathers what is known about the failure (the position, the word as written, what
the LALR table accepts there) into a `Failure`, then asks the recognisers of `dsl.mistakes`
and the labelled parser states of `EXAMPLES`, most specific first; the first that recognises
the mistake writes the diagnostic. A plain "unexpected X; expected Y" is the last resort.
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

from eligo.dsl import mistakes
from eligo.dsl.ast import Span
from eligo.dsl.diagnostics import Diagnostic, did_you_mean, error
from eligo.dsl.lalr import lark_parser, parse_tree
from eligo.dsl.mistakes import SHAPES, Failure

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
    "STATUS": "a status (draft, approved, retired)",
    "EVIDENCE": "an evidence level (1a, 1b, 2a, 2b, 3, 4, 5)",
    "MOVE": "a direction (increases, decreases)",
    "YESNO": "yes/no",
}


@dataclass(frozen=True, slots=True)
class Label:
    """A message for every parser state in which one of `examples` fails.

    A source is matched by the LALR state it fails in and the kind of token it fails on (any
    name counts alike, as does any number). `{word}` in the hint is replaced by the
    offending word as written.
    """

    code: str
    message: str
    hint: str
    examples: tuple[str, ...]
    chunk: bool = False  # underline the whole run of non-blank characters, not just the first token
    within: tuple[str, ...] = ()  # if given, only for statements starting with one of these words
    after: str = ""  # if given, a regular expression the line before the offending token must contain


_H = "guideline a\n  version 1.0.0\n"
_DECISION = _H + "decision d: a\n"
_EXAMPLE = _H + 'example "e":\n'

EXAMPLES: tuple[Label, ...] = (
    Label("E016", "a rule needs `then` and an outcome after its condition",
          "write `rule NAME: when CONDITION then OUTCOME`",
          tuple(_DECISION + f"  rule r: when {c}\n"
                for c in ("a", "a > 1", "a b", "a > 1 b", "a > 1 months", "a then")), within=("rule",)),
    Label("E017", "a rule starts with `when` after its name", "write `rule NAME: when CONDITION then OUTCOME`",
          tuple(_DECISION + f"  rule r: {c} then b\n" for c in ("a", "if a", "(a)", "not a", "1")), within=("rule",)),
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
    Label("E035", "a version has three numbers: MAJOR.MINOR.PATCH", "write it like `2.0.0`",
          ("guideline a\n  version 1.0\n", "guideline a\n  version 1\n", "guideline a\n  version v1.0.0\n",
           _H + "  supersedes 1.0\n", _H + "  supersedes v1.0.0\n"), chunk=True),
    Label("E036", "a guideline's status is `draft`, `approved` or `retired`", "{status}",
          (_H + "  status final\n", _H + '  status "approved"\n')),
    Label("E037", "a date is written YYYY-MM-DD", "for example `2026-01-01` for 1 January 2026",
          tuple(_H + f"  effective {c}\n" for c in ("1/1/2026", "January", "2026", '"2026-01-01"')), chunk=True),
    Label("E039", "give each value after `given` without `=` or `:`",
          "write `given liver_lesions 2, r0_achievable yes`",
          (_EXAMPLE + "  given a = 1\n", _EXAMPLE + "  given a: 1\n")),
    Label("E041", "`between` takes `and`: `x between LOW and HIGH` (both ends included)",
          "`from … to …` is only for an input's range",
          (_H + "define x: a between 1 to 2\n",)),
    Label("E042", "a set of values is written in braces: `x in {a, b}`", "write `in {…}` with curly braces",
          tuple(_H + f"define x: a {c}\n" for c in ("in (b, c)", "in [b, c]", "not in (b, c)", "in b", "not in b"))),
    Label("E043", "a title in quotes and a colon follow `example` and `property`",
          'write `example "Colorectal, two lesions":` with the lines of the example indented below',
          tuple(_H + c for c in ('example "e"\n', 'property "p"\n'))),
    Label("E044", "`if` needs `then` and `else`", "write `if CONDITION then VALUE else VALUE`",
          tuple(_H + f"define x: if {c}\n" for c in ("a then b", "a b else c", "a > 1 b else c")), after=r"\bif\b"),
    Label("E045", "a decision's ordered outcomes come first, with `>`; outcomes beside the order follow with `|`",
          "write `best > middle > worst` when one outcome is better than another, `a | b | c` when none is, and "
          "`best > worst | other` for an ordered scale with an outcome beside it",
          tuple(_H + f"decision d: {c}\n" for c in ("a | b > c", "a < b", "a > b | c > d"))),
    Label("E064", "a band ending in a number takes `:` before the row's value",
          "write `0 to 2: low`: without the colon, the value's name reads as a unit of the bound",
          tuple(_H + f"input s: count\ntable t by s -> yes/no\n  {c}\n" for c in ("0 to 2 low", "under 3 low",
                                                                                 "3 to under 4 low", "3 low"))),
    Label("E046", "write `is missing`, `is known` or `is none` after `is`",
          "`is not missing` is written `is known`; to compare values, write `=` instead of `is`",
          tuple(_H + f"define x: a is {c}\n" for c in ("not missing", "b", "1", "yes"))),
    Label("E048", "the values of a kind are separated by `|`", "write `kind site: colorectal | renal_cell | pancreas`",
          (_H + "kind k: a, b\n", _H + 'kind k: a "A", b\n')),
    Label("E052", "a quantity input needs its unit: `quantity in U/mL`",
          "write the unit after `in`, as in `input ca19_9: quantity in U/mL`",
          (_H + "input x: quantity\n", _H + "input x: quantity U/mL\n", _H + "input x: quantity from 0 to 1\n")),
    Label("E053", "the range of an input is written in plain numbers, without units",
          "write `from 0 to 100`; the unit comes from the input's type",
          tuple(_H + f"input x: percent from {c}\n"
                for c in ("0% to 100%", "0 to 100%", "0 months to 1", "-1% to 1", "0 to -1%"))),
)



def translate(exc: UnexpectedInput | DedentError, text: str, path: str) -> Diagnostic:
    """Turn a Lark exception into one diagnostic with a position, an expectation and a hint."""
    if isinstance(exc, DedentError):
        return _dedent(exc, text, path)
    if isinstance(exc, UnexpectedCharacters):
        quote = _quote_problem(exc, text, path)
        if quote is not None:
            return quote
    failure = _failure(exc, text, path)
    for recognise in RECOGNISERS:
        diagnostic = recognise(failure)
        if diagnostic is not None:
            return diagnostic
    return _unexpected(failure)


def _failure(exc: UnexpectedInput, text: str, path: str) -> Failure:
    literals = _literal_terminals()
    lines = text.split("\n")
    state = getattr(exc, "state", None)
    if state is None or not hasattr(state, "parse_conf"):
        state = None

    def make(line: int, column: int, word: str, token_type: str, expected: set[str]) -> Failure:
        content = lines[line - 1] if 0 < line <= len(lines) else ""
        return Failure(text, path, line, column, content, word, token_type,
                       frozenset(_acceptable(state, expected, literals)), state, literals)

    expected = set(_table_expected(state)) if state is not None else set(getattr(exc, "expected", None) or ())
    if isinstance(exc, UnexpectedEOF) or (isinstance(exc, UnexpectedToken) and exc.token.type == "$END"):
        code_lines = text.rstrip().split("\n")
        return make(len(code_lines), len(code_lines[-1]) + 1, "", "$END", expected)
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        line, column, word = token.line or 1, token.column or 1, str(token)
        if token.type in {"_NL", "_DEDENT"}:
            return make(line, _end_of_line(lines, line), "", token.type, expected)
        if token.type == "_INDENT":
            return make(token.end_line or line, 1, word, "_INDENT", expected)
        written = _word_at(lines, line, column)
        if written and (word.isalnum() or "_" in word or word[:1].isdigit()):
            # A name right after a number can lex as a unit up to its first `_` (`2 r0_achievable`):
            # report the whole word the author wrote.
            column = _word_start(lines, line, column)
            word = _word_at(lines, line, column)
        return make(line, column, word, token.type, expected)
    assert isinstance(exc, UnexpectedCharacters)
    expected = expected or set(exc.allowed or ())
    return make(exc.line, exc.column, _word_at(lines, exc.line, exc.column) or exc.char, "", expected)


def _table_expected(state: Any) -> list[str]:
    return [t for t in state.parse_conf.parse_table.states[state.position] if t.isupper()]


def _acceptable(state: Any, expected: set[str], literals: dict[str, str]) -> set[str]:
    """The terminals the parser really accepts next (an LALR table row may list more)."""
    if state is None:
        return expected
    accepted = set()
    for terminal in expected:
        trial = state.copy(deepcopy_values=False)
        try:
            trial.feed_token(Token(terminal, literals.get(terminal, "x")), is_end=terminal == "$END")
        except UnexpectedToken:
            continue
        except Exception:
            pass  # a tree callback refused the synthetic token; the table accepted the terminal
        accepted.add(terminal)
    return accepted or expected


def _word_at(lines: list[str], line: int, column: int) -> str:
    if not 0 < line <= len(lines):
        return ""
    match = mistakes._WORD.match(lines[line - 1], max(column - 1, 0))
    return match.group() if match else ""


def _word_start(lines: list[str], line: int, column: int) -> int:
    """The column where the name around `column` starts (names may not start with a digit)."""
    content = lines[line - 1]
    start = column - 1
    while start > 0 and (content[start - 1].isalnum() or content[start - 1] == "_"):
        start -= 1
    return start + 1 if content[start].isalpha() or content[start] == "_" else column


def _end_of_line(lines: list[str], line: int) -> int:
    content = lines[line - 1] if 0 < line <= len(lines) else ""
    return len(mistakes._strip_comment(content)) + 1


def _quote_problem(exc: UnexpectedCharacters, text: str, path: str) -> Diagnostic | None:
    lines = text.split("\n")
    line_text = lines[exc.line - 1] if 0 < exc.line <= len(lines) else ""
    char, line, column = exc.char, exc.line, exc.column
    if char == '"':
        width = len(line_text) - column + 1
        return error("E012", "this text has no closing quote", Span(path, line, column, line, column + max(width, 1)),
                     'end the text with " on the same line')
    if char in "“”‘’":
        return error("E013", f"curly quote {char} cannot start a text", Span(path, line, column, line, column + 1),
                     'use straight double quotes: "…" (word processors change them; type them in a plain editor)')
    if char == "'":
        return error("E013", "texts are written in double quotes, not single quotes",
                     Span(path, line, column, line, column + 1), 'write "…" with straight double quotes')
    return None


def _labelled(failure: Failure) -> Diagnostic | None:
    if failure.state is None:
        return None
    states = _example_states()
    position = failure.state.position
    statement = failure.statement_word()
    candidates = [*states.get((position, failure.token_type), []), *states.get((position, _token_class(failure)), [])]
    before = failure.before()
    label = next((c for c in candidates if (not c.within or statement in c.within)
                  and (not c.after or re.search(c.after, before))), None)
    if label is None:
        return None
    word = failure.word or "this"
    status = did_you_mean(failure.word.strip('"'), ["draft", "approved", "retired"]) or (
        "mark a guideline `draft` while it is written, `approved` once signed off, `retired` when withdrawn")
    hint = label.hint.replace("{word}", word).replace("{status}", status)
    span = failure.span(1) if failure.at_end else failure.span()
    if label.chunk and not failure.at_end:
        span = failure.span(len(failure.line_text[failure.column - 1:].split()[0]))
    return error(label.code, label.message, span, hint)


RECOGNISERS: tuple[Callable[[Failure], Diagnostic | None], ...] = (
    mistakes.missing_header,
    mistakes.unclosed_bracket,
    mistakes.double_equals,
    mistakes.foreign_operator,
    mistakes.stray_character,
    mistakes.two_dots,
    mistakes.unmatched_close,
    mistakes.quoted_name,
    mistakes.bad_name,
    mistakes.over_indented,
    mistakes.misplaced_line,
    mistakes.continued_line,
    mistakes.between_to,
    mistakes.bad_date,
    mistakes.given_without_value,
    mistakes.given_value_without_name,
    mistakes.given_continuation,
    mistakes.given_commas,
    mistakes.input_without_type,
    mistakes.unquoted_text,
    mistakes.empty_block,
    _labelled,
    mistakes.needs_indent,
    mistakes.misspelt_line_start,
    mistakes.missing_token,
    mistakes.misspelt_keyword,
    mistakes.top_level_word,
)


def _unexpected(failure: Failure) -> Diagnostic:
    expected = _expected_list(set(failure.expected), failure.literals)
    if failure.token_type == "$END":
        if failure.line_text.rstrip().endswith("\\"):
            return error("E010", "the file ends in the middle of a construct", failure.span(1),
                         f"line {failure.line} ends with `\\`, which joins it to a next line that is not there; "
                         "remove the `\\`")
        return error("E010", "the file ends in the middle of a construct", failure.span(1), f"expected {expected}")
    hint = SHAPES.get(failure.first_word, "")
    if "MOVE" in failure.expected and " is added to " in failure.line_text:  # the list property, misworded
        hint = ("an element added to a list is written with `a` or `an` and the record's name (or `element`): "
                "`D never increases as a lesion is added to lesions`")
    if failure.at_end:
        previous = mistakes.last_token(failure.before())
        after = f" after `{previous}`" if previous else ""
        return error("E014", f"this line ends too early; expected {expected}{after}", failure.span(1), hint)
    return error("E014", f"unexpected `{failure.word}`; expected {expected}", failure.span(), hint)


def _describe(terminal: str, literals: dict[str, str]) -> str:
    if terminal in TERMINAL_NAMES:
        return TERMINAL_NAMES[terminal]
    literal = literals.get(terminal)
    return f"`{literal}`" if literal else terminal.lower()


def _expected_list(names: set[str], literals: dict[str, str]) -> str:
    described = sorted({_describe(n, literals) for n in names if n not in {"_DEDENT"}} or {"more"})
    if len(described) > 8:
        described = [*described[:8], "…"]
    return mistakes._or_list(described)


@cache
def _literal_terminals() -> dict[str, str]:

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
def _example_states() -> dict[tuple[Any, str], list[Label]]:
    """The LALR state and token kind at which each labelled example fails, computed once.

    Lark's own `match_examples` also compares the depth of the parser stack, which differs
    between a construct at the top of a file and the same construct after others.
    """

    states: dict[tuple[Any, str], list[Label]] = {}
    for label in EXAMPLES:
        for source in label.examples:
            try:
                parse_tree(source)
            except UnexpectedToken as exc:
                failure = _failure(exc, source, "<example>")
                position = exc.state.position
                for key in ((position, failure.token_type), (position, _token_class(failure))):
                    if label not in states.setdefault(key, []):
                        states[key].append(label)
            except (UnexpectedInput, DedentError):
                continue
    return states


def unmatchable_examples() -> list[tuple[str, str]]:
    """Labelled examples that fail with no parser state, so can never match: (code, source)."""

    bad: list[tuple[str, str]] = []
    for label in EXAMPLES:
        for source in label.examples:
            try:
                parse_tree(source)
            except UnexpectedToken:
                continue
            except (UnexpectedInput, DedentError):
                pass
            bad.append((label.code, source))
    return bad
