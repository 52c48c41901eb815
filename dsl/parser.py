"""Source text to AST: the one Lark LALR parser, its indentation post-lexer, limits and recovery."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

from eligo.dsl import ast
from eligo.dsl.ast import Span
from eligo.dsl.diagnostics import Diagnostic, EligoError, error

if TYPE_CHECKING:
    from lark import Token, Tree

MAX_SOURCE_BYTES = 1_000_000
MAX_NESTING = 64
MAX_ERRORS = 20

_HEADER_WORDS = frozenset({"guideline", "version", "title", "status", "effective", "supersedes", "committee", "summary"})


_BRACKETS = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|\n|[(\[{]|[)\]}]')


def _brackets_too_deep(text: str) -> tuple[int, int] | None:
    """Line and column of the first bracket opened more than MAX_NESTING deep (brackets add no tree depth)."""
    if sum(text.count(b) for b in "([{") <= MAX_NESTING:
        return None
    depth, line, line_start = 0, 1, 0
    for match in _BRACKETS.finditer(text):
        char = match.group()
        if char == "\n":
            line, line_start = line + 1, match.end()
        elif char in "([{":
            depth += 1
            if depth > MAX_NESTING:
                return line, match.start() - line_start + 1
        elif char in ")]}":
            depth = max(depth - 1, 0)
    return None


def _depth_exceeded(tree: Tree[Token]) -> Tree[Token] | None:
    """The first subtree deeper than MAX_NESTING, found without recursion."""
    from lark import Tree
    stack: list[tuple[Tree[Token], int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            return node
        stack.extend((child, depth + 1) for child in node.children if isinstance(child, Tree))
    return None


def _is_top_level(line: str) -> bool:
    return bool(line) and not line[0].isspace() and not line.startswith("#")


def _first_item(lines: list[str]) -> int:
    """The index of the first line at the left margin after the header that is not a header detail."""
    for index, line in enumerate(lines):
        if _is_top_level(line) and line.split(None, 1)[0] not in _HEADER_WORDS:
            return index
    return len(lines)


def _blank_block(text: str, line_no: int) -> str | None:
    """Blank the top-level construct around `line_no` (keeping line numbers), or None if impossible."""
    lines = text.split("\n")
    index = min(max(line_no - 1, 0), len(lines) - 1)
    start = index
    while start > 0 and not _is_top_level(lines[start]):
        start -= 1
    headed = any(line.startswith("guideline") for line in lines[:start])
    if start == 0 or not headed or lines[start].startswith("guideline") or index < _first_item(lines):
        return None  # an error in the header: nothing sensible to recover to
    end = start + 1
    while end < len(lines) and not _is_top_level(lines[end]):
        end += 1
    if all(not line.strip() for line in lines[start:end]):
        return None
    lines[start:end] = [""] * (end - start)
    return "\n".join(lines)


_CODE_TEXT = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|\n|[^\x00-\x7f]')
_ALLOWED = frozenset("≤≥≠µ")  # the non-ASCII characters of the grammar
_LETTER = re.compile(r"(SMALL|CAPITAL) LETTER ([A-Z])\b")
_LOOK_ALIKES = dict(zip("аеорсухіјѕАВЕКМНОРСТХοιΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "aeopcyxijsABEKMHOPCTXoiABEZHIKMNOPTYX", strict=True))


def _characters(text: str, path: str) -> list[Diagnostic]:
    """Characters refused before parsing: text that was not UTF-8, a byte-order mark, and letters or digits
    outside the ASCII range where names, numbers and versions are written (look-alikes such as `１` or `а`)."""
    if text.isascii():
        return []
    found: list[Diagnostic] = []
    line, line_start = 1, 0
    for match in _CODE_TEXT.finditer(text):
        token = match.group()
        if token == "\n":
            line, line_start = line + 1, match.end()
            continue
        if token[0] in "\"#":  # a text or comment may hold any character that UTF-8 can encode
            bad = next((i for i, c in enumerate(token) if "\ud800" <= c <= "\udfff"), None)
            if bad is None:
                continue
            token, column = token[bad], match.start() + bad - line_start + 1
        else:
            column = match.start() - line_start + 1
        diagnostic = _character(token, Span(path, line, column, line, column + 1))
        if diagnostic is not None:
            found.append(diagnostic)
            if len(found) >= MAX_ERRORS:
                break
    return found


def _character(char: str, span: Span) -> Diagnostic | None:
    if char == "\ufffd" or "\ud800" <= char <= "\udfff":
        return error("E061", "this file is not UTF-8 text (a byte here cannot be read)", span,
                     "save the file as UTF-8 (it may be Latin-1 or Windows-1252)")
    if char == "\ufeff":
        where = "the file starts with" if (span.line, span.column) == (1, 1) else "here is"
        return error("E062", f"{where} a byte-order mark (U+FEFF), an invisible character", span,
                     "save the file as UTF-8 without a byte-order mark")
    category = unicodedata.category(char)
    if char in _ALLOWED or category[0] not in "LN":
        return None  # other symbols (curly quotes, dashes) are explained by the syntax errors
    name = unicodedata.name(char, f"U+{ord(char):04X}")
    digit = unicodedata.digit(char, None)
    letter = _LETTER.search(name)
    if digit is not None:
        return error("E060", f"`{char}` ({name}) is not an ASCII digit", span,
                     f"write `{digit}`: numbers and versions are written with the digits 0 to 9, so that two that "
                     "look alike are alike")
    ascii_letter = _LOOK_ALIKES.get(char) or (
        (letter.group(2).lower() if letter.group(1) == "SMALL" else letter.group(2)) if letter else "")
    return error("E060", f"`{char}` ({name}) is not an ASCII letter", span,
                 (f"write `{ascii_letter}`: " if ascii_letter else "") + "names are written with the letters a to z, "
                 "digits and `_`, so that two that look alike are alike")


def parse_with_diagnostics(text: str, path: str = "<string>") -> tuple[ast.Module | None, list[Diagnostic]]:
    """Parse `text`; return the module (None on syntax errors) and every diagnostic found."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_SOURCE_BYTES:
        span = ast.Span(path, 1, 1, 1, 2)
        return None, [
            error("E001", f"this file is larger than {MAX_SOURCE_BYTES // 1_000_000} MB", span,
                  "split the guideline into modules joined with `use`")
        ]
    refused = _characters(text, path)
    if refused:
        return None, refused
    # Lark is imported by the first parse: a command that decides from the compiled cache never parses
    from lark.exceptions import UnexpectedInput
    from lark.indenter import DedentError

    from eligo.dsl.builder import Builder
    from eligo.dsl.lalr import parse_built

    source = text if text.endswith("\n") else text + "\n"
    builder = Builder(path)
    try:
        built, comments = parse_built(source, builder)  # the AST built as the parser reduces each rule
    except (UnexpectedInput, DedentError):
        return None, _syntax_errors(source, path)
    deep_bracket = _brackets_too_deep(source)
    if deep_bracket is not None:
        line, column = deep_bracket
        return None, [
            error("E002", f"this expression is nested more than {MAX_NESTING} levels deep",
                  ast.Span(path, line, column, line, column + 1),
                  "give parts of it a name with `define` and refer to them")
        ]
    if built.height > MAX_NESTING + 1:  # a lark.Tree this tall has a node deeper than MAX_NESTING below its root
        return None, _too_deep(source, path)
    return builder.build(built.value, source, comments), builder.diagnostics


