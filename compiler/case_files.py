"""Case files to plain mappings: UTF-8 JSON or YAML, bounded in size and depth, no duplicate keys, no guessing.

YAML is read with the YAML 1.2 core scalars only (so `no` stays the text "no", `010` stays "010",
`1:30` stays "1:30" and a date stays the text the author wrote, read later by the one date reader
in `eligo.cases`). Every problem is a `CaseError` naming the place; nothing here raises anything else.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, BinaryIO

from eligo.cases import CaseError, CaseProblem

MAX_CASE_BYTES = 1_000_000  # a case is a handful of fields; a megabyte is a thousand times more
MAX_DEPTH = 16  # a case is flat: values are scalars or {value, unit}; deeper is not a case
MAX_DIGITS = 4000  # longer numbers are refused as the file's problem (Python converts at most 4,300 digits)
FILE = "(file)"


class _Refused(Exception):
    """One problem found while reading (turned into a CaseError at the boundary)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def read_case(path: str | Path | None, text: str | bytes | None = None) -> dict[str, Any]:
    """Read a case from a JSON or YAML file (or the given text or bytes); any problem is a CaseError."""
    name = str(path) if path is not None else "<stdin>"
    if text is None:
        raw = _read_bytes(Path(name), name)
    else:
        raw = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text
    try:
        source = _decode(raw)
        data = _parse(source, name)
    except _Refused as refused:
        raise CaseError([CaseProblem(FILE, refused.message)], name) from None
    if not isinstance(data, dict):
        raise CaseError([CaseProblem(FILE, "a case must be an object mapping input names to values, got "
                                           f"{_kind(data)}")], name)
    return data


def read_stream(stream: BinaryIO, name: str = "<stdin>") -> dict[str, Any]:
    """Read a case from a binary stream such as standard input, refusing more than MAX_CASE_BYTES."""
    raw = stream.read(MAX_CASE_BYTES + 1)
    if len(raw) > MAX_CASE_BYTES:
        raise CaseError([CaseProblem(FILE, _too_large())], name)
    return read_case(name, raw)


def _read_bytes(file: Path, name: str) -> bytes:
    try:
        with file.open("rb") as stream:
            raw = stream.read(MAX_CASE_BYTES + 1)
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise CaseError([CaseProblem(FILE, "is a folder, not a case file")], name) from None
    except OSError as exc:
        raise CaseError([CaseProblem(FILE, f"cannot be read: {exc.strerror or exc}")], name) from None
    if len(raw) > MAX_CASE_BYTES:
        raise CaseError([CaseProblem(FILE, _too_large())], name)
    return raw


def _too_large() -> str:
    return f"is larger than {MAX_CASE_BYTES // 1_000_000} MB, which no case needs (one patient, a field per input)"


def _decode(raw: bytes) -> str:
    """UTF-8 text (a leading UTF-8 byte-order mark is dropped); anything else is refused with its place."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _Refused("is UTF-16 (or UTF-32) text; save it as UTF-8")
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise _Refused(f"is not text (a NUL byte at byte {nul + 1}); give a JSON or YAML file")
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise _Refused(f"is not UTF-8 text: byte 0x{raw[exc.start]:02X} at line {line}, column {column} "
                       "(is it Latin-1 or Windows-1252? save it as UTF-8)") from None


def _parse(source: str, name: str) -> Any:
    depth = _depth(source)
    if depth > MAX_DEPTH:
        raise _Refused(f"is nested {depth} levels deep; a case holds one value (or a value and a unit) per input")
    if name.endswith(".json") or source.lstrip().startswith(("{", "[")):
        return _json(source)
    return _yaml(source)


_DEPTH_TOKENS = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|[\[{]|[\]}]')


def _depth(source: str) -> int:
    """The deepest bracket nesting outside quoted texts (enough to refuse before a recursive parser runs)."""
    deepest = depth = 0
    for match in _DEPTH_TOKENS.finditer(source):
        char = match.group()
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth = max(depth - 1, 0)
    return max(deepest, _indent_depth(source))


def _indent_depth(source: str) -> int:
    """Nesting by indentation (YAML block style): the number of distinct deeper indents in a row."""
    stack = [0]
    for line in source.splitlines():
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(stripped)
        while stack and indent < stack[-1]:
            stack.pop()
        if not stack or indent > stack[-1]:
            stack.append(indent)
    return len(stack) - 1


def _json(source: str) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                raise _Refused(f"the field {_short(key)} is given twice; give each field once")
            out[key] = value
        return out

    def integer(text: str) -> int:
        if len(text.lstrip("-")) > MAX_DIGITS:
            raise _Refused(f"a number has {len(text.lstrip('-'))} digits; numbers in a case have at most {MAX_DIGITS}")
        return int(text)

    def constant(text: str) -> Any:
        raise _Refused(f"{text} is not a JSON number; give a finite number")

    try:
        return json.loads(source, object_pairs_hook=pairs, parse_int=integer, parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise _Refused(f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise _Refused("is nested too deeply to be a case") from None


def _yaml(source: str) -> Any:
    # PyYAML is imported only for a YAML case: `eligo eval` of a JSON case never pays for it
    from eligo.case_yaml import YamlRefused, load

    try:
        return load(source, MAX_DIGITS)
    except YamlRefused as refused:
        raise _Refused(refused.message) from None


def _kind(data: Any) -> str:
    return {list: "a list", str: "a text", int: "a number", float: "a number", bool: "yes/no",
            type(None): "nothing"}.get(type(data), type(data).__name__)


def _short(text: str) -> str:
    return repr(text) if len(text) <= 60 else repr(text[:57] + "…")
