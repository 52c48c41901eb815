"""FHIR R4 `date`, `dateTime` and `instant` values as the days they may stand for, read per the specification.

A FHIR date may be partial: `2024` and `2024-05` are valid, and stand for every day of that year or month.
A `dateTime` with a time carries a time zone (the specification requires one); the day it names is the
calendar day written, in that zone: `2024-05-01T23:30:00-05:00` is 1 May where it was recorded, which is
the day a clinician reads in the record. So every value is read as a `Period` of days, a single day when
it is given to the day, and anything the specification does not allow is an error that says why.

>>> period("2024-05"), period("2024-05-01T23:30:00-05:00").day
(Period(start=datetime.date(2024, 5, 1), end=datetime.date(2024, 5, 31), text='2024-05'), datetime.date(2024, 5, 1))
>>> period("2024-02-30", "date")
Traceback (most recent call last):
...
eligo.serve.fhirdate.FhirDateError: `2024-02-30` is not a FHIR date: day is out of range for month
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

_YEAR = r"(?P<year>[0-9]{4})"
# R4's regular expressions (datatypes.html#primitive), with the parts named; seconds may be 60 (a leap second).
_DATE = re.compile(_YEAR + r"(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2}))?)?")
_DATETIME = re.compile(_YEAR + r"(?:-(?P<month>[0-9]{2})(?:-(?P<day>[0-9]{2})"
                       r"(?:T(?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?)(?P<zone>Z|[+-][0-9]{2}:[0-9]{2}))?)?)?")
_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?")
_ZONE = re.compile(r"Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)")
KINDS = ("date", "dateTime", "instant")


class FhirDateError(ValueError):
    """A value that is not a FHIR date, dateTime or instant; the message quotes it and says what is wrong."""


@dataclass(frozen=True, slots=True)
class Period:
    """The days a FHIR value may stand for, first and last included, and the value as written."""

    start: dt.date
    end: dt.date
    text: str

    @property
    def day(self) -> dt.date | None:
        """The one day it names, or None for a year or a month."""
        return self.start if self.start == self.end else None

    @property
    def precision(self) -> str:
        return "day" if self.start == self.end else ("month" if self.start.month == self.end.month else "year")


def period(value: object, kind: str = "dateTime") -> Period:
    """The days of a FHIR `date`, `dateTime` or `instant` (`kind`); FhirDateError when it is none of these."""
    if not isinstance(value, str):
        raise FhirDateError(f"{value!r} is not a FHIR {kind}: it is not a string")
    if kind != "instant" and len(value) == 10 and value[4] == value[7] == "-" and value.isascii() and value[0] != "0":
        try:  # the common case, a full date: fromisoformat checks the digits and the calendar
            whole = dt.date.fromisoformat(value)
            return Period(whole, whole, value)
        except ValueError:
            pass  # read below, for the message
    found = (_DATE if kind == "date" else _DATETIME).fullmatch(value)
    if found is None:
        raise FhirDateError(f"`{value}` is not a FHIR {kind}: {_expected(kind)}")
    year, month, day, time = found["year"], found["month"], found["day"], found.groupdict().get("time")
    if kind == "instant" and time is None:
        raise FhirDateError(f"`{value}` is not a FHIR instant: {_expected(kind)}")
    if time is not None and not _TIME.fullmatch(time):
        raise FhirDateError(f"`{value}` is not a FHIR {kind}: the time {time} is not hh:mm:ss on a 24-hour clock")
    if time is not None and not _ZONE.fullmatch(found["zone"]):
        raise FhirDateError(f"`{value}` is not a FHIR {kind}: the time zone {found['zone']} is not between -13:59 and +14:00")
    try:
        if year == "0000":
            raise ValueError("there is no year 0000")
        if month is None:
            return Period(dt.date(int(year), 1, 1), dt.date(int(year), 12, 31), value)
        if day is None:
            last = calendar.monthrange(int(year), int(month))[1] if 1 <= int(month) <= 12 else 0
            return Period(dt.date(int(year), int(month), 1), dt.date(int(year), int(month), last), value)
        first = dt.date(int(year), int(month), int(day))
    except ValueError as exc:
        raise FhirDateError(f"`{value}` is not a FHIR {kind}: {exc}") from exc
    return Period(first, first, value)


def _expected(kind: str) -> str:
    if kind == "date":
        return "write YYYY, YYYY-MM or YYYY-MM-DD (no time)"
    if kind == "instant":
        return "write YYYY-MM-DDThh:mm:ss with a time zone (Z or +hh:mm)"
    return "write YYYY, YYYY-MM, YYYY-MM-DD, or YYYY-MM-DDThh:mm:ss with a time zone (Z or +hh:mm)"
