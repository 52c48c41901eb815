"""The class-index function: which class of values (eligo.ir.domains) each input of a case falls in, written as
Python source, and the walk of a decision diagram over those classes (eligo.compiled.diagram).

`find(c)` reads each input the diagram tests once, `c.get(name)`, and gives its class index: 0 when the case does
not hold it (missing is one more class), else 1 + the index of its class. A yes/no or a kind is looked up in a
table of its values; a number, quantity or date is placed among the input's static cut points by bisection:
`bisect_left + bisect_right` is its *fine* class (2i below cut i, 2i + 1 at it), which a table maps to its class
(None where no value of the declared type and range falls). Two dates read only as the time between them are one
variable: `months_between` (or `days_between`) of the two, placed among the months the guideline compares that
time with; 0 if either date is missing. The walk then follows the diagram to its leaf. A value
the tables do not hold (a kind's unknown value, a fine class with no value, a value of another type) raises inside
`find`, which then returns None: the runtime refinement answers such a case.
"""

from __future__ import annotations

import builtins
import datetime as dt
import math
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from eligo.ir.domains import Pair
from eligo.python.evaluator import compile_source
from eligo.python.source import SourceWriter

CAUGHT = ("KeyError", "TypeError", "AttributeError", "ValueError", "OverflowError")  # what a value the tables do
# not hold raises (an unhashable or unknown kind value, None in a fine class, a date that is not one)


def write(reads: Sequence[tuple[str | Pair, Mapping[object, int] | tuple[Sequence[object], Sequence[int | None]]]],
          root: object) -> tuple[Callable[[Mapping[str, Any]], Any], str]:
    """`find(c)` and its source, for the inputs `reads` (per input: its name and either a table of its values'
    class indices, or its sorted cut points and the class index of each fine class; per pair of dates, the months
    or days the time between them is compared with and the class of each fine class of that time) and the diagram
    `root`: a leaf, or a split `(input position in reads, children by class index)`."""
    out = SourceWriter()
    out.consts.update(ROOT=root, bl=bisect_left, br=bisect_right, tuple=tuple,
                      **{name: getattr(builtins, name) for name in CAUGHT})
    with out.block("try:"):
        for position, (name, table) in enumerate(reads):
            if isinstance(name, Pair):  # the class of the time between two dates; 0 if either is missing
                assert isinstance(table, tuple)
                thresholds, fine = table
                out.consts[f"T{position}"], out.consts[f"F{position}"] = tuple(thresholds), tuple(fine)
                out.emit(f"v, w = c.get({name.start!r}), c.get({name.end!r})")
                between = "months_between" if name.unit == "months" else "days_between"
                with out.block("if v is None or w is None:"):
                    out.emit(f"x{position} = 0")
                with out.block("else:"):
                    out.emit(f"t = {between}(v, w)")
                    out.emit(f"x{position} = F{position}[bl(T{position}, t) + br(T{position}, t)]")
                continue
            out.emit(f"v = c.get({name!r})")
            if isinstance(table, tuple):
                cuts, fine = table
                chain = _chain(cuts, fine, out)
                doubled = _doubled(cuts)
                out.consts[f"F{position}"] = tuple(fine)
                if chain is not None:  # a few comparisons with the cut points
                    out.emit(f"x{position} = 0 if v is None else {chain}")
                elif doubled is not None:  # each cut and the next value after it: one bisection finds the fine class
                    out.consts[f"D{position}"] = doubled
                    out.emit(f"x{position} = 0 if v is None else F{position}[br(D{position}, v)]")
                else:
                    out.consts[f"C{position}"] = tuple(cuts)
                    out.emit(f"x{position} = 0 if v is None else F{position}[bl(C{position}, v) + br(C{position}, v)]")
            else:
                out.consts[f"M{position}"] = {None: 0, **table}  # missing is class 0
                out.emit(f"x{position} = M{position}[v]")
        out.emit(f"ks = ({''.join(f'x{p}, ' for p in range(len(reads)))})")
        out.emit("node = ROOT")
        with out.block("while node.__class__ is tuple:"):
            out.emit("node = node[1][ks[node[0]]]")
        out.emit("return node")
    with out.block(f"except ({', '.join(CAUGHT)}):"):  # a value outside the tables: the runtime answers
        out.emit("return None")
    source = "\n".join(["def find(c):", *out.lines]) + "\n"
    return compile_source(source, out.consts, "classes", "find"), source


def _doubled(cuts: Sequence[object]) -> tuple[object, ...] | None:
    """Each cut point followed by the least value above it (the next float, the next day), so that
    `bisect_right(doubled, v)` is v's fine class (2i below cut i, 2i + 1 at it); None if one has no next value."""
    out: list[object] = []
    for cut in cuts:
        if isinstance(cut, float) or (isinstance(cut, int) and not isinstance(cut, bool)):
            after: object = math.nextafter(float(cut), math.inf)
        elif isinstance(cut, dt.date) and not isinstance(cut, dt.datetime) and cut < dt.date.max:
            after = cut + dt.timedelta(days=1)
        else:
            return None
        out += [cut, after]
    return tuple(out)


MAX_CHAIN = 4  # classes of a number written as a chain of comparisons at most; beyond, a bisection


def _chain(cuts: Sequence[object], fine: Sequence[int | None], out: SourceWriter) -> str | None:
    """The class of `v` as a chain of comparisons with the cut points (`1 if v <= 12.0 else 2`), where the fine
    classes fall in at most MAX_CHAIN runs of one class; None otherwise."""
    runs: list[tuple[int | None, int]] = []  # (class, last fine class of the run)
    for f, k in enumerate(fine):
        if runs and runs[-1][0] == k:
            runs[-1] = (k, f)
        else:
            runs.append((k, f))
    if len(runs) > MAX_CHAIN:
        return None
    parts = []
    for k, last in runs[:-1]:
        cut = out.const(cuts[last // 2])
        parts.append(f"{k} if v {'<=' if last % 2 else '<'} {cut} else ")
    return "".join(parts) + str(runs[-1][0])
