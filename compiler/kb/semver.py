"""Semantic versions and the constraints `use` accepts: ^1.0, ~1.2, >=1.0, <2.0.0, =1.0.0, 1.0.0."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

_CONSTRAINT = re.compile(r"^(\^|~|>=|<=|>|<|=)?(\d+)(?:\.(\d+))?(?:\.(\d+))?$")


@total_ordering
@dataclass(frozen=True, slots=True)
class Version:
    major: int
    minor: int
    patch: int

    @classmethod
    def parse(cls, text: str) -> Version:
        major, minor, patch = (int(part) for part in text.split("."))
        return cls(major, minor, patch)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return (self.major, self.minor, self.patch) < (other.major, other.minor, other.patch)

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"


@dataclass(frozen=True, slots=True)
class Constraint:
    """A half-open version interval [low, high) with the text it was written as.

    `^1.2` admits 1.2.0 up to (not including) 2.0.0; `^0.3` admits 0.3.x; `~1.2` admits 1.2.x;
    a bare `1.2` is the same as `^1.2`; `=1.2.3` admits only 1.2.3.
    """

    text: str
    low: Version
    high: Version | None
    include_low: bool = True

    @classmethod
    def parse(cls, text: str | None) -> Constraint:
        if text is None:
            return cls("*", Version(0, 0, 0), None)
        match = _CONSTRAINT.match(text.strip())
        if match is None:
            raise ValueError(f"not a version constraint: {text!r}")
        op, major_s, minor_s, patch_s = match.groups()
        major, minor, patch = int(major_s), int(minor_s or 0), int(patch_s or 0)
        version = Version(major, minor, patch)
        exact_parts = 3 if patch_s is not None else 2 if minor_s is not None else 1
        match op:
            case "=":
                return cls(text, version, Version(major, minor, patch + 1))
            case ">=":
                return cls(text, version, None)
            case ">":
                return cls(text, version, None, include_low=False)
            case "<":
                return cls(text, Version(0, 0, 0), version)
            case "<=":
                return cls(text, Version(0, 0, 0), Version(major, minor, patch + 1))
            case "~":
                high = Version(major + 1, 0, 0) if exact_parts == 1 else Version(major, minor + 1, 0)
                return cls(text, version, high)
            case _:  # caret, or a bare version
                if major > 0 or exact_parts == 1:
                    return cls(text, version, Version(major + 1, 0, 0))
                if minor > 0 or exact_parts == 2:
                    return cls(text, version, Version(0, minor + 1, 0))
                return cls(text, version, Version(0, 0, patch + 1))

    def admits(self, version: Version) -> bool:
        above = version >= self.low if self.include_low else version > self.low
        return above and (self.high is None or version < self.high)

    def intersect(self, other: Constraint) -> Constraint | None:
        """The constraint both admit, or None when they cannot both hold."""
        if (self.low, not self.include_low) >= (other.low, not other.include_low):
            low, include = self.low, self.include_low
        else:
            low, include = other.low, other.include_low
        highs = [h for h in (self.high, other.high) if h is not None]
        high = min(highs) if highs else None
        if high is not None and (low > high or (low == high)):
            return None
        return Constraint(f"{self.text}, {other.text}", low, high, include)
