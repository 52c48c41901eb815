"""FHIR bindings: the companion `<version>.fhir.yaml` of a guideline version, read with positions, and checked.

A binding says where one input comes from in a FHIR R4 record: the resource type, the codes that
select it, the element that holds the value, which instance counts (latest or earliest, within a
look-back window, before or after a dated event), and the UCUM units it may arrive in::

    inputs:
      ca19_9_change:
        resource: Observation
        profile: http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-tumor-marker-test
        code: [http://loinc.org|24108-3]
        value: valueQuantity
        units: [U/mL, kU/L]
        change_over: preoperative_chemotherapy   # latest before the event to latest after it, in %

A list input is bound to one record per matching resource, each field to an element or an extension's value;
what the record holds is "at least these" unless the binding says the record is complete (`complete: yes`)::

    lesions:
      resource: BodyStructure
      code: [http://terminology.hl7.org/CodeSystem/icd-o-3|8000/6]
      each:
        organ: {value: location, map: {http://snomed.info/sct|10200004: liver}}
        treatable: {extension: http://example.org/fhir/StructureDefinition/locally-treatable, value: valueBoolean}

`orders:` names, per decision, the draft order it is about (a ServiceRequest, MedicationRequest or DeviceRequest
and its codes); that decision then also answers the order-select and order-sign hooks::

    orders:
      simultaneous_resection: {resource: ServiceRequest, code: [http://snomed.info/sct|…], description: the resection}

Inputs without a binding (board judgements) are the questions the service asks. A module binds the inputs it
declares; a guideline may also rebind an input of a module it uses, more narrowly (the primary cancer's codes
for its own site): a guideline version sees its uses' bindings, then its own (`eligo.serve.knowledge`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from eligo.dsl.ast import NO_SPAN, Span
from eligo.dsl.diagnostics import Diagnostic, did_you_mean, error
from eligo.ir import units

SUFFIX = ".fhir.yaml"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
SYSTEMS = {
    LOINC: "LOINC", SNOMED: "SNOMED CT", "http://hl7.org/fhir/sid/icd-10": "ICD-10",
    "http://hl7.org/fhir/sid/icd-10-cm": "ICD-10-CM", "http://hl7.org/fhir/sid/icd-o-3": "ICD-O-3",
    "http://terminology.hl7.org/CodeSystem/icd-o-3": "ICD-O-3",
}
# The clinically relevant date of each resource type, first present element wins; the elements that hold values.
DATES = {
    "Observation": ("effectiveDateTime", "effectivePeriod.start", "issued"),
    "Condition": ("onsetDateTime", "onsetPeriod.start", "recordedDate"),
    "Procedure": ("performedDateTime", "performedPeriod.start"),
    "Patient": (),
    "BodyStructure": (),  # an mCODE Tumor is one tumour tracked over time: it carries no date of its own
}
VALUES: dict[str, dict[str, str]] = {  # element -> what it yields: quantity, integer, coding, boolean, date, count
    "Observation": {"valueQuantity": "quantity", "valueInteger": "integer", "valueCodeableConcept": "coding",
                    "valueBoolean": "boolean", "effectiveDateTime": "date", "count": "count"},
    "Condition": {"onsetDateTime": "date", "recordedDate": "date", "abatementDateTime": "date", "count": "count",
                  "distinct bodySite": "count", "exists": "present"},
    "Procedure": {"performedDateTime": "date", "count": "count", "exists": "present"},
    "Patient": {"deceasedDateTime": "date", "birthDate": "date"},
}
# UCUM code -> the Eligo unit it is (ir/units.py).
UCUM = {"U/mL": "U/mL", "kU/L": "kU/L", "ng/mL": "ng/mL", "ug/L": "µg/L", "%": "%", "mm": "mm", "cm": "cm",
        "m": "m", "kg": "kg", "g": "g", "mL": "mL", "L": "L", "d": "days", "wk": "weeks", "mo": "months", "a": "years"}
# A list input (`list of lesion`) is bound to one record per matching resource (`each:`), each field to an element
# of it or to the value of one of its extensions; the elements a field may read, and what they give.
FIELDS: dict[str, dict[str, str]] = {
    "BodyStructure": {"location": "coding", "locationQualifier": "coding", "morphology": "coding"},
    "Condition": {"bodySite": "coding", "code": "coding", "onsetDateTime": "date"},
    "Observation": {"valueQuantity": "quantity", "valueInteger": "integer", "valueBoolean": "boolean",
                    "valueCodeableConcept": "coding", "bodySite": "coding", "effectiveDateTime": "date"},
}
EXTENSION_VALUES = {"valueBoolean": "boolean", "valueCodeableConcept": "coding", "valueCoding": "coding",
                    "valueQuantity": "quantity", "valueInteger": "integer", "valueDateTime": "date", "valueDate": "date"}
CODE_ELEMENT = {"BodyStructure": "morphology"}  # the element (and search parameter) holding the selecting code
HOOKS = ("patient-view", "order-select", "order-sign", "encounter-start", "encounter-discharge")
ORDER_HOOKS = ("order-select", "order-sign")  # the services of a decision that `orders:` ties to what is ordered
# The order resources (R4) a draft order may be, and the element holding the code of what is ordered.
ORDER_CODE = {"ServiceRequest": "code", "MedicationRequest": "medicationCodeableConcept",
              "DeviceRequest": "codeCodeableConcept"}
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*([a-z]+)$")


@dataclass(frozen=True, slots=True)
class Coding:
    system: str
    code: str

    @property
    def token(self) -> str:
        return f"{self.system}|{self.code}"

    def describe(self) -> str:
        return f"{SYSTEMS.get(self.system, self.system)} {self.code}"


@dataclass(frozen=True, slots=True)
class Event:
    """A dated event bindings refer to (`before`, `after`, `change_over`): the first or last matching resource."""

    name: str
    resource: str
    codes: tuple[Coding, ...]
    select: str = "earliest"
    description: str | None = None
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Field:
    """Where one field of each record of a list input comes from in its resource: an element, or the value of an
    extension (`extension: URL`, `value: valueBoolean`). A field the resource does not hold is unknown."""

    name: str
    value: str
    extension: str | None = None
    units: tuple[str, ...] = ()
    map: tuple[tuple[str, object], ...] = ()
    description: str | None = None
    span: Span = field(default=NO_SPAN, compare=False)

    def yields(self, resource: str) -> str:
        table = EXTENSION_VALUES if self.extension is not None else FIELDS.get(resource, {})
        return table.get(self.value, "")


@dataclass(frozen=True, slots=True)
class Related:
    """A list binding's other way of selecting a resource: an extension of it refers to a resource of the record coded
    with one of `codes` (an mCODE Tumor's relatedCondition naming a Secondary Cancer Condition)."""

    extension: str
    resource: str
    codes: tuple[Coding, ...]
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass(frozen=True, slots=True)
class Binding:
    """Where one input comes from in the record."""

    input: str
    resource: str
    codes: tuple[Coding, ...]
    value: str
    select: str = "latest"
    within_months: float | None = None
    before: str | None = None
    after: str | None = None
    change_over: str | None = None
    units: tuple[str, ...] = ()
    map: tuple[tuple[str, object], ...] = ()
    profile: str | None = None
    description: str | None = None
    each: tuple[Field, ...] | None = None  # a list input: one record per matching resource, these fields from it
    complete: bool | None = None  # a list input: whether the record is declared to hold every one (None: not said)
    related: Related | None = None  # a list input: also the resources whose extension refers to such a resource
    span: Span = field(default=NO_SPAN, compare=False)

    @property
    def search_codes(self) -> tuple[Coding, ...]:
        """The codes its prefetch searches by: none when `related` may select resources whatever their code."""
        return () if self.related is not None else self.codes

    @property
    def yields(self) -> str:
        return VALUES.get(self.resource, {}).get(self.value, "")


@dataclass(frozen=True, slots=True)
class Order:
    """What a decision is about when it is ordered: a draft order of this type and code (order-sign, order-select)."""

    decision: str
    resource: str
    codes: tuple[Coding, ...]
    description: str | None = None
    span: Span = field(default=NO_SPAN, compare=False)


@dataclass
class BindingFile:
    path: str
    guideline: str
    version: str
    hook: str = "patient-view"
    inputs: dict[str, Binding] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    span: Span = NO_SPAN


# ------------------------------------------------------------------ reading YAML with positions
class _Reader:
    """Plain values from a composed YAML tree, with the span of every node kept for diagnostics."""

    def __init__(self, path: str, out: list[Diagnostic]) -> None:
        self.path = path
        self.out = out
        self.keys: dict[int, yaml.Node] = {}  # a value node's id -> its key node, to point at the name

    def key_span(self, node: yaml.Node) -> Span:
        return self.span(self.keys.get(id(node), node))

    def span(self, node: yaml.Node) -> Span:
        start, end = node.start_mark, node.end_mark
        return Span(self.path, start.line + 1, start.column + 1, end.line + 1, end.column + 1)

    def fail(self, node: yaml.Node, message: str, hint: str = "") -> None:
        self.out.append(error("E201", message, self.span(node), hint))

    def mapping(self, node: yaml.Node, where: str) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{where} must be a mapping of names to values")
            return None
        out = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                self.keys[id(value)] = key
                out[str(key.value)] = value
        return out

    def text(self, node: yaml.Node, where: str) -> str | None:
        if not isinstance(node, yaml.ScalarNode) or node.value == "":
            self.fail(node, f"{where} must be a single value")
            return None
        return str(node.value)

    def texts(self, node: yaml.Node, where: str) -> list[tuple[str, yaml.Node]]:
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        out = []
        for item in items:
            text = self.text(item, where)
            if text is not None:
                out.append((text, item))
        return out


def _codings(reader: _Reader, node: yaml.Node, where: str) -> tuple[Coding, ...]:
    codes = []
    for text, item in reader.texts(node, where):
        system, bar, code = text.rpartition("|")
        if not bar or not system or not code:
            reader.fail(item, f"{where}: `{text}` is not written `system|code`", "for example `http://loinc.org|24108-3`")
            continue
        codes.append(Coding(system, code))
        problem = coding_problem(system, code)
        if problem:
            reader.out.append(error("E202", f"{where}: {problem}", reader.span(item)))
    return tuple(codes)


def coding_problem(system: str, code: str) -> str:
    """Why `system|code` cannot be right, or an empty string: unknown systems, malformed LOINC codes
    (their last digit is a mod-10 check digit), SNOMED CT identifiers that are not digits.

    >>> coding_problem("http://loinc.org", "24108-3"), coding_problem("http://loinc.org", "24108-4")[:23]
    ('', 'LOINC 24108-4 is not a ')
    """
    if system not in SYSTEMS and not system.startswith(("http://", "https://", "urn:")):
        return f"`{system}` is not a code system URI (known: {', '.join(SYSTEMS)})"
    if system == LOINC and not code.startswith("LA") and not _loinc_ok(code):
        return f"LOINC {code} is not a valid LOINC code (digits, a hyphen and the mod-10 check digit)"
    if system == SNOMED and not code.isdigit():
        return f"SNOMED CT {code} is not a concept identifier (digits only)"
    return ""


def _loinc_ok(code: str) -> bool:
    body, hyphen, check = code.partition("-")
    if not (hyphen and body.isdigit() and check.isdigit() and len(check) == 1):
        return False
    digits = [int(c) for c in body]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return (10 - total % 10) % 10 == int(check)


def parse_months(text: str) -> float | None:
    """`18 months`, `2 years`, `90 days` as months, or None when it is not a duration."""
    found = _DURATION.match(text.strip())
    unit = units.lookup(found.group(2)) if found else None
    if found is None or unit is None or unit.dimension != "duration":
        return None
    return float(found.group(1)) * unit.factor


def _binding_fields(reader: _Reader, fields: dict[str, yaml.Node], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, node in fields.items():
        if key in ("resource", "value", "select", "before", "after", "change_over", "profile", "description"):
            out[key] = reader.text(node, f"{where}.{key}")
        elif key == "code":
            out["codes"] = _codings(reader, node, f"{where}.code")
        elif key == "units":
            out["units"] = tuple(t for t, _ in reader.texts(node, f"{where}.units"))
        elif key == "within":
            text = reader.text(node, f"{where}.within")
            months = parse_months(text) if text else None
            if text and months is None:
                reader.fail(node, f"{where}.within: `{text}` is not a duration", "write for example `6 months` or `90 days`")
            out["within_months"] = months
        elif key == "map":
            entries = reader.mapping(node, f"{where}.map") or {}
            out["map"] = tuple((k, _scalar(v)) for k, v in entries.items())
        else:
            known = ["resource", "code", "value", "select", "within", "before", "after", "change_over", "units", "map",
                     "profile", "description", "each", "complete", "related"]
            reader.fail(node, f"{where}: `{key}` is not a binding field", did_you_mean(key, known))
    out.setdefault("codes", ())
    return out


def _fields(reader: _Reader, node: yaml.Node, where: str) -> tuple[Field, ...]:
    """`each:` of a list binding: per record field, the element (or extension) that holds it."""
    out = []
    known = ["value", "extension", "units", "map", "description"]
    for name, spec in (reader.mapping(node, where) or {}).items():
        fields = reader.mapping(spec, f"{where}.{name}")
        if fields is None:
            continue
        for key in fields:
            if key not in known:
                reader.fail(fields[key], f"{where}.{name}: `{key}` is not a field of a record binding",
                            did_you_mean(key, known) or f"give {', '.join(f'`{k}`' for k in known)}")
        values = _binding_fields(reader, {k: v for k, v in fields.items() if k in known and k != "extension"},
                                 f"{where}.{name}")
        extension = reader.text(fields["extension"], f"{where}.{name}.extension") if "extension" in fields else None
        out.append(Field(name, values.get("value") or "", extension, values.get("units", ()), values.get("map", ()),
                         values.get("description"), span=reader.key_span(spec)))
    return tuple(out)


def _related(reader: _Reader, node: yaml.Node, where: str) -> Related | None:
    fields = reader.mapping(node, where)
    if fields is None:
        return None
    known = ["extension", "resource", "code"]
    for key in fields:
        if key not in known:
            reader.fail(fields[key], f"{where}: `{key}` is not a field of `related`", did_you_mean(key, known))
    values = _binding_fields(reader, {k: v for k, v in fields.items() if k in ("resource", "code")}, where)
    extension = reader.text(fields["extension"], f"{where}.extension") if "extension" in fields else None
    return Related(extension or "", values.get("resource") or "", values["codes"], span=reader.span(node))


def _yes_no(reader: _Reader, node: yaml.Node, where: str) -> bool:
    value = _scalar(node)
    if not isinstance(value, bool):
        reader.fail(node, f"{where} must be yes or no", "`complete: no` (at least these) unless the record is known "
                    "to hold every one")
        return False
    return value


def _scalar(node: yaml.Node) -> object:
    value = yaml.safe_load(yaml.serialize(node)) if isinstance(node, yaml.ScalarNode) else None
    return value.isoformat() if isinstance(value, dt.date) else value


def parse_bindings(text: str, path: str) -> BindingFile:
    """One companion file; every problem a diagnostic with its position, nothing raised."""
    diagnostics: list[Diagnostic] = []
    reader = _Reader(path, diagnostics)
    file = BindingFile(path, "", "", diagnostics=diagnostics, span=Span(path, 1, 1, 1, 1))
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        diagnostics.append(error("E200", f"this bindings file is not valid YAML: {getattr(exc, 'problem', exc)}",
                                 Span(path, line, column, line, column + 1)))
        return file
    top = reader.mapping(root, "the bindings file") if root is not None else {}
    if top is None:
        return file
    for key in ("guideline", "version", "hook"):
        if key in top and (value := reader.text(top[key], key)):
            setattr(file, key, value)
    for name, node in (reader.mapping(top["events"], "events") or {} if "events" in top else {}).items():
        fields = reader.mapping(node, f"events.{name}")
        if fields is not None:
            values = _binding_fields(reader, fields, f"events.{name}")
            file.events[name] = Event(name, values.get("resource") or "", values["codes"], values.get("select") or "earliest",
                                      values.get("description"), span=reader.key_span(node))
    for name, node in (reader.mapping(top["inputs"], "inputs") or {} if "inputs" in top else {}).items():
        fields = reader.mapping(node, f"inputs.{name}")
        if fields is not None:
            where = f"inputs.{name}"
            each, complete, related = fields.pop("each", None), fields.pop("complete", None), fields.pop("related", None)
            values = _binding_fields(reader, fields, where)
            if each is not None:
                values["each"] = _fields(reader, each, f"{where}.each")
            if complete is not None:
                values["complete"] = _yes_no(reader, complete, f"{where}.complete")
            if related is not None:
                values["related"] = _related(reader, related, f"{where}.related")
            values.setdefault("value", "")
            values["resource"] = values.get("resource") or ""
            values["value"] = values["value"] or ""
            values["select"] = values.get("select") or "latest"
            file.inputs[name] = Binding(name, span=reader.key_span(node), **values)
    for name, node in (reader.mapping(top["orders"], "orders") or {} if "orders" in top else {}).items():
        fields = reader.mapping(node, f"orders.{name}")
        if fields is None:
            continue
        for key in fields:
            if key not in ("resource", "code", "description"):
                reader.fail(fields[key], f"orders.{name}: `{key}` is not a field of an order",
                            did_you_mean(key, ["resource", "code", "description"]) or "give `resource`, `code` and "
                            "`description`")
        values = _binding_fields(reader, {k: v for k, v in fields.items() if k in ("resource", "code", "description")},
                                 f"orders.{name}")
        file.orders[name] = Order(name, values.get("resource") or "", values["codes"], values.get("description"),
                                  span=reader.key_span(node))
    sections = ["guideline", "version", "hook", "events", "inputs", "orders"]
    for key, node in top.items():
        if key not in sections:
            reader.fail(node, f"`{key}` is not a section of a bindings file", did_you_mean(key, sections))
    return file
