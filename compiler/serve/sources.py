"""Where each input comes from, in words: one plain-English line per binding, for the docs site and for cards."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from eligo.serve.bindings import Binding, Coding, Event, Field
from eligo.serve.knowledge import KnowledgeBase, events_of, input_bindings


def _codes_text(codes: tuple[Coding, ...]) -> str:
    if len(codes) <= 3:
        return " or ".join(c.describe() for c in codes)
    return " or ".join(c.describe() for c in codes[:2]) + f" (and {len(codes) - 2} more codes)"


def describe(binding: Binding, events: Mapping[str, Event] | None = None) -> str:
    """One plain-English line saying where the input comes from in the record.

    >>> describe(Binding("x", "Observation", (Coding("http://loinc.org", "24108-3"),), "valueQuantity", units=("U/mL",)))
    'The latest Observation coded LOINC 24108-3, its valueQuantity (UCUM U/mL)'
    """
    subject = f"{binding.resource} coded {_codes_text(binding.codes)}" if binding.codes else f"the {binding.resource}"
    events = events or {}

    def event(name: str) -> str:
        found = events.get(name)
        return found.description if found and found.description else name.replace("_", " ")

    when = ""
    if binding.within_months is not None:
        when += f" within the last {binding.within_months:g} months"
    if binding.before:
        when += f" before {event(binding.before)}"
    if binding.after:
        when += f" after {event(binding.after)}"
    plural = f"{binding.resource}s coded {_codes_text(binding.codes)}"
    if binding.each is not None:
        fields = "; ".join(f"{f.name} from {_field_source(f)}" for f in binding.each)
        extent = "the record is declared to hold every one" if binding.complete else \
            "at least these: more may exist than the record holds"
        related, each = binding.related, subject if binding.codes else binding.resource
        if related is not None:
            each += f"{', or' if binding.codes else ''} whose extension {related.extension} refers to a " \
                    f"{related.resource} coded {_codes_text(related.codes)}"
        text = f"One record per {each}{when}: {fields or 'no field bound'} ({extent})"
    elif binding.change_over:
        text = (f"Percent change of the {subject} (UCUM {', '.join(binding.units)}) from the latest before "
                f"{event(binding.change_over)} to the latest since")
    elif binding.value == "count":
        text = f"The number of active {plural}{when}"
    elif binding.value == "distinct bodySite":
        text = f"The number of distinct body sites among active {plural}{when}"
    elif binding.value == "exists":
        text = f"Yes when a {subject} is recorded{when}; none recorded is not a no, so it is then asked"
    elif binding.resource == "Patient":
        text = f"The Patient's {binding.value}"
    else:
        unit = f" (UCUM {', '.join(binding.units)})" if binding.units else ""
        text = f"The {binding.select} {subject}{when}, its {binding.value}{unit}"
    return text


def _field_source(found: Field) -> str:
    """`its location` or `its extension http://…, valueBoolean`, for a field of a list binding."""
    if found.extension is not None:
        return f"its extension {found.extension} ({found.value})"
    return f"its {found.value}" + (f" (UCUM {', '.join(found.units)})" if found.units else "")


def fhir_sources(kb: KnowledgeBase, guideline: str, version: str) -> dict[str, str]:
    """For the docs site: per input of the guideline version, one line on its FHIR source (asked when unbound)."""
    bound = input_bindings(kb, guideline, version)
    events = events_of(kb, guideline, version)
    inputs = kb.guideline(guideline, version=version).inputs
    return {name: describe(bound[name], events) if name in bound else "Not in the record: the service asks for it"
            for name in inputs}


def iter_codes(bindings: dict[str, Binding]) -> Iterator[Coding]:
    for binding in bindings.values():
        yield from binding.codes
