"""The resources of one request, read once and checked: the type each prefetch key holds, the patient, whether
a resource counts as a fact of the record (status), its codes and its clinically relevant date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eligo.serve.bindings import CODE_ELEMENT, DATES, Coding
from eligo.serve.fhirdate import FhirDateError, Period, period

_FINAL = {"final", "amended", "corrected"}


@dataclass(frozen=True, slots=True)
class Problem:
    """A request the service refuses: where (a FHIRPath-like location in the request) and why."""

    location: str
    message: str


_KIND = {"issued": "instant", "birthDate": "date"}  # every other date element bindings read is a dateTime
_REFUTED = frozenset({"http://terminology.hl7.org/CodeSystem/condition-ver-status|refuted",
                      "http://terminology.hl7.org/CodeSystem/condition-ver-status|entered-in-error"})


_PATHS = {kind: tuple((path, tuple(path.split("."))) for path in paths) for kind, paths in DATES.items()}


def get(resource: dict[str, Any], parts: tuple[str, ...]) -> object:
    value: object = resource
    for part in parts:
        value = value.get(part) if isinstance(value, dict) else None  # JSON objects: dicts, never another Mapping
    return value


def codes_of(concept: object) -> frozenset[str]:
    if not isinstance(concept, dict):
        return frozenset()
    codings = concept.get("coding")
    return frozenset(f"{c.get('system')}|{c.get('code')}" for c in codings if isinstance(c, dict)) \
        if isinstance(codings, list) else frozenset()


def _counts(resource: dict[str, Any]) -> bool:
    """Whether a resource is a fact of the record: final results, completed procedures, conditions not refuted,
    tumours still active."""
    kind = resource.get("resourceType")
    status = resource.get("status")
    if kind == "Observation":
        return isinstance(status, str) and status in _FINAL
    if kind == "Procedure":
        return status == "completed"
    if kind == "Condition":
        return not (codes_of(resource.get("verificationStatus")) & _REFUTED)
    if kind == "BodyStructure":
        return resource.get("active") is not False  # a tumour no longer there (removed) is not a lesion now
    return True


def refers(resource: dict[str, Any], url: str, targets: set[str]) -> bool:
    """Whether an extension `url` of the resource refers (valueReference, relative or absolute) to one of `targets`
    (`Condition/abc`)."""
    extensions = resource.get("extension")
    for item in extensions if isinstance(extensions, list) else ():
        reference = get(item, ("valueReference", "reference")) if isinstance(item, dict) and item.get("url") == url \
            else None
        if isinstance(reference, str) and any(reference == t or reference.endswith("/" + t) for t in targets):
            return True
    return False


def is_active(resource: dict[str, Any]) -> bool:
    status = {t.rpartition("|")[2] for t in codes_of(resource.get("clinicalStatus"))}
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
            element = "patient" if "patient" in resource and "subject" not in resource else "subject"
            subject = get(resource, (element, "reference"))
            if kind != "Patient" and subject not in (None, f"Patient/{self.patient_id}"):
                self.problems.append(Problem(f"{location}.{element}", "refers to a different patient from context.patientId"))
                continue
            out.append(Entry(location, resource, codes_of(resource.get(CODE_ELEMENT.get(kind, "code"))),
                             _counts(resource),
                             self._when(location, resource, kind)))
        return out

    def _when(self, location: str, resource: dict[str, Any], kind: str) -> Period | None:
        for path, parts in _PATHS.get(kind, ()):
            value = get(resource, parts)
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
