"""Bindings of list inputs: each mistake a pinned diagnostic at its line, and resources read one record each."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from test_serve_fixtures import SNOMED

import eligo
from eligo.serve import check_bindings, fhir_sources
from eligo.serve.bindings import parse_bindings
from eligo.serve.extract import Extractor, prefetch_keys
from eligo.serve.knowledge import input_bindings
from eligo.serve.record import Record

ROOT = Path(__file__).parent.parent
GUIDELINE = """guideline demo.lists
  version 1.0.0
  status approved
  effective 2025-01-01

kind organ: liver | lung
record lesion:
  organ: organ
  size: quantity in mm from 0 to 300, optional
  treatable: yes/no, optional
  seen: date, optional
input lesions: list of lesion
input ecog: count from 0 to 5

decision resection: candidate > not_candidate
  rule few: when count(lesions) <= 5 and all(lesions have treatable) and ecog <= 1 then candidate
  otherwise not_candidate
"""
GOOD = """guideline: demo.lists
version: 1.0.0
inputs:
  lesions:
    resource: Condition
    code: [http://snomed.info/sct|94381002, http://snomed.info/sct|94391008]
    within: 6 months
    each:
      organ:
        value: bodySite
        map: {http://snomed.info/sct|10200004: liver, http://snomed.info/sct|39607008: lung}
      size:
        extension: http://example.org/fhir/StructureDefinition/lesion-size
        value: valueQuantity
        units: [mm, cm]
      treatable: {extension: http://example.org/fhir/StructureDefinition/locally-treatable, value: valueBoolean}
      seen: {value: onsetDateTime}
"""
BAD = """guideline: demo.lists
version: 1.0.0
inputs:
  lesions:
    resource: Condition
    code: [http://snomed.info/sct|94381002]
    select: earliest
    complete: maybe
    each:
      organ: {value: code}
      size: {value: bodySite, map: {http://snomed.info/sct|1: 2}}
      treatable: {extension: http://example.org/x, value: valueString}
      seen: {value: onsetDateTime, units: [mm]}
      grade: {value: code}
      spot: {valeu: bodySite}
  ecog:
    resource: Observation
    code: [http://loinc.org|89247-1]
    value: valueInteger
    each:
      organ: {value: bodySite}
"""


def kb_with(tmp_path: Path, bindings: str) -> eligo.KnowledgeBase:
    folder = tmp_path / "demo" / "lists"
    folder.mkdir(parents=True)
    (folder / "1.0.0.eligo").write_text(GUIDELINE)
    (folder / "1.0.0.fhir.yaml").write_text(bindings)
    return eligo.load(tmp_path)


def test_a_list_binding_checks_clean_and_reads_in_words(tmp_path: Path) -> None:
    kb = kb_with(tmp_path, GOOD)
    assert check_bindings(kb) == []
    assert fhir_sources(kb, "demo.lists", "1.0.0")["lesions"] == (
        "One record per Condition coded SNOMED CT 94381002 or SNOMED CT 94391008 within the last 6 months: organ from "
        "its bodySite; size from its extension http://example.org/fhir/StructureDefinition/lesion-size "
        "(valueQuantity); treatable from its extension http://example.org/fhir/StructureDefinition/locally-treatable "
        "(valueBoolean); seen from its onsetDateTime (at least these: more may exist than the record holds)")


def test_the_shipped_lesions_binding_reads_mcode_tumours() -> None:
    kb = eligo.load(ROOT / "knowledge")
    assert [d for d in check_bindings(kb) if "oligometastatic" in d.span.file] == []
    lesions = input_bindings(kb, "core.oligometastatic", "2.0.0")["lesions"]
    assert (lesions.resource, lesions.profile, lesions.complete) == (
        "BodyStructure", "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-tumor", False)
    assert [f.name for f in lesions.each or ()] == ["organ", "treatable"]


def test_each_list_binding_mistake_is_a_diagnostic_at_its_line(tmp_path: Path) -> None:
    found = sorted((d.code, d.span.line, d.message) for d in check_bindings(kb_with(tmp_path, BAD)))
    assert found == [
        ("E201", 8, "inputs.lesions.complete must be yes or no"),
        ("E201", 15, "inputs.lesions.each.spot: `valeu` is not a field of a record binding"),
        ("E210", 12, "input `lesions`, field `treatable`: the extension has no element `valueString` that bindings "
                     "read"),
        ("E211", 11, "input `lesions`, field `size` is a length, but bodySite gives a code"),
        ("E213", 13, "input `lesions`, field `seen`: units are given but onsetDateTime is not a quantity"),
        ("E216", 10, "input `lesions`, field `organ`: a code binding needs a `map` from `system|code` to the input's "
                     "values"),
        ("E220", 16, "input `ecog` is a count, not a list: `each:` binds a list of records"),
        ("E222", 4, "input `lesions`: `select` does not apply to a list of Condition records"),
        ("E223", 14, "input `lesions`: `grade` is not a field of lesion"),
        ("E223", 15, "input `lesions`: `spot` is not a field of lesion"),
    ]
    hints = {d.message: d.hints for d in check_bindings(kb_with(tmp_path / "again", BAD))}
    assert hints["inputs.lesions.each.spot: `valeu` is not a field of a record binding"] == ("did you mean `value`?",)
    assert hints["input `lesions`: `grade` is not a field of lesion"] == ("fields: organ, size, treatable, seen",)
    assert hints["input `ecog` is a count, not a list: `each:` binds a list of records"] == (
        "bind one value with `value:`, or declare the input `list of R`",)


def test_a_list_input_bound_as_one_value_is_refused_with_the_way_to_bind_it(tmp_path: Path) -> None:
    scalar = GOOD.split("    each:\n")[0].replace("    within: 6 months\n", "    value: count\n")
    ecog = "  ecog: {resource: Observation, code: [http://loinc.org|89247-1], value: valueInteger, complete: no}\n"
    found = [(d.code, d.span.line, d.message) for d in check_bindings(kb_with(tmp_path, scalar + ecog))]
    assert found == [("E220", 4, "input `lesions` is a list of lesion records: bind each record to a resource with "
                                 "`each:`"),
                     ("E220", 8, "input `ecog` is a count, not a list: `complete:` is said of a list of records")]


EXT = "http://example.org/fhir/StructureDefinition/"


def metastasis(cid: str, site: str | None, onset: str, size: dict[str, Any] | None = None,
               treatable: object = None, status: str = "active") -> dict[str, Any]:
    extensions = ([{"url": EXT + "lesion-size", "valueQuantity": size}] if size else []) + \
        ([{"url": EXT + "locally-treatable", "valueBoolean": treatable}] if treatable is not None else [])
    return {"resourceType": "Condition", "id": cid, "subject": {"reference": "Patient/p1"}, "onsetDateTime": onset,
            "code": {"coding": [{"system": SNOMED, "code": "94381002"}]}, "extension": extensions,
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": status}]},
            **({"bodySite": [{"coding": [{"system": SNOMED, "code": site}]}]} if site else {})}


def extract(tmp_path: Path, *conditions: dict[str, Any]) -> Any:
    kb = kb_with(tmp_path, GOOD)
    bindings = {"lesions": input_bindings(kb, "demo.lists", "1.0.0")["lesions"]}
    keys = prefetch_keys(bindings, {})
    data = {"patient": {"resourceType": "Patient", "id": "p1"},
            "condition-94381002": {"resourceType": "Bundle", "entry": [{"resource": c} for c in conditions]}}
    return Extractor(bindings, {}, keys).extract(Record("p1", data, keys), dt.date(2026, 6, 1))


def test_conditions_become_records_field_by_field_in_the_declared_units(tmp_path: Path) -> None:
    got = extract(tmp_path, metastasis("a", "10200004", "2026-03-02", {"value": 2, "unit": "cm",
                                                                       "system": "http://unitsofmeasure.org",
                                                                       "code": "cm"}, True),
                  metastasis("b", None, "2026-04-10", treatable=False),
                  metastasis("old", "39607008", "2025-01-10"),  # before the 6-month window
                  metastasis("resolved", "39607008", "2026-05-01", status="resolved"))
    assert got.problems == []
    assert got.case["lesions"] == {"at_least": [
        {"organ": "liver", "size": {"value": 2.0, "unit": "cm"}, "treatable": True, "seen": "2026-03-02"},
        {"organ": None, "size": None, "treatable": False, "seen": "2026-04-10"}]}
    assert got.lists["lesions"].unknown == ("organ of Condition/b, 2026-04-10", "size of Condition/b, 2026-04-10")
    guideline = eligo.load(tmp_path).guideline("demo.lists", version="1.0.0")
    assert guideline.evaluate(got.case | {"ecog": 0})["resection"].value == "not_candidate"  # one not treatable


def test_a_partial_date_across_the_window_leaves_the_list_at_least_the_others(tmp_path: Path) -> None:
    got = extract(tmp_path, metastasis("a", "10200004", "2026-03-02", treatable=True),
                  metastasis("edge", "10200004", "2025", treatable=True))  # 2025: maybe within 6 months
    assert got.case["lesions"] == {"at_least": [{"organ": "liver", "size": None, "treatable": True,
                                                 "seen": "2026-03-02"}]}
    assert got.lists["lesions"].why() == ("1 found, at least these: the record is not known to hold every one; "
                                          "may or may not be in the window: Condition/edge, 2025; not recorded: "
                                          "size of Condition/a, 2026-03-02")


def test_a_site_the_map_does_not_name_or_two_sites_leave_the_organ_unknown(tmp_path: Path) -> None:
    brain = metastasis("a", "12738006", "2026-03-02", treatable=True)
    both = metastasis("b", "10200004", "2026-03-02", treatable=True)
    both["bodySite"].append({"coding": [{"system": SNOMED, "code": "39607008"}]})
    got = extract(tmp_path, brain, both)
    assert got.problems == []
    assert [r["organ"] for r in got.case["lesions"]["at_least"]] == [None, None]
    assert got.lists["lesions"].unmapped == ("organ of Condition/a, 2026-03-02 (bodySite SNOMED CT 12738006)",
                                             "organ of Condition/b, 2026-03-02 (bodySite codes for different values: "
                                             "liver, lung)")


@pytest.mark.parametrize(("condition", "location", "message"), [
    (metastasis("a", "10200004", "2026-03-02", {"value": 2, "unit": "in"}), "extension[0].valueQuantity",
     "is in 'in', but size is read in UCUM mm, cm"),
    (metastasis("a", "10200004", "2026-03-02", {"unit": "mm"}), "extension[0].valueQuantity", "has no numeric value"),
    (metastasis("a", "10200004", "2026-03-02", treatable="yes"), "extension[0].valueBoolean", "is not true or false"),
    (metastasis("a", "10200004", "2026-13-02"), "onsetDateTime", "`2026-13-02` is not a"),
])
def test_a_field_that_cannot_be_read_is_a_problem_at_its_place(tmp_path: Path, condition: dict[str, Any],
                                                                location: str, message: str) -> None:
    problems = extract(tmp_path, condition).problems
    assert [(p.location, p.message[:len(message)]) for p in problems][:1] == \
        [(f"prefetch.condition-94381002.entry[0].resource.{location}", message)]


def test_a_bindings_file_with_each_in_the_wrong_shape_is_an_e201() -> None:
    broken = parse_bindings("inputs:\n  lesions:\n    resource: Condition\n    each: [organ]\n", "x.fhir.yaml")
    assert [(d.code, d.span.line, d.message) for d in broken.diagnostics] == [
        ("E201", 4, "inputs.lesions.each must be a mapping of names to values")]


@pytest.mark.parametrize(("old", "new", "code", "line", "message"), [
    (GOOD[GOOD.index("      organ:"):], "      {}\n", "E220", 4,
     "input `lesions` is a list of lesion records: bind each record to a resource with `each:`, naming where its "
     "fields come from"),
    ("resource: Condition", "resource: Procedure", "E221", 4,
     "input `lesions`: a list is read one record per BodyStructure, Condition or Observation resource, not Procedure"),
    ("    within: 6 months\n", "    within: 6 months\n    units: [mm]\n", "E222", 4,
     "input `lesions`: `units` does not apply to a list of Condition records"),
    ("    code: [http://snomed.info/sct|94381002, http://snomed.info/sct|94391008]\n", "", "E209", 4,
     "input `lesions`: a Condition needs the codes that select it"),
    ("extension: http://example.org/fhir/StructureDefinition/locally-treatable", "extension: locally-treatable",
     "E224", 16, "input `lesions`, field `treatable`: extension `locally-treatable` is not the URL of an extension"),
    ("lesion-size\n        value: valueQuantity", "lesion-size\n        value: valueInteger", "E211", 12,
     "input `lesions`, field `size` is a length, but valueInteger gives a whole number"),
    ("units: [mm, cm]", "units: [mm, kg]", "E215", 12,
     "input `lesions`, field `size` is a length, but the units mm, kg are not"),
    ("lung}", "kidney}", "E217", 9,
     "input `lesions`, field `organ`: `http://snomed.info/sct|39607008` maps to 'kidney', which is not a value of "
     "`organ`"),
])
def test_each_new_list_diagnostic_names_its_line_and_what_was_expected(tmp_path: Path, old: str, new: str, code: str,
                                                                        line: int, message: str) -> None:
    assert old in GOOD
    found = [(d.code, d.span.line, d.message) for d in check_bindings(kb_with(tmp_path, GOOD.replace(old, new)))]
    assert found == [(code, line, message)]


RELATED = ("    related: {extension: http://hl7.org/fhir/StructureDefinition/condition-related, resource: Condition,\n"
           "              code: [http://snomed.info/sct|128462008]}\n")


@pytest.mark.parametrize(("old", "new", "found"), [
    ("", "", []),
    ("    code: [http://snomed.info/sct|94381002, http://snomed.info/sct|94391008]\n", "", []),  # related alone selects
    ("resource: Condition,\n", "resource: Conditon,\n",
     [("E208", 8, "input `lesions`, related: `Conditon` is not a resource type bindings read")]),
    ("              code: [http://snomed.info/sct|128462008]}", "              codes: [http://snomed.info/sct|128462008]}",
     [("E201", 9, "inputs.lesions.related: `codes` is not a field of `related`"),
      ("E209", 8, "input `lesions`, related: a Condition needs the codes that select it")]),
    ("extension: http://hl7.org/fhir/StructureDefinition/condition-related", "extension: condition-related",
     [("E224", 8, "input `lesions`, related: extension `condition-related` is not the URL of an extension")]),
])
def test_a_related_selection_is_checked_like_a_binding(tmp_path: Path, old: str, new: str,
                                                       found: list[tuple[str, int, str]]) -> None:
    text = GOOD.replace("    each:\n", RELATED + "    each:\n").replace(old, new)  # old "": the clean binding
    assert sorted((d.code, d.span.line, d.message) for d in check_bindings(kb_with(tmp_path, text))) == found
