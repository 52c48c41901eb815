"""From FHIR resources to a case: prefetch keys and queries per binding, instance selection, units, problems."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eligo.ir import units
from eligo.serve.bindings import DATES, UCUM, Binding, Coding, Event

UCUM_SYSTEM = "http://unitsofmeasure.org"
_QUERY_EXTRAS = {"Observation": "&_sort=-date&_count=100", "Procedure": "&_count=100", "Condition": "&_count=100"}
_FINAL = {"final", "amended", "corrected"}


@dataclass(frozen=True, slots=True)
class Problem:
    """A request the service refuses: where (a FHIRPath-like location in the request) and why."""

    location: str
    message: str


@dataclass
class Extracted:
    case: dict[str, object] = field(default_factory=dict)
    found: dict[str, str] = field(default_factory=dict)  # input -> "Observation/abc, 2025-03-01"
    problems: list[Problem] = field(default_factory=list)


def query(resource: str, codes: tuple[Coding, ...]) -> str:
    """The prefetch template of a binding or an event: a search by patient and code, sorted and bounded."""
    if resource == "Patient":
        return "Patient/{{context.patientId}}"
    tokens = ",".join(c.token for c in codes)
    return f"{resource}?patient={{{{context.patientId}}}}&code={tokens}{_QUERY_EXTRAS.get(resource, '')}"


def prefetch_keys(bindings: Mapping[str, Binding], events: Mapping[str, Event]) -> dict[str, str]:
    """Key -> template for everything the bindings read; one key per distinct query, `patient` always."""
    keys = {"patient": query("Patient", ())}
    used_events = {n for b in bindings.values() for n in (b.before, b.after, b.change_over) if n}
    wanted = [(b.resource, b.codes) for b in bindings.values()] + \
             [(events[n].resource, events[n].codes) for n in sorted(used_events) if n in events]
    for resource, codes in wanted:
        template = query(resource, codes)
        if template in keys.values():
            continue
        base = f"{resource.lower()}-{codes[0].code}" if codes else resource.lower()
        key, n = base, 2
        while key in keys:
            key, n = f"{base}-{n}", n + 1
        keys[key] = template
    return keys


def key_of(keys: Mapping[str, str], resource: str, codes: tuple[Coding, ...]) -> str:
    template = query(resource, codes)
    return next(k for k, t in keys.items() if t == template)


# ------------------------------------------------------------------ reading resources
def fhir_date(value: object) -> dt.date | None:
    """The calendar day of a FHIR date or dateTime; None for partial dates (a year, a month) or nonsense."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _get(resource: Mapping[str, Any], path: str) -> object:
    value: object = resource
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def clinical_date(resource: Mapping[str, Any]) -> dt.date | None:
    for path in DATES.get(str(resource.get("resourceType")), ()):
        if (day := fhir_date(_get(resource, path))) is not None:
            return day
    return None


def _codes(concept: object) -> set[str]:
    if not isinstance(concept, Mapping):
        return set()
    codings = concept.get("coding")
    return {f"{c.get('system')}|{c.get('code')}" for c in codings if isinstance(c, Mapping)} \
        if isinstance(codings, list) else set()


def _counts(resource: Mapping[str, Any]) -> bool:
    """Whether a resource is a fact of the record: final results, completed procedures, conditions not refuted."""
    kind = resource.get("resourceType")
    status = resource.get("status")
    if kind == "Observation":
        return isinstance(status, str) and status in _FINAL
    if kind == "Procedure":
        return status == "completed"
    if kind == "Condition":
        bad = {"http://terminology.hl7.org/CodeSystem/condition-ver-status|refuted",
               "http://terminology.hl7.org/CodeSystem/condition-ver-status|entered-in-error"}
        return not (_codes(resource.get("verificationStatus")) & bad)
    return True


def _active(resource: Mapping[str, Any]) -> bool:
    status = {t.rpartition("|")[2] for t in _codes(resource.get("clinicalStatus"))}
    return not status or bool(status & {"active", "recurrence", "relapse"})


