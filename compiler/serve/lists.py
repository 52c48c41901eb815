"""Lists of records from FHIR: one record per matching resource, each field read from an element or an extension.

A field the resource does not hold is unknown (None), never false; so is a code the binding's map does not name
(a lymph node the map cannot call regional or distant): one lesion the binding cannot place must not make the others
unreadable, and the card names it. A malformed value (a boolean that is not one, a quantity with no number or in a
unit the binding does not list, a date that is not a FHIR date) is a problem at its place, as for a single value.
Whether the list is complete is the binding's to say: what a record holds is "at least these" unless the binding
declares it complete.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eligo.serve.bindings import UCUM, Binding, Coding, Field
from eligo.serve.record import Entry, Problem, Record, codes_of

UCUM_SYSTEM = "http://unitsofmeasure.org"


@dataclass(frozen=True, slots=True)
class Read:
    """A list input as read from the record: its records, whether it is complete, and what is not known."""

    records: tuple[dict[str, object], ...]
    complete: bool
    unknown: tuple[str, ...]  # `treatable of BodyStructure/t2`: a field the resource does not hold
    unmapped: tuple[str, ...] = ()  # `organ of BodyStructure/n1 (location SNOMED CT 59441001)`: codes not mapped
    doubtful: tuple[str, ...] = ()  # resources that may or may not belong (a partial date across the window)

    @property
    def value(self) -> object:
        """As a JSON case holds it: an array, or `{"at_least": [...]}` when more may exist."""
        records = [dict(r) for r in self.records]
        return records if self.complete else {"at_least": records}

    def why(self) -> str:
        """What keeps the list from settling the guideline, in words for a card ('' when nothing does)."""
        parts = []
        if not self.complete:
            parts.append(f"{len(self.records)} found, at least these: the record is not known to hold every one")
        if self.doubtful:
            parts.append("may or may not be in the window: " + ", ".join(self.doubtful))
        if self.unknown:
            parts.append("not recorded: " + ", ".join(self.unknown))
        if self.unmapped:
            parts.append("codes the binding does not map: " + ", ".join(self.unmapped))
        return "; ".join(parts)


def read_records(binding: Binding, entries: Sequence[Entry], record: Record, problems: list[Problem],
                 doubtful: Sequence[Entry] = ()) -> Read:
    """One record per entry, in the record's order; `doubtful` entries are left out and make the list incomplete."""
    records: list[dict[str, object]] = []
    unknown: list[str] = []
    unmapped: list[str] = []
    for entry in entries:
        element: dict[str, object] = {}
        for found in binding.each or ():
            try:
                value = read_field(found, binding.resource, entry, record, problems)
            except Unmapped as exc:
                value = None
                unmapped.append(f"{found.name} of {entry.label} ({exc})")
            else:
                if value is None:
                    unknown.append(f"{found.name} of {entry.label}")
            element[found.name] = value
        records.append(element)
    return Read(tuple(records), bool(binding.complete) and not doubtful, tuple(unknown), tuple(unmapped),
                tuple(e.label for e in doubtful))


class Unmapped(Exception):
    """A coded field whose codes the binding's map does not name (or names as different values); the message says
    which codes."""


def _extension(entry: Entry, url: str) -> tuple[dict[str, Any] | None, str]:
    extensions = entry.resource.get("extension")
    for i, item in enumerate(extensions if isinstance(extensions, list) else ()):
        if isinstance(item, dict) and item.get("url") == url:
            return item, f"{entry.location}.extension[{i}]"
    return None, entry.location


def read_field(found: Field, resource: str, entry: Entry, record: Record, problems: list[Problem]) -> object:
    """One field of one record: its value as a case holds it, or None when the resource does not hold it (Unmapped
    when it holds codes the binding does not map)."""
    holder: dict[str, Any] | None = entry.resource
    where = entry.location
    if found.extension is not None:
        holder, where = _extension(entry, found.extension)
    raw = holder.get(found.value) if holder is not None else None
    if raw is None:
        return None
    where = f"{where}.{found.value}"
    yields = found.yields(resource)
    if yields == "coding":
        return _code(found, raw)
    if yields == "boolean":
        if not isinstance(raw, bool):
            problems.append(Problem(where, "is not true or false"))
            return None
        return raw
    if yields == "integer":
        if not isinstance(raw, int) or isinstance(raw, bool):
            problems.append(Problem(where, "is not a whole number"))
            return None
        return raw
    if yields == "quantity":
        return _quantity(found, raw, where, problems)
    when = record.date(where, raw, found.value)  # a date: a malformed one is a problem, a partial one unknown
    return when.day.isoformat() if when is not None and when.day is not None else None


def _code(found: Field, raw: object) -> object:
    """A CodeableConcept (or a list of them, or a Coding) mapped to the field's value through the binding's map."""
    concepts = raw if isinstance(raw, list) else [raw]
    tokens: set[str] = set()
    for concept in concepts:
        if isinstance(concept, dict) and "coding" not in concept and "code" in concept:
            tokens.add(f"{concept.get('system')}|{concept.get('code')}")  # a Coding (valueCoding)
        else:
            tokens |= codes_of(concept)
    mapping = dict(found.map)
    hits = {repr(mapping[t]): mapping[t] for t in sorted(tokens) if t in mapping}
    if not hits:
        shown = ", ".join(_describe(t) for t in sorted(tokens)) or "no code"
        raise Unmapped(f"{found.value} {shown}")
    if len(hits) > 1:
        raise Unmapped(f"{found.value} codes for different values: {', '.join(map(str, hits.values()))}")
    return next(iter(hits.values()))


def _describe(token: str) -> str:
    system, _, code = token.rpartition("|")
    return Coding(system, code).describe()


def _quantity(found: Field, raw: object, where: str, problems: list[Problem]) -> object:
    number = raw.get("value") if isinstance(raw, dict) else None
    if not isinstance(number, int | float) or isinstance(number, bool):
        problems.append(Problem(where, "has no numeric value"))
        return None
    assert isinstance(raw, dict)
    code = raw.get("code") if raw.get("system") == UCUM_SYSTEM else raw.get("unit")
    if code not in found.units:
        problems.append(Problem(where, f"is in {code!r}, but {found.name} is read in UCUM {', '.join(found.units)}"))
        return None
    return {"value": float(number), "unit": UCUM[str(code)]}
