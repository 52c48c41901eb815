"""The one Lark LALR parser of the grammar, with its indentation post-lexer: what the parser and the
syntax-error translators share (it imports neither)."""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from lark import Lark, Token, Tree
from lark.indenter import Indenter

from eligo.dsl.reductions import Built, reductions

GRAMMAR = Path(__file__).with_name("grammar.lark")
# A line ending in one of these continues on the next: a list separator (`,`, `|`, `>` between ordered outcomes),
# any binary operator, `then`, `else`.
_CONTINUATION = frozenset({"COMMA", "VBAR", "MORETHAN", "AND", "OR", "PLUS", "MINUS", "STAR", "SLASH", "COMPARE", "THEN",
                           "ELSE"})
_COMMENT = re.compile(r"#[^\n]*")


class EligoIndenter(Indenter):
    """Python-style blocks, plus: a line ending in `,`, `|`, a binary operator (`and`, `or`, `+`, `-`, `*`, `/`,
    a comparison), `then` or `else` continues on the next.

    It also collects the comments that the newline terminal swallows, for the formatter.
    """

    NL_type = "_NL"
    OPEN_PAREN_types: ClassVar[list[str]] = ["LPAR", "LSQB", "LBRACE"]
    CLOSE_PAREN_types: ClassVar[list[str]] = ["RPAR", "RSQB", "RBRACE"]
    INDENT_type = "_INDENT"
    DEDENT_type = "_DEDENT"
    tab_len = 4

    def __init__(self) -> None:
        super().__init__()
        self.comments: list[tuple[str, int, int]] = []

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        self.paren_level = 0
        self.indent_level = [0]
        self.comments = []
        return self._eligo_process(stream)

    def _eligo_process(self, stream: Iterator[Token]) -> Iterator[Token]:
        token: Token | None = None
        previous = ""
        for token in stream:
            if token.type == self.NL_type:
                self._collect_comments(token)
                if previous in _CONTINUATION:
                    continue
                yield from self.handle_NL(token)
            else:
                yield token
            previous = token.type
            if token.type in self.OPEN_PAREN_types:
                self.paren_level += 1
            elif token.type in self.CLOSE_PAREN_types:
                self.paren_level = max(self.paren_level - 1, 0)
        while len(self.indent_level) > 1:
            self.indent_level.pop()
            if token is not None:
                yield Token.new_borrow_pos(self.DEDENT_type, "", token)

    def _collect_comments(self, token: Token) -> None:
        if "#" not in token:
            return
        text = str(token)
        for match in _COMMENT.finditer(text):
            before = text[: match.start()]
            newlines = before.count("\n")
            line = (token.line or 1) + newlines
            column = (token.column or 1) + match.start() if newlines == 0 else match.start() - before.rfind("\n")
            self.comments.append((match.group().rstrip(), line, column))


_LAYOUT = frozenset({"_NL", "_INDENT", "_DEDENT"})


def _occupies_text(child: object) -> bool:
    """Whether a child counts for its node's span: line ends (with the blank lines and comments they
    swallow) and indentation do not, so a statement ends where its last token ends."""
    return not (isinstance(child, Token) and child.type in _LAYOUT)


@cache
def _lark() -> tuple[Lark, EligoIndenter]:
    """The parser, its LALR tables read from the compiled cache (eligo.kb.cache) when they were built for this
    grammar, Lark and Python before (building them is most of a first parse: 70 ms against 9 ms to read them)."""
    import hashlib
    import io

    import lark
    from lark.lark import _LOAD_ALLOWED_OPTIONS

    from eligo.kb import cache

    indenter = EligoIndenter()
    grammar = GRAMMAR.read_text(encoding="utf-8")
    options: dict[str, object] = {"parser": "lalr", "lexer": "contextual", "maybe_placeholders": False,
                                  "start": "module"}
    given = {"postlex": indenter, "propagate_positions": _occupies_text}  # code: given again when the tables are read
    folder = cache.directory()
    name = "lark-" + hashlib.sha256(f"{grammar}{sorted(options.items())}{lark.__version__}{sys.version_info[:3]}"
                                    .encode()).hexdigest() + ".tables"
    stored = cache.read_bytes(folder, name) if folder is not None else None
    if stored is not None:
        try:
            return Lark.__new__(Lark)._load(io.BytesIO(stored), **given), indenter  # as Lark's own cache reads it
        except Exception:  # tables of another Lark, damaged: built again below
            pass
    parser = Lark(grammar, **options, **given)
    if folder is not None:
        saved = io.BytesIO()
        parser.save(saved, _LOAD_ALLOWED_OPTIONS)
        cache.write_bytes(folder, name, saved.getvalue())
    return parser, indenter


_LOCK = threading.RLock()


def lark_parser() -> Lark:
    """The shared LALR parser (for tooling such as `match_examples`)."""
    return _lark()[0]


def parse_tree(text: str) -> tuple[Tree[Token], list[tuple[str, int, int]]]:
    """The lark.Tree of `text` (for the syntax-error translators and the nesting limit's position)."""
    parser, indenter = _lark()
    with _LOCK:
        tree = parser.parse(text)
        return tree, list(indenter.comments)


def parse_built(text: str, builder: object) -> tuple[Built, list[tuple[str, int, int]]]:
    """`text` parsed by the same lexer, post-lexer and LALR tables, each rule's value built by `builder`'s method
    for it as the rule is reduced (eligo.dsl.reductions): the start rule's value, and the comments."""
    from lark.lexer import LexerThread
    from lark.parsers.lalr_parser import _Parser

    parser, indenter = _lark()
    frontend = parser.parser
    callbacks: Any = reductions(parser.rules, builder)  # Lark's annotation names only terminal callbacks
    tables = _Parser(frontend.parser.parser.parse_table, callbacks)
    with _LOCK:
        built = tables.parse(LexerThread.from_text(frontend.lexer, text), "module")
        return built, list(indenter.comments)
