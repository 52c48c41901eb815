"""Writing Python source: indented lines, blocks with their scopes of bound inputs, temporaries and constants.

The plumbing under eligo.python.codegen's handlers: a handler emits lines into the current block and returns
the name or literal that holds its value. A constant enters the source as a literal through `repr` when it
is a plain one, else by a name the generated module's namespace binds (`consts`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager

from eligo import ir

DEPTH_BUDGET = 60  # block nesting the generator opens; Python allows 100 levels of indentation


class SourceWriter:
    """The lines of one function being written, its open blocks and the constants it names."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 1
        self.scopes: list[dict[str, str]] = [{}]  # per open block: input key -> local name
        self.consts: dict[str, object] = {}
        self.counter = itertools.count()

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    @contextmanager
    def block(self, header: str) -> Iterator[None]:
        self.emit(header)
        self.depth += 1
        self.scopes.append({})
        try:
            yield
        finally:
            self.scopes.pop()
            self.depth -= 1

    @property
    def deep(self) -> bool:
        """Whether no more blocks may be opened: conditions are then computed without them."""
        return self.depth >= DEPTH_BUDGET

    def bound(self, key: str) -> str | None:
        for scope in reversed(self.scopes):
            if key in scope:
                return scope[key]
        return None

    def tmp(self) -> str:
        return f"t{next(self.counter)}"

    def assign(self, value: str) -> str:
        if value.isidentifier() or literal(value):
            return value
        name = self.tmp()
        self.emit(f"{name} = {value}")
        return name

    def const(self, value: object) -> str:
        if value is ir.NA:
            return "NA"
        if value is None or isinstance(value, (bool, str)) or (isinstance(value, int) and abs(value) < 1 << 62):
            return repr(value)
        if isinstance(value, float) and value == value and value not in (float("inf"), float("-inf")):
            return repr(value)
        return self.named(value)

    def named(self, value: object) -> str:
        name = f"k{len(self.consts)}"
        self.consts[name] = value
        return name

    def bit(self, index: int) -> str:
        """Rule `index`'s bit in a mask: a literal while short, else computed (long literals are slow to write)."""
        return str(1 << index) if index < 62 else f"(1 << {index})"


def literal(text: str) -> bool:
    """Whether `text` is a literal of generated source (a temporary need not hold it).

    >>> literal("'renal'"), literal("2.5"), literal("NA"), literal("t3")
    (True, True, True, False)
    """
    return text in ("None", "True", "False", "NA") or (text[:1] in "'\"" and text[-1:] == text[:1]) or \
        text.replace(".", "", 1).replace("-", "", 1).replace("e", "", 1).isdigit()