def _syntax_errors(source: str, path: str) -> list[Diagnostic]:
    """Every syntax error of `source` (up to MAX_ERRORS), each after blanking the block of the one before."""
    from lark.exceptions import UnexpectedInput
    from lark.indenter import DedentError

    from eligo.dsl.lalr import parse_tree
    from eligo.dsl.syntax_errors import translate

    diagnostics: list[Diagnostic] = []
    attempt: str | None = source
    while attempt is not None and len(diagnostics) < MAX_ERRORS:
        try:
            parse_tree(attempt)
            break
        except (UnexpectedInput, DedentError) as exc:
            diagnostic = translate(exc, attempt, path)
            if diagnostics and diagnostic.sort_key() <= diagnostics[-1].sort_key():
                break  # an error before the last one is an artefact of blanking the last one's block
            diagnostics.append(diagnostic)
            attempt = _blank_block(attempt, diagnostic.span.line)
    return diagnostics


def _too_deep(source: str, path: str) -> list[Diagnostic]:
    """E002 at the first subtree of the lark.Tree deeper than MAX_NESTING (the tree is made for its position)."""
    from eligo.dsl.lalr import parse_tree

    too_deep = _depth_exceeded(parse_tree(source)[0])
    meta = too_deep.meta if too_deep is not None else None
    span = ast.Span(path, getattr(meta, "line", 1), getattr(meta, "column", 1),
                    getattr(meta, "end_line", 1), getattr(meta, "end_column", 2))
    return [error("E002", f"this expression is nested more than {MAX_NESTING} levels deep", span,
                  "give parts of it a name with `define` and refer to them")]


