"""From FHIR resources to a case: prefetch keys and queries per binding, instance selection, units, problems."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from eligo.ir import units
from eligo.serve.bindings import DATES, UCUM, Binding, Coding, Event
from eligo.serve.fhirdate import FhirDateError, Period, period

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
    unsure: dict[str, str] = field(default_factory=dict)  # input -> why the record does not settle it (partial dates)


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
_KIND = {"issued": "instant", "birthDate": "date"}  # every other date element bindings read is a dateTime
_REFUTED = frozenset({"http://terminology.hl7.org/CodeSystem/condition-ver-status|refuted",
                      "http://terminology.hl7.org/CodeSystem/condition-ver-status|entered-in-error"})


_PATHS = {kind: tuple((path, tuple(path.split("."))) for path in paths) for kind, paths in DATES.items()}


def _get(resource: dict[str, Any], parts: tuple[str, ...]) -> object:
    value: object = resource
    for part in parts:
        value = value.get(part) if isinstance(value, dict) else None  # JSON objects: dicts, never another Mapping
    return value


def _codes(concept: object) -> frozenset[str]:
    if not isinstance(concept, dict):
        return frozenset()
    codings = concept.get("coding")
    return frozenset(f"{c.get('system')}|{c.get('code')}" for c in codings if isinstance(c, dict)) \
        if isinstance(codings, list) else frozenset()


def _counts(resource: dict[str, Any]) -> bool:
    """Whether a resource is a fact of the record: final results, completed procedures, conditions not refuted."""
    kind = resource.get("resourceType")
    status = resource.get("status")
    if kind == "Observation":
        return isinstance(status, str) and status in _FINAL
    if kind == "Procedure":
        return status == "completed"
    if kind == "Condition":
        return not (_codes(resource.get("verificationStatus")) & _REFUTED)
    return True


def _active(resource: dict[str, Any]) -> bool:
    status = {t.rpartition("|")[2] for t in _codes(resource.get("clinicalStatus"))}
    return not status or bool(status & {"active", "recurrence", "relapse"})


@dataclass(slots=True)  # not frozen: made for every resource of every request, and frozen dataclasses init slower
class Entry:
    """One resource of the request with what selection needs, read once: its codes, whether it counts, its date."""

    location: str
    resource: dict[str, Any]
    codes: frozenset[str]
    counts: bool
    when: Period | None  # the clinically relevant date (bindings.DATES), None when the resource has none

    @property
    def label(self) -> str:
        day = f", {self.when.text[:10]}" if self.when is not None else ""
        return f"{self.resource.get('resourceType')}/{self.resource.get('id', '?')}{day}"


class Unsure(Exception):
    """The record holds the data but does not settle the input (a partial date); the message says why."""


class Record:
    """The resources of one request by prefetch key, checked against the resource type each key asks for."""

    def __init__(self, patient_id: str, data: Mapping[str, object], keys: Mapping[str, str]) -> None:
        self.patient_id = patient_id
        self.resources: dict[str, list[Entry]] = {}
        self.problems: list[Problem] = []
        self.events: dict[str, dt.date | Unsure | None] = {}  # event name -> its day in this record, found once
        for key, value in data.items():
            if key not in keys:
                continue  # a key this service did not ask for: ignored, as the specification allows
            self.resources[key] = self._read(key, value, keys[key].split("?")[0].split("/")[0])

    def _read(self, key: str, value: object, wanted: str) -> list[Entry]:
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
            if kind == "Patient" and resource.get("id") not in (None, self.patient_id):
                self.problems.append(Problem(f"{location}.id", "is a different patient from context.patientId"))
                continue
            subject = _get(resource, ("subject", "reference")) or _get(resource, ("patient", "reference"))
            if kind != "Patient" and subject not in (None, f"Patient/{self.patient_id}"):
                self.problems.append(Problem(f"{location}.subject", "refers to a different patient from context.patientId"))
                continue
            out.append(Entry(location, resource, _codes(resource.get("code")), _counts(resource),
                             self._when(location, resource, kind)))
        return out

    def _when(self, location: str, resource: dict[str, Any], kind: str) -> Period | None:
        for path, parts in _PATHS.get(kind, ()):
            value = _get(resource, parts)
            if value is not None:
                return self.date(f"{location}.{path}", value, path)
        return None

    def date(self, location: str, value: object, element: str) -> Period | None:
        """A date element read per the FHIR specification; a malformed one is a problem at its place."""
        try:
            return period(value, _KIND.get(element, "dateTime"))
        except FhirDateError as exc:
            self.problems.append(Problem(location, str(exc)))
            return None

    def matching(self, key: str, tokens: frozenset[str]) -> list[Entry]:
        """The entries under `key` that count as facts, coded with one of `tokens` (`system|code`; any if empty)."""
        return [e for e in self.resources.get(key, ()) if e.counts and (not tokens or not tokens.isdisjoint(e.codes))]


def tokens(codes: tuple[Coding, ...]) -> frozenset[str]:
    return frozenset(c.token for c in codes)


def _within(entries: list[Entry], low: dt.date | None, high: dt.date | None, what: str) -> list[Entry]:
    """The dated entries whose every day lies in [low, high]; Unsure when a partial date straddles a bound."""
    out = []
    for e in entries:
        if e.when is None:
            continue
        if (low is None or e.when.start >= low) and (high is None or e.when.end <= high):
            out.append(e)
        elif (low is None or e.when.end >= low) and (high is None or e.when.start <= high):
            raise Unsure(f"{e.label} is dated {e.when.text} only, which may or may not be {what}")
    return out


def _pick(found: list[Entry], select: str) -> Entry | None:
    """The latest (or earliest) dated entry; Unsure when a partial date leaves the order open."""
    dated = [e for e in found if e.when is not None]
    if not dated:
        return None
    if select == "latest":
        chosen = max(dated, key=lambda e: e.when.start if e.when else dt.date.min)
        rival = next((e for e in dated if e is not chosen and e.when and chosen.when and e.when.end > chosen.when.start), None)
    else:
        chosen = min(dated, key=lambda e: e.when.end if e.when else dt.date.max)
        rival = next((e for e in dated if e is not chosen and e.when and chosen.when and e.when.start < chosen.when.end), None)
    if rival is not None:
        partial = rival if rival.when and rival.when.day is None else chosen
        raise Unsure(f"which record is the {select} is not known: {partial.label} is dated "
                     f"{partial.when.text if partial.when else '?'} only")
    return chosen


def _records(n: int, resource: str) -> str:
    return f"from {n} {resource} record{'s' * (n != 1)}"


class Extractor:
    """Maps the resources of one request to case values through a guideline's bindings (made once per service)."""

    def __init__(self, bindings: Mapping[str, Binding], events: Mapping[str, Event], keys: Mapping[str, str]) -> None:
        self.bindings = bindings
        self.events = events
        self.keys = keys
        self.key = {name: key_of(keys, b.resource, b.codes) for name, b in bindings.items()}
        self.tokens = {name: tokens(b.codes) for name, b in bindings.items()}
        used = {n for b in bindings.values() for n in (b.before, b.after, b.change_over) if n and n in events}
        self.event_key = {n: key_of(keys, events[n].resource, events[n].codes) for n in used}
        self.event_tokens = {n: tokens(events[n].codes) for n in used}

    def event_words(self, name: str) -> str:
        """How cards name an event: its description (`the start of chemotherapy`), else its name in words."""
        event = self.events.get(name)
        return event.description if event is not None and event.description else name.replace("_", " ")

    def event_date(self, record: Record, name: str) -> dt.date | None:
        """The day of an event in this record (None: not recorded); Unsure when it is known only to the month."""
        if name not in record.events:
            event = self.events[name]
            try:
                picked = _pick(record.matching(self.event_key[name], self.event_tokens[name]), event.select)
                day = picked.when.day if picked and picked.when else None
                if picked and picked.when and day is None:
                    raise Unsure(f"{self.event_words(name)} is dated {picked.when.text} only")
                record.events[name] = day
            except Unsure as exc:
                record.events[name] = exc
        found = record.events[name]
        if isinstance(found, Unsure):
            raise found
        return found

    def extract(self, record: Record, today: dt.date) -> Extracted:
        out = Extracted()
        for name, binding in self.bindings.items():
            key = self.key[name]
            found = record.resources.get(key, []) if binding.resource == "Patient" else record.matching(key, self.tokens[name])
            try:
                value = self._value(record, binding, self._window(record, binding, found, today), out)
            except Unsure as exc:
                out.unsure[name] = str(exc)
                continue
            if value is not None:
                out.case[name] = value
        out.problems[:0] = record.problems
        return out

    def _window(self, record: Record, binding: Binding, found: list[Entry], today: dt.date) -> list[Entry]:
        if binding.within_months is not None:
            start = today - dt.timedelta(days=binding.within_months * units.DAYS_PER_MONTH)
            found = _within(found, start, None, f"within the last {binding.within_months:g} months")
        for name, after in ((binding.before, False), (binding.after, True)):
            if name is None:
                continue
            day = self.event_date(record, name)
            if day is None:
                return []
            what = f"{'after' if after else 'before'} {self.event_words(name)} ({day.isoformat()})"
            found = _within(found, day + dt.timedelta(days=1), None, what) if after else \
                _within(found, None, day - dt.timedelta(days=1), what)
        return found

    def _value(self, record: Record, binding: Binding, found: list[Entry], out: Extracted) -> object:
        yields = binding.yields
        if yields == "count":
            active = [e for e in found if _active(e.resource)]
            if binding.value == "distinct bodySite":
                sites = [_codes(site[0]) if isinstance(site := e.resource.get("bodySite"), list) and site else frozenset()
                         for e in active]
                if not active or any(not s for s in sites):
                    return None  # a site not coded: the count is not known
                out.found[binding.input] = _records(len(active), binding.resource)
                return len({min(s) for s in sites})
            if not active:
                return None  # no record is not zero: absence is not evidence
            out.found[binding.input] = _records(len(active), binding.resource)
            return len(active)
        if yields == "present":
            if not found:
                return None  # no record is not a no
            out.found[binding.input] = found[0].label
            return True
        if binding.change_over is not None:
            return self._change(self.event_date(record, binding.change_over), binding, found, out)
        picked = found[0] if binding.resource == "Patient" and found else _pick(found, binding.select)
        if picked is None:
            return None
        resource = picked.resource
        result: object
        if yields == "quantity":
            value = self._quantity(binding, picked, out)
            if value is None:
                return None
            result = {"value": value[0], "unit": value[1]}
        elif yields == "date":
            raw = resource.get(binding.value)
            when = record.date(f"{picked.location}.{binding.value}", raw, binding.value) if raw is not None else None
            if when is not None and when.day is None:
                raise Unsure(f"{picked.label} gives {binding.value} {when.text} only, not the day")
            result = when.day.isoformat() if when is not None and when.day is not None else None
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
                out.problems.append(Problem(f"{picked.location}.valueCodeableConcept",
                                            f"has no code this binding knows ({', '.join(mapping)})"))
                return None
            result = hits[0]
        if result is not None:
            out.found[binding.input] = picked.label
        return result

    def _quantity(self, binding: Binding, entry: Entry, out: Extracted) -> tuple[float, str] | None:
        quantity = entry.resource.get("valueQuantity")
        if not isinstance(quantity, dict) or not isinstance(quantity.get("value"), int | float) \
                or isinstance(quantity.get("value"), bool):
            out.problems.append(Problem(f"{entry.location}.valueQuantity", "has no numeric value"))
            return None
        code = quantity.get("code") if quantity.get("system") == UCUM_SYSTEM else quantity.get("unit")
        if code not in binding.units:
            out.problems.append(Problem(f"{entry.location}.valueQuantity", f"is in {code!r}, but {binding.input} is read "
                                        f"in UCUM {', '.join(binding.units)}"))
            return None
        return float(quantity["value"]), UCUM[str(code)]

    def _change(self, day: dt.date | None, binding: Binding, found: list[Entry], out: Extracted) -> object:
        """Percent change from the latest value before the event (`day`) to the latest on or after it."""
        if day is None:
            return None
        what = f"before {self.event_words(binding.change_over or '')} ({day.isoformat()})"
        before = _pick(_within(found, None, day - dt.timedelta(days=1), what), "latest")
        after = _pick(_within(found, day, None, "on or after " + what.removeprefix("before ")), "latest")
        if before is None or after is None:
            return None
        first, last = self._quantity(binding, before, out), self._quantity(binding, after, out)
        if first is None or last is None:
            return None
        (v0, u0), (v1, u1) = first, last
        f0, f1 = (units.UNITS[u].factor for u in (u0, u1))
        if v0 == 0:
            return None
        out.found[binding.input] = f"{before.label} → {after.label}"
        return {"value": round((v1 * f1 - v0 * f0) / (v0 * f0) * 100, 4), "unit": "%"}
