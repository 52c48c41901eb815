"""The types the checker assigns to expressions, and how a type is spoken of in messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from eligo.ir.units import DIMENSIONS

TypeKind = Literal["bool", "number", "quantity", "date", "enum", "text", "none", "error", "set", "list"]


@dataclass(frozen=True, slots=True)
class Type:
    kind: TypeKind
    dimension: str | None = None  # quantities: duration, percent, length, concentration_u, …
    name: str | None = None  # enumerations and decision outcomes: the kind or decision id
    values: tuple[str, ...] = field(default=(), compare=False)
    integer: bool = field(default=False, compare=False)
    ratio: bool = field(default=False, compare=False)  # a number from `/`: compares with a percentage (50% is 0.5)
    fields: tuple[tuple[str, Type], ...] = field(default=(), compare=False)  # a list's records: field name, type

    def describe(self) -> str:
        match self.kind:
            case "bool":
                return "yes/no"
            case "number":
                return "a count" if self.integer else "a number"
            case "quantity":
                return DIMENSIONS.get(self.dimension or "", f"a quantity ({self.dimension})")
            case "date":
                return "a date"
            case "enum":
                return f"a value of `{(self.name or '').split(':')[-1]}`"
            case "text":
                return "a text"
            case "none":
                return "none"
            case "set":
                return "a set of outcomes"
            case "list":
                return f"a list of `{(self.name or '').split(':')[-1]}`"
            case _:
                return "an invalid value"

    def compatible(self, other: Type) -> bool:
        """Whether values of the two types can be compared with each other."""
        if "error" in (self.kind, other.kind) or "none" in (self.kind, other.kind):
            return True
        if self.kind != other.kind:
            return False
        if self.kind == "quantity":
            return self.dimension == other.dimension
        if self.kind == "enum":
            return self.name == other.name
        return True

    def percent_and_ratio(self, other: Type) -> bool:
        """Whether one is a percentage and the other a ratio (`(before - after) / before`), compared as fractions."""
        return any(a.kind == "quantity" and a.dimension == "percent" and b.kind == "number" and b.ratio
                   for a, b in ((self, other), (other, self)))


BOOL = Type("bool")
NUMBER = Type("number")
COUNT = Type("number", integer=True)
DATE = Type("date")
TEXT = Type("text")
NONE = Type("none")
ERROR = Type("error")
DURATION = Type("quantity", "duration")
PERCENT = Type("quantity", "percent")
RATIO = Type("number", ratio=True)


def quantity(dimension: str) -> Type:
    return Type("quantity", dimension)


def enum(name: str, values: tuple[str, ...]) -> Type:
    return Type("enum", name=name, values=values)


def list_of(record: str, fields: tuple[tuple[str, Type], ...]) -> Type:
    """A list of records (`list of lesion`): `record` is the record's global key."""
    return Type("list", name=record, fields=fields)
