"""Units as dimensions: which units exist, how they convert, and the canonical unit of each.

Durations are held in months: 1 year = 12 months, 1 month = 30.4375 days (365.25 / 12),
1 week = 7 days. Lengths are held in millimetres. Other quantities convert only to themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True, slots=True)
class Unit:
    name: str
    dimension: str
    factor: float  # multiply a value in this unit by `factor` to get the canonical unit

    @property
    def canonical(self) -> str:
        return CANONICAL[self.dimension]


CANONICAL = {
    "duration": "months",
    "length": "mm",
    "percent": "%",
    "concentration_u": "U/mL",
    "concentration_ng": "ng/mL",
    "mass": "kg",
    "volume": "mL",
}

_UNITS = [
    Unit("days", "duration", 1 / DAYS_PER_MONTH),
    Unit("weeks", "duration", 7 / DAYS_PER_MONTH),
    Unit("months", "duration", 1.0),
    Unit("years", "duration", 12.0),
    Unit("mm", "length", 1.0),
    Unit("cm", "length", 10.0),
    Unit("m", "length", 1000.0),
    Unit("%", "percent", 1.0),
    Unit("U/mL", "concentration_u", 1.0),
    Unit("kU/L", "concentration_u", 1.0),
    Unit("ng/mL", "concentration_ng", 1.0),
    Unit("µg/L", "concentration_ng", 1.0),
    Unit("ug/L", "concentration_ng", 1.0),
    Unit("kg", "mass", 1.0),
    Unit("g", "mass", 0.001),
    Unit("mL", "volume", 1.0),
    Unit("L", "volume", 1000.0),
]
_SINGULAR = {"day": "days", "week": "weeks", "month": "months", "year": "years", "percent": "%"}

UNITS: dict[str, Unit] = {u.name: u for u in _UNITS}


def lookup(name: str) -> Unit | None:
    """The unit called `name` (singular duration names accepted), or None."""
    return UNITS.get(_SINGULAR.get(name, name))


def names() -> list[str]:
    return [*UNITS, *_SINGULAR]


DURATION_UNITS = ("days", "weeks", "months", "years")
