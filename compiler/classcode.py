"""The code of the methods `dataclasses` writes for Eligo's classes, compiled once per interpreter and read back by
later processes: compiling those methods (`__init__`, `__eq__`, `__hash__`, `__repr__`, a frozen class's
`__setattr__`, for about a hundred classes) was a third of the time to import Eligo's AST and IR.

`install` has `dataclasses` execute, for a class of an `eligo` module, the code compiled from the very source text
it wrote, taken from a table read from the cache directory (eligo.kb.cache's folder, one table per interpreter);
a text not in the table is compiled as `exec` compiles it, and the table is written again, whole, when the process
ends. A code is found by its whole source text, so a table can lack entries but never be stale; one that cannot be
read (absent, torn, from elsewhere) is as good as empty. Classes of other packages are left to `exec` as before.
"""

from __future__ import annotations

import builtins
import contextlib
import marshal
import os
import sys
import zlib
from types import CodeType
from typing import Any

ENV_DIR, ENV_OFF = "ELIGO_CACHE_DIR", "ELIGO_NO_CACHE"
MAGIC = b"eligo-classcode 1\n"
MAX_ENTRIES = 4000  # beyond it, a table keeps only what its last writer used
_TABLE = f"dataclasses-{sys.implementation.cache_tag}-{'.'.join(map(str, sys.version_info[:3]))}.marshal"


def folder() -> str | None:
    """The cache directory as the environment names it (`$ELIGO_CACHE_DIR`, else `$XDG_CACHE_HOME/eligo`, else
    `~/.cache/eligo`), or None when `ELIGO_NO_CACHE` turns the cache off."""
    if os.environ.get(ENV_OFF, "") not in ("", "0"):
        return None
    if os.environ.get(ENV_DIR):
        return os.environ[ENV_DIR]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "eligo")


class Table:
    """Compiled method code by source text: what was read, what this process used, what it compiled anew."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.codes: dict[str, CodeType] = read(path) if path is not None else {}
        self.used: set[str] = set()
        self.added: dict[str, CodeType] = {}

    def exec(self, source: Any, globals: Any = None, locals: Any = None) -> None:
        """`exec` as `dataclasses` calls it; the code of an `eligo` class's method from the table."""
        if isinstance(source, str) and isinstance(globals, dict) \
                and str(globals.get("__name__", "")).startswith("eligo."):
            code = self.codes.get(source)
            if code is None:
                code = self.added.get(source)
            if code is None:  # `dataclasses` has no __future__ imports: neither does the code it compiles
                code = self.added[source] = compile(source, "<string>", "exec", dont_inherit=True)
            self.used.add(source)
            source = code
        builtins.exec(source, globals, locals)

    def save(self) -> bool:
        """Write the table again if this process compiled anything new; False if nothing was written."""
        if not self.added or self.path is None:
            return False
        codes = {**self.codes, **self.added}
        if len(codes) > MAX_ENTRIES:
            codes = {text: code for text, code in codes.items() if text in self.used}
        return write(self.path, codes)


def read(path: str) -> dict[str, CodeType]:
    """The table stored at `path`, or an empty one if it is absent or not whole and sound."""
    try:
        with open(path, "rb") as stream:
            raw = stream.read()
    except OSError:
        return {}
    head = len(MAGIC) + 8
    if not raw.startswith(MAGIC) or raw[len(MAGIC):head] != b"%08x" % zlib.crc32(raw[head:]):
        return {}
    try:
        table = marshal.loads(raw[head:])
    except (ValueError, EOFError, TypeError):
        return {}
    if not isinstance(table, dict) or not all(isinstance(k, str) and isinstance(v, CodeType) for k, v in table.items()):
        return {}
    return table


def write(path: str, codes: dict[str, CodeType]) -> bool:
    """Store `codes` whole at `path`: a temporary file beside it, renamed into place (a reader sees one whole table
    or another); False if it cannot be written (the cache is an optimisation, never a failure)."""
    payload = marshal.dumps(codes)
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temporary, "wb") as stream:
            stream.write(MAGIC + b"%08x" % zlib.crc32(payload) + payload)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return False
    return True


_installed: Table | None = None


def install() -> Table | None:
    """Have `dataclasses` take the code of Eligo's classes' methods from the table (once per process; nothing when
    the cache is off). The table is written when the process ends."""
    global _installed
    if _installed is not None:
        return _installed
    where = folder()
    if where is None:
        return None
    import atexit
    import dataclasses

    table = _installed = Table(os.path.join(where, _TABLE))
    dataclasses.exec = table.exec  # type: ignore[attr-defined]  # the name its generated methods are exec'd by
    atexit.register(table.save)
    return table
