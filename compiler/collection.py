"""Python's cyclic garbage collector held off while Eligo compiles.

A compile allocates hundreds of thousands of small objects that live until it ends (syntax trees, IR nodes, the
generated source), and CPython's collector, counting allocations, walks all of them again and again, in a full
collection now and then: a third of the 1,000-rule compile (benchmarks/large.py). Held off, the compile's
cycles wait for the next collection after it, which finds the same garbage once.

`paused` nests and is safe across threads: the collector is turned off when the first compile starts and on
again when the last one ends, and only if it was on before. Other threads run without collections meanwhile,
for as long as a compile takes.

>>> import gc
>>> with paused():
...     gc.isenabled()
False
>>> gc.isenabled()
True
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

_lock = threading.Lock()
_depth = 0
_resume = False  # whether the collector was on when the first compile started

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def paused() -> Iterator[None]:
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()


def pausing(function: Callable[P, R]) -> Callable[P, R]:
    """`function`, run with the collector paused."""
    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with paused():
            return function(*args, **kwargs)
    return run