class Record:
    """The resources of one request by prefetch key, checked against the resource type each key asks for."""

    def __init__(self, patient_id: str, data: Mapping[str, object], keys: Mapping[str, str]) -> None:
        self.patient_id = patient_id
        self.resources: dict[str, list[tuple[str, dict[str, Any]]]] = {}  # key -> (location, resource)
        self.problems: list[Problem] = []
        self.events: dict[str, dt.date | None] = {}  # event name -> its date in this record, found once
        for key, value in data.items():
            if key not in keys:
                continue  # a key this service did not ask for: ignored, as the specification allows
            self.resources[key] = self._read(key, value, keys[key].split("?")[0].split("/")[0])

    def _read(self, key: str, value: object, wanted: str) -> list[tuple[str, dict[str, Any]]]:
        where = f"prefetch.{key}"
        if value is None:
            return []
        if not isinstance(value, dict):
            self.problems.append(Problem(where, "is not a FHIR resource or Bundle"))
            return []
        items: list[tuple[str, object]] = [(where, value)]
        if value.get("resourceType") == "Bundle":
            entries = value.get("entry") or []
            if not isinstance(entries, list):
                self.problems.append(Problem(f"{where}.entry", "is not a list"))
                return []
            items = [(f"{where}.entry[{i}].resource", e.get("resource") if isinstance(e, dict) else None)
                     for i, e in enumerate(entries)]
        out = []
        for location, resource in items:
            if not isinstance(resource, dict):
                self.problems.append(Problem(location, "is not a FHIR resource"))
                continue
            kind = resource.get("resourceType")
            if kind == "OperationOutcome" and location == where:
                return []  # the client could not fetch it (CDS Hooks 2.0): as if not sent
            if kind != wanted:
                self.problems.append(Problem(f"{location}.resourceType", f"is {kind!r}, but this key holds {wanted} resources"))
                continue
            subject = _get(resource, "subject.reference") or _get(resource, "patient.reference")
            if kind == "Patient" and resource.get("id") not in (None, self.patient_id):
                self.problems.append(Problem(f"{location}.id", "is a different patient from context.patientId"))
                continue
            if kind != "Patient" and subject not in (None, f"Patient/{self.patient_id}"):
                self.problems.append(Problem(f"{location}.subject", "refers to a different patient from context.patientId"))
                continue
            out.append((location, resource))
        return out

    def matching(self, key: str, codes: tuple[Coding, ...]) -> list[tuple[str, dict[str, Any]]]:
        tokens = _tokens(codes)
        return [(loc, r) for loc, r in self.resources.get(key, [])
                if (not tokens or not tokens.isdisjoint(_codes(r.get("code")))) and _counts(r)]


@functools.cache
def _tokens(codes: tuple[Coding, ...]) -> frozenset[str]:
    return frozenset(c.token for c in codes)


def _pick(found: list[tuple[str, dict[str, Any]]], select: str) -> tuple[str, dict[str, Any]] | None:
    dated = [(d, loc, r) for loc, r in found if (d := clinical_date(r)) is not None]
    if not dated:
        return None
    chosen = (max if select == "latest" else min)(dated, key=lambda item: item[0])
    return chosen[1], chosen[2]


def _records(n: int, resource: str) -> str:
    return f"from {n} {resource} record{'s' * (n != 1)}"


def _label(resource: Mapping[str, Any]) -> str:
    day = clinical_date(resource)
    return f"{resource.get('resourceType')}/{resource.get('id', '?')}" + (f", {day.isoformat()}" if day else "")


