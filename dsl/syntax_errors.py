"""Lark's exceptions translated, at the parser boundary, into diagnostics a clinician can act on."""

from __future__ import annotations

from functools import cache

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
}

TOP_LEVEL = ("use", "reference", "kind", "input", "define", "table", "decision", "example", "property")

# Messages for parser states that deserve better than "expected X": label -> sources failing there.
# Each label is "CODE|message|hint"; lark's match_examples finds the one failing in the same state.
EXAMPLES: dict[str, list[str]] = {
    "E015|use `=` to compare, not `==`|Eligo writes equality with a single `=`, as in `primary_site = colorectal`": [
        "guideline a\n  version 1.0.0\ndefine x: a == b\n",
        "guideline a\n  version 1.0.0\ndecision d: a\n  rule r: when a == b then a\n",
    ],
    "E016|a rule needs `then` and an outcome after its condition|write `rule NAME: when CONDITION then OUTCOME`": [
        "guideline a\n  version 1.0.0\ndecision d: a\n  rule r: when a\n",
        "guideline a\n  version 1.0.0\ndecision d: a\n  rule r: when a > 1\n",
        "guideline a\n  version 1.0.0\ndecision d: a\n  rule r: when a b\n",
        "guideline a\n  version 1.0.0\ndecision d: a\n  rule r: when a > 1 b\n",
    ],
    "E017|a rule starts with `when` after its name|write `rule NAME: when CONDITION then OUTCOME`": [
        "guideline a\n  version 1.0.0\ndecision d: a\n  rule r: a then b\n",
        "guideline a\n  version 1.0.0\ndecision d: a\n  rule r: if a then b\n",
    ],
    "E018|a rule needs a name and a colon|write `rule NAME: when CONDITION then OUTCOME`": [
        "guideline a\n  version 1.0.0\ndecision d: a\n  rule when a then b\n",
        "guideline a\n  version 1.0.0\ndecision d: a\n  rule r when a then b\n",
    ],
    "E019|an input needs a colon and a type after its name|for example `input liver_lesions: count from 0 to 100`": [
        "guideline a\n  version 1.0.0\ninput x count\n",
        "guideline a\n  version 1.0.0\ninput x\n",
    ],
}


def _describe(terminal: str, lark_terminals: dict[str, str]) -> str:
    if terminal in TERMINAL_NAMES:
        return TERMINAL_NAMES[terminal]
    literal = lark_terminals.get(terminal)
    return f"`{literal}`" if literal else terminal.lower()


def _expected_list(names: set[str], lark_terminals: dict[str, str]) -> str:
    described = sorted({_describe(n, lark_terminals) for n in names if n not in {"_DEDENT"}} or {"more"})
    if len(described) > 8:
        described = described[:8] + ["…"]
    if len(described) == 1:
        return described[0]
    return ", ".join(described[:-1]) + " or " + described[-1]


def _literal_terminals() -> dict[str, str]:
    from dsl.parser import lark_parser

    result: dict[str, str] = {}
    for terminal in lark_parser().terminals:
        pattern = terminal.pattern
        if pattern.type == "str":
            result[terminal.name] = pattern.value
    return result


def _token_span(path: str, token_line: int, token_col: int, length: int) -> Span:
    return Span(path, token_line, token_col, token_line, token_col + max(length, 1))


def translate(exc: UnexpectedInput | DedentError, text: str, path: str) -> Diagnostic:
    """Turn a Lark exception into one diagnostic with a position, an expectation and a hint."""
    if isinstance(exc, DedentError):
        return _dedent(exc, text, path)
    literals = _literal_terminals()
    if isinstance(exc, UnexpectedCharacters):
        return _characters(exc, text, path, literals)
    if isinstance(exc, UnexpectedToken):
        return _token(exc, text, path, literals)
    assert isinstance(exc, UnexpectedEOF)
    lines = text.rstrip("\n").split("\n")
    span = _token_span(path, len(lines), len(lines[-1]) + 1, 1)
    return error("E010", "the file ends in the middle of a construct", span,
                 f"expected {_expected_list(set(exc.expected), literals)}")


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
        while indent < stack[-1]:
            stack.pop()
        if indent != stack[-1]:
            return error("E011", f"this line is indented by {indent} spaces, which matches no enclosing block",
                         _token_span(path, number, 1, indent),
                         f"indent it by {stack[-1]} spaces to continue the block above, or as far as the line it belongs under")
    return error("E011", "inconsistent indentation", _token_span(path, 1, 1, 1), str(exc))


