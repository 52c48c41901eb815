"""The compiled-guideline cache on disk: a guideline chosen and compiled once is read back by the next command
instead of parsing, checking and generating code again, for as long as nothing it depends on has changed.

An entry is keyed by the SHA-256 of what chose it (the knowledge base's folder, the guideline, `--version`,
`--as-of`, `--draft`) and of the compiler (its version, this cache's format, and each of its files' size and
modification time, so that a compiler edited in place never reads what other code wrote). It holds the compiled guideline
and the manifest it was compiled from: every `.eligo` file of the knowledge base with its SHA-256 and the module
its header declares. It is used only when every file the guideline depends on (its module, every module it uses,
and every other version of those modules, which could change what is chosen) is byte for byte the same, and no
file that was added, changed or removed declares one of those modules; anything else is a miss, and the guideline
is compiled again (an entry is never trusted across a change). The FHIR bindings do not change a decision and
are not part of it.

The parser's LALR tables are kept here too (`read_bytes`/`write_bytes`; eligo.dsl.lalr), keyed by the grammar,
Lark's version and Python's, and each source file's parse (eligo.dsl.parser.read_source), keyed by its bytes,
its path and the compiler; and the code of the methods `dataclasses` writes for Eligo's classes, by their source
text (eligo.classcode, which reads the environment below for this module).

Entries live in `$ELIGO_CACHE_DIR`, else `$XDG_CACHE_HOME/eligo`, else `~/.cache/eligo`; `ELIGO_NO_CACHE=1` (or
`--no-cache`) turns the cache off. An entry is written to a temporary file and renamed into place, so that a
reader sees a whole entry or none, and concurrent runs only ever replace one whole entry by another; an entry
carries the SHA-256 of its contents, and one that does not match (torn, truncated, edited) is ignored and
rebuilt. Generated evaluators are stored as their marshalled code objects, valid for this interpreter only
(its version is part of the key).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import datetime as dt
import functools
import hashlib
import io
import json
import marshal
import os
import pickle
import re
import sys
import types
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eligo import classcode
from eligo.version import __version__

classcode.install()  # the dataclasses' generated methods compiled once per interpreter (eligo.classcode)

if TYPE_CHECKING:
    from eligo.compiled.guideline import Guideline

FORMAT = 1  # of an entry; bumped when its layout changes
MAGIC = b"eligo-cache\n"
ENV_DIR, ENV_OFF = classcode.ENV_DIR, classcode.ENV_OFF
_HEADER = re.compile(rb"^guideline[ \t]+([A-Za-z_][A-Za-z0-9_.]*)[ \t]*\r?$", re.MULTILINE)
# the interpreter that marshalled the code objects: marshal's format is per Python version
_INTERPRETER = f"{sys.implementation.cache_tag}-{sys.version_info[:3]}"


_OFF: contextvars.ContextVar[bool] = contextvars.ContextVar("eligo_cache_off", default=False)


def directory() -> Path | None:
    """Where entries live, or None when the cache is off."""
    found = None if _OFF.get() else classcode.folder()
    return None if found is None else Path(found)


@contextlib.contextmanager
def off() -> Iterator[None]:
    """Within it, nothing is read from the cache or written to it (`eligo eval --no-cache`)."""
    token = _OFF.set(True)
    try:
        yield
    finally:
        _OFF.reset(token)


@dataclass(frozen=True)
class Source:
    """One `.eligo` file as the manifest records it: its SHA-256 and the module its header declares (None when
    the header cannot be read without parsing: such a file, once changed, always makes an entry stale)."""

    sha256: str
    declares: str | None


def manifest(root: Path) -> dict[str, Source]:
    """Every `.eligo` file under `root` (as `KnowledgeBase.from_paths` finds them), by path relative to it."""
    found: dict[str, Source] = {}
    for path in sorted(p for p in root.rglob("*.eligo") if p.is_file()):
        try:
            raw = path.read_bytes()
        except OSError:
            raw = b"\0unreadable"  # the compile will say why; the entry must not match a readable file
        header = _HEADER.search(raw)
        found[path.relative_to(root).as_posix()] = Source(hashlib.sha256(raw).hexdigest(),
                                                          header.group(1).decode() if header else None)
    return found


@dataclass(frozen=True)
class Entry:
    guideline: Guideline
    manifest: dict[str, Source]
    depends: frozenset[str]  # the module ids whose files decide the result


def key(root: Path, guideline: str, version: str | None, as_of: str | None, draft: bool) -> str:
    # the folder as given too: the guideline's paths and spans are written as the loader names its files
    # with neither a version nor a date the choice is the version in force today (KnowledgeBase.select): a day's
    # entry is not read the next day, when a version may have come into force
    today = dt.date.today().isoformat() if version is None and as_of is None else None
    chosen = [FORMAT, __version__, _INTERPRETER, compiler(), str(root), str(root.resolve()), guideline, version,
              as_of, draft, today]
    return hashlib.sha256(json.dumps(chosen).encode()).hexdigest()


@functools.cache
def compiler() -> str:
    """The compiler as installed: a digest of the path, size and modification time of each of its files. The
    version alone is not enough where the compiler is edited in place (an editable install): an entry written
    by other code is never read."""
    return fingerprint(Path(__file__).resolve().parent.parent)


def fingerprint(package: Path) -> str:
    """A digest of the path, size and modification time of every `.py` and `.lark` file under `package`."""
    found: list[str] = []
    folders = [package]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir() and entry.name != "__pycache__" and not entry.name.startswith("."):
                    folders.append(Path(entry.path))
                elif entry.name.endswith((".py", ".lark")):
                    stat = entry.stat()
                    found.append(f"{entry.path}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(found)).encode()).hexdigest()


def fresh(entry: Entry, now: dict[str, Source]) -> bool:
    """Whether nothing the entry's guideline depends on differs between its manifest and `now`."""
    for path in entry.manifest.keys() | now.keys():
        before, after = entry.manifest.get(path), now.get(path)
        if before == after:
            continue
        for side in (before, after):
            if side is not None and (side.declares is None or side.declares in entry.depends):
                return False
    return True


