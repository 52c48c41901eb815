"""Units as dimensions: which units exist (named as UCUM does), how they convert, and how a value is shown.

Each unit has one canonical spelling, UCUM's code where it is ASCII (`ng/mL`, `ug/L`, `10*9/L`), and
accepted spellings (`ng/ml`, `µg/L`, `×10⁹/L`) that mean the same; `display` is how a reader sees it.
Values are held in the canonical unit of their dimension: durations in months (1 year = 12 months,
1 month = 30.4375 days = 365.25 / 12, 1 week = 7 days), lengths in mm, mass concentrations in ng/mL,
and so on. Units convert only within a dimension: a molar concentration is not a mass concentration
without the molar mass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True, slots=True)
class Unit:
    name: str  # the canonical spelling in Eligo source
    dimension: str
    factor: float  # multiply a value in this unit by `factor` to get the canonical unit
    display: str = ""  # as a reader sees it, when it differs from `name`
    ucum: str = ""  # the UCUM code, when it differs from `name`

    @property
    def canonical(self) -> str:
        return CANONICAL[self.dimension]

    @property
    def shown(self) -> str:
        return self.display or self.name

    @property
    def code(self) -> str:
        """The UCUM code (Eligo's words for durations map onto d, wk, mo, a)."""
        return self.ucum or self.name


CANONICAL = {
    "duration": "months",
    "length": "mm",
    "area": "m2",
    "percent": "%",
    "concentration_u": "U/mL",
    "concentration_ng": "ng/mL",
    "concentration_mol": "umol/L",
    "filtration": "mL/min/{1.73_m2}",
    "cell_count": "10*9/L",
    "dose": "Gy",
    "mass": "kg",
    "volume": "mL",
}

DIMENSIONS = {  # how a dimension is spoken of in messages
    "duration": "a duration",
    "length": "a length",
    "area": "an area",
    "percent": "a percentage",
    "concentration_u": "a concentration in U/mL",
    "concentration_ng": "a concentration in ng/mL",
    "concentration_mol": "a molar concentration",
    "filtration": "a filtration rate",
    "cell_count": "a cell count",
    "dose": "a radiation dose",
    "mass": "a mass",
    "volume": "a volume",
}

_EGFR = ("mL/min/1.73m2", "mL/min/1.73_m2", "mL/min/1.73 m2", "mL/min/1.73m²", "mL/min/1.73 m²")
_UNITS: list[tuple[Unit, tuple[str, ...]]] = [
    (Unit("days", "duration", 1 / DAYS_PER_MONTH, ucum="d"), ("day",)),
    (Unit("weeks", "duration", 7 / DAYS_PER_MONTH, ucum="wk"), ("week",)),
    (Unit("months", "duration", 1.0, ucum="mo"), ("month",)),
    (Unit("years", "duration", 12.0, ucum="a"), ("year",)),
    (Unit("mm", "length", 1.0), ()),
    (Unit("cm", "length", 10.0), ()),
    (Unit("m", "length", 1000.0), ()),
    (Unit("m2", "area", 1.0, display="m²"), ("m²", "m^2")),
    (Unit("cm2", "area", 1e-4, display="cm²"), ("cm²", "cm^2")),
    (Unit("%", "percent", 1.0), ("percent",)),
    (Unit("U/mL", "concentration_u", 1.0), ("U/ml", "u/ml", "u/mL")),
    (Unit("kU/L", "concentration_u", 1.0), ("kU/l", "ku/l", "KU/L")),
    (Unit("U/L", "concentration_u", 0.001), ("U/l", "u/l")),
    (Unit("ng/mL", "concentration_ng", 1.0), ("ng/ml",)),
    (Unit("ug/L", "concentration_ng", 1.0, display="µg/L"), ("µg/L", "μg/L", "µg/l", "μg/l", "ug/l", "mcg/L")),
    (Unit("ng/L", "concentration_ng", 0.001), ("ng/l",)),
    (Unit("ug/mL", "concentration_ng", 1000.0, display="µg/mL"), ("µg/mL", "μg/mL", "µg/ml", "ug/ml", "mcg/mL")),
    (Unit("mg/L", "concentration_ng", 1000.0), ("mg/l",)),
    (Unit("mg/dL", "concentration_ng", 10_000.0), ("mg/dl",)),
    (Unit("g/L", "concentration_ng", 1e6), ("g/l",)),
    (Unit("g/dL", "concentration_ng", 1e7), ("g/dl",)),
    (Unit("umol/L", "concentration_mol", 1.0, display="µmol/L"), ("µmol/L", "μmol/L", "µmol/l", "umol/l")),
    (Unit("nmol/L", "concentration_mol", 0.001), ("nmol/l",)),
    (Unit("mmol/L", "concentration_mol", 1000.0), ("mmol/l",)),
    (Unit("mL/min/{1.73_m2}", "filtration", 1.0, display="mL/min/1.73 m²"),
     (*_EGFR, *(s.replace("mL", "ml") for s in _EGFR), "ml/min/{1.73_m2}")),
    (Unit("10*9/L", "cell_count", 1.0, display="×10⁹/L"), ("×10⁹/L", "x10^9/L", "10^9/L", "×10^9/L", "G/L")),
    (Unit("10*12/L", "cell_count", 1000.0, display="×10¹²/L"), ("×10¹²/L", "x10^12/L", "10^12/L", "×10^12/L", "T/L")),
    (Unit("Gy", "dose", 1.0), ("gy",)),
    (Unit("cGy", "dose", 0.01), ("cgy",)),
    (Unit("kg", "mass", 1.0), ()),
    (Unit("g", "mass", 0.001), ()),
    (Unit("mg", "mass", 1e-6), ()),
    (Unit("mL", "volume", 1.0), ("ml",)),
    (Unit("L", "volume", 1000.0), ("l",)),
]

_CANONICAL_UNITS: dict[str, Unit] = {u.name: u for u, _ in _UNITS}
_SPELLINGS: dict[str, Unit] = {spelling: u for u, spellings in _UNITS for spelling in spellings}
UNITS: dict[str, Unit] = {**_CANONICAL_UNITS, **_SPELLINGS}
"""Every unit by each of its spellings, canonical first."""
DURATION_UNITS = ("days", "weeks", "months", "years")


def lookup(name: str) -> Unit | None:
    """The unit called `name`, by its canonical or an accepted spelling, or None.

    >>> lookup("ng/ml").name, lookup("×10⁹/L").name, lookup("furlong")
    ('ng/mL', '10*9/L', None)
    """
    return UNITS.get(name)


def names() -> list[str]:
    """The canonical spellings, then the accepted ones."""
    return list(UNITS)


def canonical_names() -> list[str]:
    """The canonical spellings only (what a hint suggests)."""
    return list(_CANONICAL_UNITS)


def of_dimension(dimension: str) -> list[str]:
    """The canonical spellings of the units that convert into each other, e.g. for a hint."""
    return [u.name for u in _CANONICAL_UNITS.values() if u.dimension == dimension]


def show(value: float, unit: str | None) -> str:
    """A canonical value shown in the unit the author declared: `show(20.0, "cm")` is "2 cm", `show(50, "%")` is
    "50%", and a duration in months keeps its leftover days, so a threshold's neighbours stay apart.

    >>> show(20.0, "cm"), show(-50.0, "%"), show(28.0657, "months"), show(12.0, "months"), show(4.5, "10*9/L")
    ('2 cm', '-50%', '28 months 2 days', '12 months', '4.5 ×10⁹/L')
    """
    found = lookup(unit) if unit else None
    if found is None:
        return number(value)
    declared = value / found.factor
    if found.name == "months":
        whole = math.floor(declared + 1e-9)
        days = round((declared - whole) * DAYS_PER_MONTH)
        if days >= round(DAYS_PER_MONTH):
            whole, days = whole + 1, 0
        months = f"{whole} month" + ("" if whole == 1 else "s")
        return months + (f" {days} day" + ("" if days == 1 else "s") if days else "")
    text = number(declared)
    return f"{text}%" if found.name == "%" else f"{text} {found.shown}"


def show_range(low: float, high: float, unit: str | None) -> str:
    """Two canonical values as a range in the declared unit: `show_range(20, 50, "cm")` is "2 cm to 5 cm"."""
    return f"{show(low, unit)} to {show(high, unit)}"


def number(value: float) -> str:
    """At most four significant digits after rounding away float noise, without an exponent: 28.07, 100000, 0.5.

    >>> number(0.1 + 0.2), number(100000.0), number(2.0), number(1234.5678)
    ('0.3', '100000', '2', '1235')
    """
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    digits = max(4, 1 + math.floor(math.log10(abs(value))))
    rounded = Decimal(f"{value:.{digits}g}")
    text = format(rounded.normalize(), "f")
    return text.removesuffix(".0") if "." in text else text
