"""Running checks over generated cases with hypothesis: one search, shrinking what fails.

A search draws samples (a case, values to fill in its missing inputs, and the changes each
relational property makes) and runs every check on each. At the first failure, that check
becomes the target and hypothesis shrinks the sample to a minimal one that still fails it; the
search then starts again without it, until a search of `max_examples` samples passes.
"""

from __future__ import annotations

import random
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample

from eligo.dsl.ast import Span
from eligo.verify import strategies
from eligo.verify.strategies import Case, Space


@dataclass(frozen=True)
class Sample:
    case: Case
    fill: Case  # values for inputs missing from `case`
    changes: tuple[Case, ...]  # per relational property, the inputs it changes (absent = made missing)


@dataclass(frozen=True)
class Violation:
    check: str
    code: str
    message: str
    span: Span
    case: Case
    other: Case | None = None
    hints: tuple[str, ...] = ()
    severity: str = "error"


@dataclass
class Stats:
    samples: int = 0
    applicable: dict[str, int] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)  # named events: rules holding, rules deciding

    def applied(self, check: str) -> None:
        self.applicable[check] = self.applicable.get(check, 0) + 1

    def saw(self, event: str) -> None:
        self.seen[event] = self.seen.get(event, 0) + 1


class Check(ABC):
    """One property, checked on a sample; `run` returns a violation or None and records what it tried."""

    id: str
    prop: str  # the property it belongs to

    @abstractmethod
    def run(self, sample: Sample, stats: Stats) -> Violation | None:
        """The violation this sample shows, or None."""


def sample_strategy(space: Space, fill_names: Sequence[str], varied: Sequence[tuple[Sequence[str], bool]]
                    ) -> st.SearchStrategy[Sample]:
    """Samples for these checks: `varied` gives, per relational property, the inputs it changes and
    whether a change may make them missing."""

    @st.composite
    def draw_sample(draw: st.DrawFn) -> Sample:
        case = strategies.draw_case(draw, space)
        missing = [n for n in fill_names if n not in case]
        fill = strategies.draw_fields(draw, space, missing, missing=False) if missing else {}
        changes = []
        for names, may_miss in varied:
            changed = strategies.draw_fields(draw, space, list(names), missing=may_miss)
            merged = {**{k: v for k, v in case.items() if k not in names}, **changed}
            tied = strategies.draw_tie(draw, merged, space.relations, names)
            changes.append({k: tied[k] for k in names if k in tied})
        return Sample(case, fill, tuple(changes))

    return draw_sample()


def search_settings(max_examples: int) -> settings:
    return settings(max_examples=max_examples, database=None, deadline=None, derandomize=False,
                    phases=(Phase.generate, Phase.shrink), suppress_health_check=list(HealthCheck),
                    verbosity=Verbosity.quiet, print_blob=False, report_multiple_bugs=False)


def seed_for(seed: int, *parts: str) -> random.Random:
    return random.Random(zlib.crc32("\0".join((str(seed), *parts)).encode()))


class _Search:
    """The predicate of one search: all active checks until one fails, then only that one."""

    def __init__(self, checks: Sequence[Check]) -> None:
        self.checks = checks
        self.stats = Stats()
        self.target: Check | None = None

    def __call__(self, sample: Sample) -> bool:
        if self.target is not None:
            return self.target.run(sample, Stats()) is not None
        self.stats.samples += 1
        for check in self.checks:
            if check.run(sample, self.stats) is not None:
                self.target = check
                return True
        return False


def explore(strategy: st.SearchStrategy[Sample], checks: Sequence[Check], max_examples: int,
            rng: Callable[[], random.Random]) -> tuple[list[Violation], Stats]:
    """Every check that fails on some sample, each with a shrunk sample; and the statistics of the
    last, passing search."""
    failed: dict[str, Violation] = {}
    while True:
        search = _Search([c for c in checks if c.id not in failed])
        try:
            shrunk = find(strategy, search, settings=search_settings(max_examples), random=rng())
        except NoSuchExample:
            return list(failed.values()), search.stats
        assert search.target is not None
        violation = search.target.run(shrunk, Stats())
        failed[search.target.id] = violation or Violation(
            search.target.id, "V206", "the same patient gave different results when evaluated again", Span(
                "<verify>", 0, 0, 0, 0), shrunk.case)


def witness(strategy: st.SearchStrategy[Case], holds: Callable[[Case], bool], max_examples: int,
            rng: random.Random) -> Case | None:
    """A minimal case for which `holds`, or None if none of `max_examples` cases does."""
    try:
        found: Case = find(strategy, holds, settings=search_settings(max_examples), random=rng)
    except NoSuchExample:
        return None
    return found


def merged(case: Case, change: Case, names: Sequence[str]) -> dict[str, Any]:
    """`case` with `names` replaced by `change` (absent from `change` = missing)."""
    out = {k: v for k, v in case.items() if k not in names}
    out.update(change)
    return out
