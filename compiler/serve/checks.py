"""`eligo check` over FHIR bindings: each binding's resource, element, type, units and events against its input."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eligo.dsl.ast import Span
from eligo.dsl.diagnostics import Diagnostic, did_you_mean, error
from eligo.ir import units
from eligo.serve.bindings import (
    DATES,
    EXTENSION_VALUES,
    FIELDS,
    HOOKS,
    ORDER_CODE,
    ORDER_HOOKS,
    SUFFIX,
    UCUM,
    VALUES,
    Binding,
    Coding,
    Event,
    Field,
    Order,
)
from eligo.serve.knowledge import KnowledgeBase, bindings_of

if TYPE_CHECKING:
    from eligo.ir import InputInfo


def check_bindings(kb: KnowledgeBase) -> list[Diagnostic]:
    """Every problem of the knowledge base's bindings files: syntax, fields, codes, and each binding's
    resource, element, type and units against the input it binds."""
    out: list[Diagnostic] = []
    files = bindings_of(kb)
    for key, file in files.items():
        out.extend(file.diagnostics)
        if (file.guideline, file.version) not in ((key[0], key[1]), ("", "")):
            out.append(error("E203", f"this file says {file.guideline} {file.version} but sits beside {key[0]} {key[1]}",
                             file.span, f"write `guideline: {key[0]}` and `version: {key[1]}`"))
        if file.hook not in HOOKS:
            out.append(error("E204", f"`{file.hook}` is not a CDS hook", file.span, f"use one of {', '.join(HOOKS)}"))
        elif file.hook in ORDER_HOOKS:
            out.append(error("E204", f"`hook: {file.hook}` needs the order a decision is about", file.span,
                             "keep `hook: patient-view` and declare under `orders:` what each decision is about; "
                             "order-select and order-sign services follow from it"))
        lowered = kb.lowered(*key)
        declared = lowered.visible_inputs  # its own inputs, and those of the modules it uses (to refine)
        decisions = [d.name for d in lowered.module.decisions]
        for order in file.orders.values():
            out.extend(_check_order(order, decisions, f"{key[0]} {key[1]}"))
        for event in file.events.values():
            out.extend(_check_resource(event.resource, event.codes, event.span, f"event `{event.name}`"))
            if event.select not in ("earliest", "latest"):
                out.append(error("E205", f"event `{event.name}`: select `{event.select}` is not `earliest` or `latest`",
                                 event.span))
        for name, binding in file.inputs.items():
            if name not in declared:
                out.append(error("E206", f"`{name}` is not an input of {key[0]} {key[1]}", binding.span,
                                 did_you_mean(name, declared) or "bind inputs the module declares or uses"))
                continue
            out.extend(check_binding(binding, declared[name], file.events))
    if kb.root is not None:
        for path in sorted(kb.root.rglob("*" + SUFFIX)):
            if not path.with_name(path.name.removesuffix(SUFFIX) + ".eligo").is_file():
                out.append(error("E207", f"{path.name} binds a guideline version that does not exist here",
                                 Span(str(path), 1, 1, 1, 1), "name it after the .eligo file beside it"))
    return out


def _check_order(order: Order, decisions: list[str], guideline: str) -> list[Diagnostic]:
    """An order names a decision of the guideline, and an order resource with the codes of what is ordered."""
    if order.decision not in decisions:
        return [error("E218", f"`{order.decision}` is not a decision of {guideline}", order.span,
                      did_you_mean(order.decision, decisions) or "name a decision under `orders:`")]
    if order.resource not in ORDER_CODE or not order.codes:
        return [error("E219", f"order `{order.decision}`: a draft order is a {', '.join(ORDER_CODE)} with the codes "
                      f"of what is ordered" + (f", not a {order.resource}" if order.resource not in ORDER_CODE else ""),
                      order.span, "e.g. `resource: ServiceRequest` and `code: [http://snomed.info/sct|…]`")]
    return []


def _check_resource(resource: str, codes: tuple[Coding, ...], span: Span, what: str) -> list[Diagnostic]:
    if resource not in VALUES:
        return [error("E208", f"{what}: `{resource}` is not a resource type bindings read", span,
                      did_you_mean(resource, VALUES) or f"use one of {', '.join(VALUES)}")]
    if resource != "Patient" and not codes:
        return [error("E209", f"{what}: a {resource} needs the codes that select it", span,
                      "add `code: [system|code]`, e.g. LOINC for a laboratory test")]
    return []


def check_binding(binding: Binding, info: InputInfo, events: dict[str, Event]) -> list[Diagnostic]:
    """The binding against its input: the element exists and yields the input's type, units convert, events exist."""
    what = f"input `{binding.input}`"
    if info.type.kind == "list" or binding.each is not None or binding.complete is not None:
        return check_list(binding, info)
    out = _check_resource(binding.resource, binding.codes, binding.span, what)
    if out:
        return out
    yields = binding.yields
    if not yields:
        return [error("E210", f"{what}: a {binding.resource} has no element `{binding.value}` that bindings read",
                      binding.span, f"use one of {', '.join(VALUES[binding.resource])}")]
    if not _gives(yields, info):
        return [error("E211", f"{what} is {info.type.describe()}, but {binding.resource}.{binding.value} gives "
                      f"{_yield_text(yields)}", binding.span, "bind an element of the input's type")]
    for name in (binding.before, binding.after, binding.change_over):
        if name is not None and name not in events:
            out.append(error("E212", f"{what}: there is no event `{name}` in this file", binding.span,
                             did_you_mean(name, events) or "declare it under `events:`"))
    if binding.select not in ("latest", "earliest"):
        out.append(error("E205", f"{what}: select `{binding.select}` is not `latest` or `earliest`", binding.span))
    out.extend(_check_units(binding, info, what))
    if yields == "coding":
        out.extend(_check_map(binding.map, info, what, binding.span))
    return out