def read(folder: Path, name: str) -> Entry | None:
    """The entry stored under `name`, or None if there is none or it is not whole and sound."""
    payload = read_bytes(folder, f"{name}.entry")
    if payload is None:
        return None
    try:
        entry = pickle.loads(payload)
    except Exception:  # an entry written by another version of a class: as good as absent
        return None
    return entry if isinstance(entry, Entry) else None


def write(folder: Path, name: str, entry: Entry) -> bool:
    """Store `entry` whole (a temporary file beside it, renamed into place); False if it cannot be written."""
    try:
        payload = dumps(entry)
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return False  # something that cannot be stored: the guideline is simply compiled next time too
    return write_bytes(folder, f"{name}.entry", payload)


def read_bytes(folder: Path, name: str) -> bytes | None:
    """The contents stored under `name` by `write_bytes`, or None if absent or not whole (their SHA-256 differs)."""
    try:
        raw = (folder / name).read_bytes()
    except OSError:
        return None
    if not raw.startswith(MAGIC) or len(raw) < len(MAGIC) + 64:
        return None
    digest, payload = raw[len(MAGIC):len(MAGIC) + 64], raw[len(MAGIC) + 64:]
    return payload if hashlib.sha256(payload).hexdigest().encode() == digest else None


def write_bytes(folder: Path, name: str, payload: bytes) -> bool:
    """Store `payload` whole under `name`, with its SHA-256: written to a temporary file beside it and renamed into
    place, so that a reader sees the old contents or the new, never a part. False if it cannot be written."""
    import tempfile

    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(MAGIC + hashlib.sha256(payload).hexdigest().encode() + payload)
            os.replace(temporary, folder / name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError:
        return False  # a read-only or full disk: the cache is an optimisation, never a failure
    return True


def guideline(root: Path, module_id: str, version: str | None, as_of: str | None, draft: bool,
              compile: Callable[[], tuple[Guideline, Iterable[str]]]) -> Guideline:
    """The guideline from the cache when its entry is fresh, else `compile()` (the guideline and the ids of every
    module it depends on), stored for next time."""
    folder = directory()
    if folder is None:
        return compile()[0]
    name = key(root, module_id, version, as_of, draft)
    now = manifest(root)
    entry = read(folder, name)
    if entry is not None and fresh(entry, now):
        return entry.guideline
    compiled, depends = compile()
    _warm(compiled)
    if manifest(root) == now:  # the files did not change while it compiled: the entry describes what was compiled
        write(folder, name, Entry(compiled, now, frozenset(depends)))
    return compiled


def _warm(compiled: Guideline) -> None:
    """Compute now what the entry keeps (the classes' `CACHED_ACROSS_PROCESSES`), so that a command deciding from it
    never writes code or analyses the program: the fast evaluator, the inputs each rule reads, and the completion
    evaluator of each decision of its own (for an unknown answer refined exactly); and the three-valued evaluator the
    fast one hands a case with an unknown value to (compiled when first called otherwise)."""
    _ = compiled.code.fast, compiled.code.three_valued, compiled.rule_inputs
    for decision in compiled._own:
        compiled._completion(decision.key)


def forget(root: Path, module_id: str, version: str | None, as_of: str | None, draft: bool) -> None:
    """Remove the entry of this choice, if any (one that did not run as compiled)."""
    folder = directory()
    if folder is not None:
        with contextlib.suppress(OSError):
            (folder / f"{key(root, module_id, version, as_of, draft)}.entry").unlink()


def lookup(root: Path, module_id: str, version: str | None, as_of: str | None, draft: bool) -> Guideline | None:
    """The guideline from the cache if its entry is there and fresh, else None (nothing is compiled)."""
    folder = directory()
    if folder is None:
        return None
    entry = read(folder, key(root, module_id, version, as_of, draft))
    return entry.guideline if entry is not None and fresh(entry, manifest(root)) else None


# ---------------------------------------------------------------- storing generated code


class _Pickler(pickle.Pickler):
    """Pickles a compiled guideline: generated functions as their code objects and constants, and Eligo's
    dataclasses without the values their cached properties computed (recomputed on first use), except those
    the class names in `CACHED_ACROSS_PROCESSES` (generated code a command deciding from the cache needs)."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, types.FunctionType) and obj.__code__.co_filename.startswith("<eligo "):
            return _function, _function_state(obj)
        kind = type(obj)
        slots = _SLOTS.get(kind)
        if slots is None and kind not in _SLOTS and dataclasses.is_dataclass(obj) and not isinstance(obj, type) \
                and not hasattr(obj, "__dict__") and kind.__module__.startswith("eligo."):
            slots = _slots(kind)
        if slots is not None:
            return _slotted, (kind, tuple(getter(obj) for getter in slots[0]))
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type) and hasattr(obj, "__dict__") \
                and kind.__module__.startswith("eligo."):
            names = {f.name for f in dataclasses.fields(obj)} | set(getattr(obj, "CACHED_ACROSS_PROCESSES", ()))
            cached = obj.__dict__.keys() - names
            if cached and all(isinstance(getattr(type(obj), k, None), cached_property) for k in cached):
                return _dataclass, (type(obj), {k: v for k, v in obj.__dict__.items() if k in names})
        return NotImplemented


def _function_state(function: types.FunctionType) -> tuple[Any, ...]:
    """A generated function's code, and its module's: the other generated functions and the constants."""
    from eligo.python.evaluator import namespace

    base = namespace({})
    scope = function.__globals__
    # the functions of this module share its namespace; a generated function of another module (a fallback
    # evaluator given as a constant) is a constant, stored with its own module's
    functions = {n: (marshal.dumps(f.__code__), f.__defaults__) for n, f in scope.items()
                 if isinstance(f, types.FunctionType) and f.__globals__ is scope}
    constants = {n: v for n, v in scope.items() if n not in base and n not in functions and n != "__builtins__"}
    return function.__name__, functions, constants


def _function(name: str, functions: dict[str, tuple[bytes, tuple[Any, ...] | None]],
              constants: dict[str, Any]) -> types.FunctionType:
    from eligo.python.evaluator import namespace

    scope = namespace(constants)
    for function, (code, defaults) in functions.items():
        scope[function] = types.FunctionType(marshal.loads(code), scope, function, defaults)
    made = scope[name]
    assert isinstance(made, types.FunctionType)
    return made


def dumps(value: Any) -> bytes:
    """`value` pickled as entries are (generated functions as code; Eligo's dataclasses as their fields)."""
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


Slots = tuple[tuple[Callable[[Any], Any], ...], tuple[Callable[[Any, Any], None], ...]]
_SLOTS: dict[type, Slots | None] = {}


def _slots(cls: type) -> Slots | None:
    """How the fields of a slotted dataclass of Eligo's are read and set: its slots' own descriptors (setting one
    is what `object.__setattr__` does for a frozen class, without finding the fields again per object as the
    class's `__setstate__` does: that was most of the time to read an entry's thousands of AST and IR nodes).
    None (pickled as usual) if a field is not a plain slot."""
    if cls not in _SLOTS:
        found = [getattr(cls, f.name, None) for f in dataclasses.fields(cls)]
        descriptors = [d for d in found if isinstance(d, types.MemberDescriptorType)]
        _SLOTS[cls] = (tuple(d.__get__ for d in descriptors), tuple(d.__set__ for d in descriptors)) \
            if len(descriptors) == len(found) else None
    return _SLOTS[cls]


def _slotted(cls: type, values: tuple[Any, ...]) -> Any:
    slots = _slots(cls)
    assert slots is not None, cls
    made: Any = object.__new__(cls)
    for setter, value in zip(slots[1], values, strict=True):
        setter(made, value)
    return made


def _dataclass(cls: type, state: dict[str, Any]) -> Any:
    made: Any = object.__new__(cls)
    for name, value in state.items():
        object.__setattr__(made, name, value)
    return made