class Extractor:
    """Maps the resources of one request to case values through a guideline's bindings (made once per service)."""

    def __init__(self, bindings: Mapping[str, Binding], events: Mapping[str, Event], keys: Mapping[str, str]) -> None:
        self.bindings = bindings
        self.events = events
        self.keys = keys
        self.key = {name: key_of(keys, b.resource, b.codes) for name, b in bindings.items()}
        used = {n for b in bindings.values() for n in (b.before, b.after, b.change_over) if n and n in events}
        self.event_key = {n: key_of(keys, events[n].resource, events[n].codes) for n in used}

    def event_date(self, record: Record, name: str) -> dt.date | None:
        if name not in record.events:
            event = self.events[name]
            picked = _pick(record.matching(self.event_key[name], event.codes), event.select)
            record.events[name] = clinical_date(picked[1]) if picked else None
        return record.events[name]

    def extract(self, record: Record, today: dt.date) -> Extracted:
        out = Extracted(problems=list(record.problems))
        for name, binding in self.bindings.items():
            key = self.key[name]
            found = record.resources.get(key, []) if binding.resource == "Patient" else record.matching(key, binding.codes)
            found = self._window(record, binding, found, today)
            value = self._value(record, binding, found, out)
            if value is not None:
                out.case[name] = value
        return out

    def _window(self, record: Record, binding: Binding, found: list[tuple[str, dict[str, Any]]],
                today: dt.date) -> list[tuple[str, dict[str, Any]]]:
        if binding.within_months is not None:
            start = today - dt.timedelta(days=binding.within_months * units.DAYS_PER_MONTH)
            found = [(loc, r) for loc, r in found if (d := clinical_date(r)) is not None and d >= start]
        for name, after in ((binding.before, False), (binding.after, True)):
            if name is None:
                continue
            day = self.event_date(record, name)
            if day is None:
                return []
            found = [(loc, r) for loc, r in found
                     if (d := clinical_date(r)) is not None and (d > day if after else d < day)]
        return found

    def _value(self, record: Record, binding: Binding, found: list[tuple[str, dict[str, Any]]],
               out: Extracted) -> object:
        yields = binding.yields
        if yields == "count":
            active = [(loc, r) for loc, r in found if _active(r)]
            if binding.value == "distinct bodySite":
                sites = [_codes(site[0]) if isinstance(site := r.get("bodySite"), list) and site else set()
                         for _, r in active]
                if not active or any(not s for s in sites):
                    return None  # a site not coded: the count is not known
                distinct = len({min(s) for s in sites})
                out.found[binding.input] = _records(len(active), binding.resource)
                return distinct
            if not active:
                return None  # no record is not zero: absence is not evidence
            out.found[binding.input] = _records(len(active), binding.resource)
            return len(active)
        if yields == "present":
            if not found:
                return None  # no record is not a no
            out.found[binding.input] = _label(found[0][1])
            return True
        if binding.change_over is not None:
            return self._change(self.event_date(record, binding.change_over), binding, found, out)
        picked = found[0] if binding.resource == "Patient" and found else _pick(found, binding.select)
        if picked is None:
            return None
        location, resource = picked
        if yields == "quantity":
            value = self._quantity(binding, location, resource, out)
            if value is None:
                return None
            number, unit = value
            result: object = {"value": number, "unit": unit}
        elif yields == "date":
            result = day.isoformat() if (day := fhir_date(resource.get(binding.value))) else None
        elif yields == "integer":
            raw = resource.get("valueInteger")
            result = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
        elif yields == "boolean":
            raw = resource.get("valueBoolean")
            result = raw if isinstance(raw, bool) else None
        else:  # coding
            mapping = dict(binding.map)
            hits = [mapping[t] for t in _codes(resource.get("valueCodeableConcept")) if t in mapping]
            if not hits:
                out.problems.append(Problem(f"{location}.valueCodeableConcept",
                                            f"has no code this binding knows ({', '.join(mapping)})"))
                return None
            result = hits[0]
        if result is not None:
            out.found[binding.input] = _label(resource)
        return result

    def _quantity(self, binding: Binding, location: str, resource: Mapping[str, Any],
                  out: Extracted) -> tuple[float, str] | None:
        quantity = resource.get("valueQuantity")
        if not isinstance(quantity, Mapping) or not isinstance(quantity.get("value"), int | float) \
                or isinstance(quantity.get("value"), bool):
            out.problems.append(Problem(f"{location}.valueQuantity", "has no numeric value"))
            return None
        code = quantity.get("code") if quantity.get("system") == UCUM_SYSTEM else quantity.get("unit")
        if code not in binding.units:
            out.problems.append(Problem(f"{location}.valueQuantity", f"is in {code!r}, but {binding.input} is read in "
                                        f"UCUM {', '.join(binding.units)}"))
            return None
        return float(quantity["value"]), UCUM[str(code)]

    def _change(self, day: dt.date | None, binding: Binding, found: list[tuple[str, dict[str, Any]]],
                out: Extracted) -> object:
        """Percent change from the latest value before the event (`day`) to the latest on or after it."""
        if day is None:
            return None
        before = _pick([(loc, r) for loc, r in found if (d := clinical_date(r)) is not None and d < day], "latest")
        after = _pick([(loc, r) for loc, r in found if (d := clinical_date(r)) is not None and d >= day], "latest")
        if before is None or after is None:
            return None
        first, last = (self._quantity(binding, loc, r, out) for loc, r in (before, after))
        if first is None or last is None:
            return None
        (v0, u0), (v1, u1) = first, last
        f0, f1 = (units.UNITS[u].factor for u in (u0, u1))
        if v0 == 0:
            return None
        out.found[binding.input] = f"{_label(before[1])} → {_label(after[1])}"
        return {"value": round((v1 * f1 - v0 * f0) / (v0 * f0) * 100, 4), "unit": "%"}