def _gives(yields: str, info: InputInfo) -> bool:
    wanted = {"quantity": ("quantity",), "integer": ("number",), "coding": ("bool", "enum", "number"),
              "boolean": ("bool",), "date": ("date",), "count": ("number",), "present": ("bool",)}[yields]
    return info.type.kind in wanted and (yields != "count" or info.type.integer)


_SCALAR_ONLY = ("value", "select", "before", "after", "change_over", "units", "map")


def check_list(binding: Binding, info: InputInfo) -> list[Diagnostic]:
    """A list input's binding: one record per resource of a type fields can be read from, selected by its codes;
    every field of `each` a field of the record, read from an element or extension of the field's type."""
    what, span = f"input `{binding.input}`", binding.span
    if info.type.kind != "list":
        said = "`each:` binds" if binding.each is not None else "`complete:` is said of"
        return [error("E220", f"{what} is {info.type.describe()}, not a list: {said} a list of records",
                      span, "bind one value with `value:`, or declare the input `list of R`")]
    if not binding.each:
        return [error("E220", f"{what} is a list of {info.spec.removeprefix('list of ')} records: bind each record to "
                      "a resource with `each:`" + (", naming where its fields come from" if binding.each == () else ""),
                      span, "e.g. `each: {organ: {value: location, map: {…}}}`")]
    if binding.resource not in FIELDS:
        kinds = list(FIELDS)
        return [error("E221", f"{what}: a list is read one record per {', '.join(kinds[:-1])} or {kinds[-1]} "
                      f"resource, not {binding.resource or 'none'}", span, did_you_mean(binding.resource, FIELDS)
                      or "for lesions, one mCODE Tumor (a BodyStructure) per lesion")]
    if not binding.codes and binding.related is None:
        return [error("E209", f"{what}: a {binding.resource} needs the codes that select it", span,
                      "add `code: [system|code]` (or `related:`); every matching resource is one record")]
    related = binding.related
    if related is not None:
        wrong = _check_resource(related.resource, related.codes, related.span, f"{what}, related")
        if not wrong and not _url(related.extension):
            wrong = [error("E224", f"{what}, related: extension `{related.extension}` is not the URL of an extension",
                           related.span, "e.g. http://hl7.org/fhir/StructureDefinition/condition-related")]
        if wrong:
            return wrong
    defaults = Binding(binding.input, binding.resource, binding.codes, "")
    given = [k for k in _SCALAR_ONLY if getattr(binding, k) != getattr(defaults, k)]
    if binding.within_months is not None and not DATES.get(binding.resource):
        given.append("within")
    out = [error("E222", f"{what}: `{key}` does not apply to a list of {binding.resource} records"
                 + (" (it has no date)" if key == "within" else ""), span,
                 "every matching resource is one record; say per field under `each:` where it comes from")
           for key in given]
    fields = {f.name: f for f in info.fields}
    for found in binding.each:
        where = f"{what}, field `{found.name}`"
        if found.name not in fields:
            out.append(error("E223", f"{what}: `{found.name}` is not a field of {info.spec.removeprefix('list of ')}",
                             found.span, did_you_mean(found.name, fields) or f"fields: {', '.join(fields)}"))
            continue
        out.extend(_check_field(found, binding.resource, fields[found.name], where))
    return out


