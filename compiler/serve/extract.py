"""From FHIR resources to a case: prefetch keys and queries per binding, instance selection, units, problems."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from eligo.ir import units
from eligo.serve.bindings import CODE_ELEMENT, UCUM, Binding, Coding, Event
from eligo.serve.lists import UCUM_SYSTEM, Read, read_records
from eligo.serve.record import Entry, Problem, Record, Unsure, codes_of, is_active, refers, tokens

_QUERY_EXTRAS = {"Observation": "&_sort=-date&_count=100", "Procedure": "&_count=100", "Condition": "&_count=100",
                 "BodyStructure": "&_count=100"}


@dataclass
class Extracted:
    case: dict[str, object] = field(default_factory=dict)
    found: dict[str, str] = field(default_factory=dict)  # input -> "Observation/abc, 2025-03-01"
    problems: list[Problem] = field(default_factory=list)
    unsure: dict[str, str] = field(default_factory=dict)  # input -> why the record does not settle it (partial dates)
    lists: dict[str, Read] = field(default_factory=dict)  # list input -> its records as read, and what is not known


def query(resource: str, codes: tuple[Coding, ...]) -> str:
    """The prefetch template of a binding or an event: a search by patient and code (every resource of the type
    when no code is given), sorted and bounded."""
    if resource == "Patient":
        return "Patient/{{context.patientId}}"
    search = f"&{CODE_ELEMENT.get(resource, 'code')}={','.join(c.token for c in codes)}" if codes else ""
    return f"{resource}?patient={{{{context.patientId}}}}{search}{_QUERY_EXTRAS.get(resource, '')}"


def prefetch_keys(bindings: Mapping[str, Binding], events: Mapping[str, Event]) -> dict[str, str]:
    """Key -> template for everything the bindings read; one key per distinct query, `patient` always."""
    keys = {"patient": query("Patient", ())}
    used_events = {n for b in bindings.values() for n in (b.before, b.after, b.change_over) if n}
    wanted = [(b.resource, b.search_codes) for b in bindings.values()] + \
             [(b.related.resource, b.related.codes) for b in bindings.values() if b.related is not None] + \
             [(events[n].resource, events[n].codes) for n in sorted(used_events) if n in events]
    for resource, codes in wanted:
        template = query(resource, codes)
        if template in keys.values():
            continue
        base = f"{resource.lower()}-{re.sub(r'[^A-Za-z0-9._-]', '-', codes[0].code)}" if codes else resource.lower()
        key, n = base, 2
        while key in keys:
            key, n = f"{base}-{n}", n + 1
        keys[key] = template
    return keys


def key_of(keys: Mapping[str, str], resource: str, codes: tuple[Coding, ...]) -> str:
    template = query(resource, codes)
    return next(k for k, t in keys.items() if t == template)


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
        self.key = {name: key_of(keys, b.resource, b.search_codes) for name, b in bindings.items()}
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
            if binding.each is not None:
                if binding.related is not None:
                    found = self._related(record, binding, key)
                self._list(record, binding, found, today, out)
                continue
            try:
                value = self._value(record, binding, self._window(record, binding, found, today), out)
            except Unsure as exc:
                out.unsure[name] = str(exc)
                continue
            if value is not None:
                out.case[name] = value
        out.problems[:0] = record.problems
        return out

    def _related(self, record: Record, binding: Binding, key: str) -> list[Entry]:
        """The resources under `key` that count and are coded as the binding says, or whose extension refers to a
        resource of the record coded as `related` says (that counts, and for a Condition is active)."""
        related = binding.related
        assert related is not None
        targets = [e for e in record.matching(key_of(self.keys, related.resource, related.codes), tokens(related.codes))
                   if related.resource != "Condition" or is_active(e.resource)]
        ids = {f"{related.resource}/{e.resource.get('id')}" for e in targets}
        wanted = tokens(binding.codes)
        return [e for e in record.matching(key, frozenset())
                if not wanted.isdisjoint(e.codes) or refers(e.resource, related.extension, ids)]

    def _list(self, record: Record, binding: Binding, found: list[Entry], today: dt.date, out: Extracted) -> None:
        """A list input: one record per resource (conditions still active); one whose date leaves it unsure whether
        it is within the look-back window is left out, and the list is then at least the others."""
        found = [e for e in found if binding.resource != "Condition" or is_active(e.resource)]
        doubtful: list[Entry] = []
        if binding.within_months is not None:
            start = today - dt.timedelta(days=binding.within_months * units.DAYS_PER_MONTH)
            doubtful = [e for e in found if e.when is None or e.when.start < start <= e.when.end]
            found = [e for e in found if e.when is not None and e.when.start >= start]
        if not found and not doubtful and not binding.complete:
            return  # nothing recorded is not "no lesions": the input stays missing
        read = read_records(binding, found, record, out.problems, doubtful)
        out.case[binding.input] = read.value
        out.lists[binding.input] = read
        if found:
            out.found[binding.input] = _records(len(found), binding.resource) + ": " + ", ".join(e.label for e in found)

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
            active = [e for e in found if is_active(e.resource)]
            if binding.value == "distinct bodySite":
                sites = [codes_of(site[0]) if isinstance(site := e.resource.get("bodySite"), list) and site else frozenset()
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
            hits = [mapping[t] for t in codes_of(resource.get("valueCodeableConcept")) if t in mapping]
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