def parse(text: str, path: str = "<string>") -> ast.Module:
    """Parse Eligo source; raise EligoError carrying every diagnostic if it has errors."""
    module, diagnostics = parse_with_diagnostics(text, path)
    if module is None or any(d.is_error for d in diagnostics):
        raise EligoError(diagnostics)
    return module


def read_source(file: Path) -> tuple[str, ast.Module | None, list[Diagnostic]]:
    """Read and parse one source file: its text, its module (None when refused) and its diagnostics.

    Bytes that are not UTF-8 are refused (E061) at their line and column, and the text keeps a
    replacement character in their place so that the diagnostic can show the line."""
    path = str(file)
    with file.open("rb") as stream:  # bounded: a device or a huge file is refused, not read whole
        raw = stream.read(MAX_SOURCE_BYTES + 1)
    if len(raw) > MAX_SOURCE_BYTES:
        return "", None, [error("E001", f"this file is larger than {MAX_SOURCE_BYTES // 1_000_000} MB",
                                Span(path, 1, 1, 1, 2), "split the guideline into modules joined with `use`")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        before = raw[raw.rfind(b"\n", 0, exc.start) + 1: exc.start].decode("utf-8", "replace")
        span = Span(path, line, len(before) + 1, line, len(before) + 2)
        text = raw.decode("utf-8", "replace")
        return text, None, [error("E061", f"this file is not UTF-8 text (byte 0x{raw[exc.start]:02X} cannot be read)",
                                  span, "save the file as UTF-8 (it may be Latin-1 or Windows-1252)")]
    module, diagnostics = _parsed(raw, text, path)
    return text, module, diagnostics


def _parsed(raw: bytes, text: str, path: str) -> tuple[ast.Module | None, list[Diagnostic]]:
    """`parse_with_diagnostics`, read from the compiled cache (eligo.kb.cache) when this compiler parsed these
    bytes at this path before: the parse is a function of them alone (the path is in every span)."""
    import hashlib
    import pickle

    from eligo.kb import cache

    folder = cache.directory()
    if folder is None:
        return parse_with_diagnostics(text, path)
    name = "parse-" + hashlib.sha256(f"{cache.compiler()}\0{path}\0".encode() + raw).hexdigest() + ".pickle"
    stored = cache.read_bytes(folder, name)
    if stored is not None:
        try:
            module, diagnostics = pickle.loads(stored)
            return module, diagnostics
        except Exception:  # damaged, or by other code: parsed again below
            pass
    module, diagnostics = parse_with_diagnostics(text, path)
    cache.write_bytes(folder, name, cache.dumps((module, diagnostics)))  # its nodes as their fields (kb.cache)
    return module, diagnostics


def parse_file(path: str | Path) -> ast.Module:
    _, module, diagnostics = read_source(Path(path))
    if module is None or any(d.is_error for d in diagnostics):
        raise EligoError(diagnostics)
    return module