def _characters(exc: UnexpectedCharacters, text: str, path: str, literals: dict[str, str]) -> Diagnostic:
    line_text = text.split("\n")[exc.line - 1] if exc.line >= 1 else ""
    char = exc.char
    if char == '"':
        return error("E012", "this text has no closing quote", _token_span(path, exc.line, exc.column, len(line_text) - exc.column + 1),
                     'end the text with " on the same line')
    if char in "“”‘’":
        return error("E013", f"curly quote {char} cannot start a text", _token_span(path, exc.line, exc.column, 1),
                     'use straight double quotes: "…"')
    word = line_text[exc.column - 1:].split(" ")[0].rstrip(",:")
    expected = _expected_list(set(exc.allowed or ()), literals)
    hint = ""
    if word and word[0].isalpha() and exc.allowed:
        keywords = [literals[n] for n in exc.allowed if n in literals and literals[n].isalpha()]
        hint = did_you_mean(word, keywords)
    return error("E014", f"unexpected `{word or char}` here; expected {expected}",
                 _token_span(path, exc.line, exc.column, len(word) or 1), hint)


def _token(exc: UnexpectedToken, text: str, path: str, literals: dict[str, str]) -> Diagnostic:
    token = exc.token
    expected = set(exc.expected)
    line, column = token.line or 1, token.column or 1
    if token.type == "$END":
        return error("E010", "the file ends in the middle of a construct",
                     _token_span(path, line, column, 1), f"expected {_expected_list(expected, literals)}")
    if token.type == "_INDENT":
        span = _token_span(path, (token.end_line or line), 1, len(str(token)))
        return error("E011", "this line is indented, but nothing above it opens a block", span,
                     "align it with the line above")
    label = _match_label(exc)
    if label is not None:
        code, message, hint = label.split("|")
        return error(code, message, _token_span(path, line, column, len(str(token))), hint)
    if "_INDENT" in expected and token.type != "_NL":
        return error("E011", "this line should be indented under the line above it",
                     _token_span(path, line, column, len(str(token))),
                     "indent it by two spaces more than the line it belongs to")
    shown = "the end of the line" if token.type == "_NL" else f"`{token}`"
    span = _token_span(path, line, column, 1 if token.type in {"_NL", "_DEDENT"} else len(str(token)))
    if token.type in {"_NL", "_DEDENT"}:
        span = _end_of_line(path, text, line)
    hint = ""
    if str(token).replace("_", "").isalnum() and not str(token)[0].isdigit():
        keywords = [literals[n] for n in expected if n in literals and literals[n].isalpha()]
        if set(TOP_LEVEL) <= set(keywords):
            keywords = list(TOP_LEVEL)
        hint = did_you_mean(str(token), keywords)
    return error("E014", f"unexpected {shown}; expected {_expected_list(expected, literals)}", span, hint)


def _end_of_line(path: str, text: str, line: int) -> Span:
    lines = text.split("\n")
    content = lines[line - 1] if 0 < line <= len(lines) else ""
    code = content.split("#", 1)[0].rstrip() if '"' not in content else content.rstrip()
    return _token_span(path, line, len(code) + 1, 1)


@cache
def _example_states() -> dict[tuple[int, str], str]:
    """The LALR state and token at which each labelled example fails, computed once.

    Lark's own `match_examples` also compares the depth of the parser stack, which differs
    between a construct at the top of a file and the same construct after others.
    """
    from dsl.parser import _parse_tree

    states: dict[tuple[int, str], str] = {}
    for label, sources in EXAMPLES.items():
        for source in sources:
            try:
                _parse_tree(source)
            except UnexpectedToken as exc:
                states.setdefault((exc.state.position, exc.token.type), label)
            except (UnexpectedInput, DedentError):
                continue
    return states


def _match_label(exc: UnexpectedToken) -> str | None:
    if exc.state is None:
        return None
    return _example_states().get((exc.state.position, exc.token.type))
