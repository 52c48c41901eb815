"""A result's trace: the traced evaluator's records made into Step objects on first use.

The traced evaluator (eligo.python.traced) records `(site, value, operands)` per condition, or the Step itself
where its site's memo has one for those operands; the Steps left to make are made here when the trace is first
read, from the sites' text, span, decision, rule and units, and kept in the memo of their site for the next case.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast, overload

from eligo.compiled import result as results
from eligo.dsl.ast import Span

MEMO_STEPS = 256  # trace Steps kept per site for reuse (a site of counts or dates may see many)
Step = results.Step
Site = tuple[str, str, Span, "str | None", "str | None", "tuple[str | None, ...]"]
Memo = tuple[dict[object, object], "tuple[int, ...] | None"] | None
TraceSites = tuple[list[Site], list[Memo]]  # per site: what its Steps show, and its memo (None: none)


class Trace(Sequence[results.Step]):
    """A result's trace. The evaluator records (site, value, operands) per condition; the Step objects are
    made from them on first use, so that recording a full trace stays cheaper than the evaluation."""

    __slots__ = ("_raw", "_sites", "_steps")

    def __init__(self, sites: TraceSites, raw: list[Any]) -> None:
        self._sites: TraceSites | None = sites
        self._raw = raw
        self._steps: tuple[results.Step, ...] | None = None

    def steps(self) -> tuple[results.Step, ...]:
        if self._steps is None:
            sites, memos = cast(TraceSites, self._sites)
            made: list[Any] = []
            append = made.append
            record: Any
            for record in self._raw:  # this loop is the cost of a trace: keep it lean (no call it can do without)
                if record.__class__ is Step:  # recorded as a Step made before (eligo.python.traced's memos)
                    append(record)
                    continue
                site = record[0]
                step = _StepSlots()
                step.kind, step.text, step.span, step.decision, step.rule, step.units = sites[site]
                _, step.value, step.operands = record
                step.__class__ = Step  # type: ignore[assignment]
                memo = memos[site]
                if memo is not None and len(memo[0]) < MEMO_STEPS:  # Steps are immutable: this one serves again
                    memo[0][_memo_key(record, memo[1])] = step
                append(step)
            self._steps = tuple(made)
            self._sites, self._raw = None, []
        return self._steps

    @overload
    def __getitem__(self, index: int) -> results.Step: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[results.Step, ...]: ...
    def __getitem__(self, index: int | slice) -> results.Step | tuple[results.Step, ...]:
        return self.steps()[index]

    def __len__(self) -> int:
        return len(self._raw) if self._steps is None else len(self._steps)

    def __iter__(self) -> Iterator[results.Step]:
        return iter(self.steps())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and self.steps() == tuple(other)

    def __hash__(self) -> int:
        return hash(self.steps())

    def __repr__(self) -> str:
        return repr(self.steps())

    def __reduce__(self) -> tuple[type, tuple[tuple[results.Step, ...]]]:
        return tuple, (self.steps(),)


def _memo_key(record: tuple[int, object, tuple[object, ...]], key: tuple[int, ...] | None) -> object:
    """What the traced evaluator looks a record's Step up by: its value (key None), else the operands at `key`."""
    if key is None:
        return record[1]
    if len(key) == 1:
        return record[2][key[0]]
    return tuple(record[2][i] for i in key) if key else 0


class _StepSlots:
    """A Step's slots, assignable. A frozen dataclass's __init__ pays object.__setattr__ per field, more than
    the evaluation of a condition; a trace's Steps are filled in here and then made Steps (the same layout)."""

    __slots__ = results.Step.__slots__
    kind: str
    text: str
    span: Span
    value: object
    operands: tuple[object, ...]
    decision: str | None
    rule: str | None
    units: tuple[str | None, ...]
