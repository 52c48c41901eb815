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

import yaml

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


class _Loader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core scalars only, duplicate keys and aliases refused."""

    yaml_implicit_resolvers = {}  # noqa: RUF012 (PyYAML's own idiom: a loader class owns its resolver table)

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise _Refused(f"uses a YAML alias at line {mark.line + 1}; write each value out (a case needs no "
                           "references, and aliases can multiply a small file into a huge value)")
        node: yaml.Node | None = super().compose_node(parent, index)  # type: ignore[arg-type]
        return node


_Loader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
_Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                              list("tTfF"))
_Loader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(rf"^[-+]?[0-9]{{1,{MAX_DIGITS}}}$"),
                              list("-+0123456789"))
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(rf"^[-+]?(?:\.[0-9]{{1,{MAX_DIGITS}}}|[0-9]{{1,{MAX_DIGITS}}}(?:\.[0-9]{{0,{MAX_DIGITS}}})?)"
               r"(?:[eE][-+]?[0-9]{1,4})?$"),
    list("-+.0123456789"))


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    return int(loader.construct_scalar(node))


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> float:
    return float(loader.construct_scalar(node))


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise _Refused(f"a field name at line {key_node.start_mark.line + 1} is not a name")
        if key in out:
            raise _Refused(f"the field {_short(str(key))} is given twice (again at line {key_node.start_mark.line + 1}); "
                           "give each field once")
        out[key] = loader.construct_object(value_node, deep=True)
    return out


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _refuse_tag(loader: _Loader, node: yaml.Node) -> Any:
    raise _Refused(f"the YAML tag {node.tag.rsplit(':', 1)[-1]} at line {node.start_mark.line + 1} is not "
                   "allowed in a case; write the value plainly")


for _tag in ("timestamp", "binary", "set", "omap", "pairs"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)


def _yaml(source: str) -> Any:
    try:
        documents = list(yaml.load_all(source, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise _Refused(f"is not valid YAML: {exc.problem or exc.context or 'unreadable'}{where}") from None
    except yaml.YAMLError as exc:
        raise _Refused(f"is not valid YAML: {str(exc).splitlines()[0] if str(exc) else 'unreadable'}") from None
    except RecursionError:
        raise _Refused("is nested too deeply to be a case") from None
    if len(documents) > 1:
        raise _Refused(f"holds {len(documents)} YAML documents; a case file holds one case")
    return documents[0] if documents else None


def _kind(data: Any) -> str:
    return {list: "a list", str: "a text", int: "a number", float: "a number", bool: "yes/no",
            type(None): "nothing"}.get(type(data), type(data).__name__)


def _short(text: str) -> str:
    return repr(text) if len(text) <= 60 else repr(text[:57] + "…")