def _url(text: str) -> bool:
    return text.startswith(("http://", "https://", "urn:"))


def _check_field(found: Field, resource: str, info: InputInfo, what: str) -> list[Diagnostic]:
    if found.extension is not None and not _url(found.extension):
        return [error("E224", f"{what}: extension `{found.extension}` is not the URL of an extension", found.span,
                      "an extension is named by its canonical URL, e.g. http://example.org/fhir/StructureDefinition/x")]
    yields = found.yields(resource)
    if not yields:
        where, known = (("the extension", EXTENSION_VALUES) if found.extension is not None
                        else (f"a {resource}", FIELDS[resource]))
        return [error("E210", f"{what}: {where} has no element `{found.value}` that bindings read", found.span,
                      f"use one of {', '.join(known)}")]
    if not _gives(yields, info):
        return [error("E211", f"{what} is {info.type.describe()}, but {found.value} gives {_yield_text(yields)}",
                      found.span, "bind an element of the field's type")]
    out = _check_unit_list(found.units, yields, found.value, info, what, found.span)
    if yields == "coding":
        out.extend(_check_map(found.map, info, what, found.span))
    return out


def _yield_text(yields: str) -> str:
    return {"quantity": "a quantity", "integer": "a whole number", "coding": "a code", "boolean": "yes/no",
            "date": "a date", "count": "a count", "present": "yes when one is recorded"}[yields]


def _check_units(binding: Binding, info: InputInfo, what: str) -> list[Diagnostic]:
    if binding.yields != "quantity" or not binding.change_over:
        return _check_unit_list(binding.units, binding.yields, binding.value, info, what, binding.span)
    if not binding.units:
        return _check_unit_list((), "quantity", binding.value, info, what, binding.span)
    out, dimensions = _known_units(binding.units, what, binding.span)
    if info.type.dimension != "percent":
        out.append(error("E215", f"{what}: a change over an event is a percentage, but the input is "
                         f"{info.type.describe()}", binding.span))
    if len(dimensions) > 1:
        out.append(error("E215", f"{what}: the units {', '.join(binding.units)} do not measure the same thing",
                         binding.span))
    return out


def _known_units(codes: tuple[str, ...], what: str, span: Span) -> tuple[list[Diagnostic], set[str]]:
    out: list[Diagnostic] = []
    dimensions = set()
    for code in codes:
        unit = units.lookup(UCUM.get(code, ""))
        if unit is None:
            out.append(error("E214", f"{what}: `{code}` is not a UCUM unit Eligo converts", span,
                             f"known: {', '.join(UCUM)}"))
            continue
        dimensions.add(unit.dimension)
    return out, dimensions


def _check_unit_list(codes: tuple[str, ...], yields: str, element: str, info: InputInfo, what: str,
                     span: Span) -> list[Diagnostic]:
    """The units of a binding (or of a field) that reads one value: given for a quantity only, all of its dimension."""
    if yields != "quantity":
        return [error("E213", f"{what}: units are given but {element} is not a quantity", span)] if codes else []
    if not codes:
        return [error("E213", f"{what}: a quantity binding lists the UCUM units it accepts", span,
                      "add `units: [U/mL]`")]
    out, dimensions = _known_units(codes, what, span)
    if dimensions and dimensions != {info.type.dimension}:
        out.append(error("E215", f"{what} is {info.type.describe()}, but the units {', '.join(codes)} are not",
                         span, "list units of the input's dimension, or bind a change with `change_over`"))
    return out


def _check_map(mapping: tuple[tuple[str, object], ...], info: InputInfo, what: str, span: Span) -> list[Diagnostic]:
    if not mapping:
        return [error("E216", f"{what}: a code binding needs a `map` from `system|code` to the input's values", span)]
    out = []
    for token, target in mapping:
        allowed: tuple[object, ...] = {"bool": (True, False), "enum": info.type.values}.get(info.type.kind, ())
        ok = isinstance(target, int | float) and not isinstance(target, bool) if info.type.kind == "number" \
            else target in allowed
        if not ok:
            out.append(error("E217", f"{what}: `{token}` maps to {target!r}, which is not {info.type.describe()}",
                             span))
    return out
