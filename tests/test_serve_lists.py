"""`eligo serve` over real HTTP for a list input: core.oligometastatic 2.0.0's lesions, one per mCODE Tumor.

The shipped binding reads the lesions as "at least these" (imaging may be incomplete); a site guideline here rebinds
them as complete, as a site whose board records every lesion may. Each patient is posted to a real uvicorn server.
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fhir.resources.R4B.bodystructure import BodyStructure
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_serve_fixtures import (
    ISSUER,
    ROOT,
    SNOMED,
    FhirServer,
    Keys,
    as_json,
    call,
    card,
    free_port,
    hook_request,
    metastasis,
    patient,
    running,
    token,
)

import eligo
from eligo.serve.app import Settings
from eligo.serve.security import Verifier, issuer

ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
TREATABLE = "http://example.org/fhir/StructureDefinition/lesion-locally-treatable"
ORGANS = {"liver": "10200004", "lung": "39607008", "bone": "272673000"}
KEY = "bodystructure"  # every BodyStructure: a Tumor may be a lesion by its relatedCondition
CONDITIONS = "condition-128462008"  # the Secondary Cancer Conditions a Tumor's relatedCondition may name
RELATED = "http://hl7.org/fhir/StructureDefinition/condition-related"
TODAY = dt.date(2026, 8, 1)  # core.oligometastatic 2.0.0 is in force from 2026-07-01
SEEN = "demo.liver.local_treatment"  # the shipped binding: at least these
REGISTRY = "demo.registry.local_treatment"  # rebound: the record holds every lesion
GUIDELINE = """guideline demo.{name}
  version 1.0.0
  status approved
  effective 2026-01-01

use core.oligometastatic ^2.0 as oligo

decision local_treatment: candidate > not_candidate
  rule oligometastatic: when oligo.oligometastatic then candidate
    because "Few metastases, all of them treatable locally."
  otherwise not_candidate
"""


def tumour(tid: str, organ: str = "liver", treatable: bool | None = True, morphology: str = "8000/6",
           pid: str = "p1", active: bool | None = None, extension_value: Any = None,
           related: str | None = None) -> dict[str, Any]:
    """An mCODE Tumor BodyStructure: a metastatic morphology (ICD-O-3; SNOMED CT when `related` names the condition
    it belongs to), the organ as its location, the board's judgement as an extension (absent when `treatable` is
    None)."""
    extensions = [] if treatable is None else [{"url": TREATABLE, "valueBoolean": treatable}]
    extensions += [{"url": RELATED, "valueReference": {"reference": related}}] if related else []
    data = as_json(BodyStructure(
        id=tid, patient={"reference": f"Patient/{pid}"}, active=active, extension=extensions or None,
        identifier=[{"use": "usual", "value": tid}],
        morphology={"coding": [{"system": SNOMED if related else ICDO3, "code": morphology}]},
        location={"coding": [{"system": SNOMED, "code": ORGANS.get(organ, organ)}]}))
    if extension_value is not None:  # a malformed record, which fhir.resources would refuse to build
        data["extension"] = [{"url": TREATABLE, "valueBoolean": extension_value}]
    return data


def searchset(*resources: dict[str, Any]) -> dict[str, Any]:
    """A Bundle as a FHIR server sends it, kept as it is (fhir.resources would coerce a malformed value)."""
    return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}


def prefetch(*tumours: dict[str, Any]) -> dict[str, Any]:
    return {"patient": as_json(patient()), KEY: searchset(*tumours)}


@pytest.fixture(scope="module")
def kb(tmp_path_factory: pytest.TempPathFactory) -> eligo.KnowledgeBase:
    root = tmp_path_factory.mktemp("kb")
    shutil.copytree(ROOT / "knowledge" / "core" / "oligometastatic", root / "core" / "oligometastatic")
    for name in ("liver", "registry", "organs"):
        (root / "demo" / name).mkdir(parents=True)
        (root / "demo" / name / "1.0.0.eligo").write_text(GUIDELINE.format(name=name))
    shipped = (ROOT / "knowledge" / "core" / "oligometastatic" / "2.0.0.fhir.yaml").read_text()
    rebound = shipped.replace("guideline: core.oligometastatic\nversion: 2.0.0", "guideline: demo.registry\nversion: 1.0.0")
    (root / "demo" / "registry" / "1.0.0.fhir.yaml").write_text(rebound.replace("complete: no", "complete: yes"))
    organs_only = rebound.replace("demo.registry", "demo.organs").split("      treatable:\n")[0]
    (root / "demo" / "organs" / "1.0.0.fhir.yaml").write_text(organs_only.replace("complete: no", "complete: yes"))
    return eligo.load(root)


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


@pytest.fixture(scope="module")
def server(kb: eligo.KnowledgeBase, keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    verifier = Verifier({ISSUER: issuer(ISSUER, {"jwks": keys.jwks()}, "test")})
    settings = Settings(kb, f"http://127.0.0.1:{free_port()}", "https://docs.example.org/",
                        tmp_path_factory.mktemp("feedback") / "feedback.jsonl", verifier, today=lambda: TODAY)
    with running(settings) as url:
        yield url


def test_discovery_asks_for_the_tumours_and_the_secondary_cancer_conditions(server: str, keys: Keys) -> None:
    response = httpx.get(server + "/cds-services", timeout=10,
                         headers={"Authorization": f"Bearer {token(keys, server + '/cds-services')}"})
    services = {s["id"]: s for s in response.json()["services"]}
    prefetch = services[SEEN]["prefetch"]
    assert prefetch[KEY] == "BodyStructure?patient={{context.patientId}}&_count=100"
    assert prefetch[CONDITIONS].startswith("Condition?patient={{context.patientId}}&code=http://snomed.info/sct|"
                                           "128462008,http://snomed.info/sct|94381002,")


def test_three_treatable_liver_lesions_seen_are_at_least_these_so_the_board_confirms(server: str, keys: Keys) -> None:
    got = card(call(server, keys, SEEN, hook_request(prefetch(tumour("t1"), tumour("t2"), tumour("t3")))))
    assert got["summary"].startswith("Local treatment: undecided, 1 fact missing")
    detail = got["detail"]
    assert "Still possible: **candidate**, **not candidate**." in detail
    assert ("the record does not settle it: 3 found, at least these: the record is not known to hold every one; "
            "the tumour board confirms or completes it.") in detail
    assert ("at least 3: organ liver, treatable yes; organ liver, treatable yes; organ liver, treatable yes "
            "(from 3 BodyStructure records: BodyStructure/t1, BodyStructure/t2, BodyStructure/t3)") in detail


def test_the_same_lesions_in_a_record_declared_complete_decide(server: str, keys: Keys) -> None:
    got = card(call(server, keys, REGISTRY, hook_request(prefetch(tumour("t1"), tumour("t2"), tumour("t3")))))
    assert got["summary"] == "Local treatment: candidate (demo.registry 1.0.0)"
    assert "> Few metastases, all of them treatable locally." in got["detail"]
    assert ("- [lesions](https://docs.example.org/guidelines/demo.registry/1.0.0/#input-lesions): 3: organ liver, "
            "treatable yes; organ liver") in got["detail"]


def test_an_unrecorded_judgement_of_one_lesion_is_unknown_never_no(server: str, keys: Keys) -> None:
    body = hook_request(prefetch(tumour("t1"), tumour("t2", treatable=None), tumour("t3")))
    got = card(call(server, keys, REGISTRY, body))
    assert got["summary"].startswith("Local treatment: undecided, 1 fact missing")
    assert "the record does not settle it: not recorded: treatable of BodyStructure/t2;" in got["detail"]
    assert "organ liver, treatable unknown" in got["detail"]
    seen = card(call(server, keys, SEEN, body))["detail"]
    assert ("3 found, at least these: the record is not known to hold every one; not recorded: treatable of "
            "BodyStructure/t2;") in seen


def test_a_field_the_binding_does_not_read_is_unknown_in_every_record_and_asked(server: str, keys: Keys) -> None:
    got = card(call(server, keys, "demo.organs.local_treatment", hook_request(prefetch(tumour("t1"), tumour("t2")))))
    assert got["summary"].startswith("Local treatment: undecided, 1 fact missing")
    assert ("(the record is declared to hold every one); the record does not settle it: treatable not read from the "
            "record; the tumour board confirms or completes it.") in got["detail"]
    assert "2: organ liver; organ liver (from 2 BodyStructure records" in got["detail"]


def test_what_the_record_holds_settles_a_no_however_many_more_lesions_exist(server: str, keys: Keys) -> None:
    untreatable = card(call(server, keys, SEEN, hook_request(prefetch(tumour("t1"), tumour("t2", treatable=False)))))
    assert untreatable["summary"] == "Local treatment: not candidate (demo.liver 1.0.0)"
    six = [tumour(f"t{i}", organ="liver" if i < 4 else "lung") for i in range(6)]
    assert card(call(server, keys, SEEN, hook_request(prefetch(*six))))["summary"] == \
        "Local treatment: not candidate (demo.liver 1.0.0)"
    four_organs = [tumour("a", "liver"), tumour("b", "lung"), tumour("c", "bone"), tumour("d", "23451007")]
    assert card(call(server, keys, SEEN, hook_request(prefetch(*four_organs))))["summary"] == \
        "Local treatment: not candidate (demo.liver 1.0.0)"


def test_no_imaging_recorded_leaves_the_lesions_missing_not_none(server: str, keys: Keys) -> None:
    got = card(call(server, keys, SEEN, hook_request(prefetch())))
    assert got["summary"].startswith("Local treatment: undecided, 1 fact missing")
    assert "#input-lesions) (Every metastatic lesion seen on current staging imaging" in got["detail"]
    assert "(at least these: more may exist than the record holds); none found: record it." in got["detail"]
    assert "From the record:" not in got["detail"]
    # a record declared complete with no tumour holds no lesions: zero of them, every one treatable, is a candidate
    assert card(call(server, keys, REGISTRY, hook_request(prefetch())))["summary"].startswith("Local treatment: candidate")


def test_a_lesion_the_binding_cannot_place_has_its_organ_unknown_and_named(server: str, keys: Keys) -> None:
    node = tumour("n1", organ="59441001")  # a lymph node: regional or distant, the code does not say
    got = card(call(server, keys, SEEN, hook_request(prefetch(tumour("t1"), node))))
    assert ("codes the binding does not map: organ of BodyStructure/n1 (location SNOMED CT 59441001); the tumour "
            "board confirms or completes it.") in got["detail"]
    assert "organ unknown, treatable yes" in got["detail"]
    many = [tumour("a", "liver"), tumour("b", "lung"), tumour("c", "bone"), node]
    registry = card(call(server, keys, REGISTRY, hook_request(prefetch(*many))))
    assert registry["summary"].startswith("Local treatment: undecided")  # 3 or 4 organs: the node decides it
    assert card(call(server, keys, REGISTRY, hook_request(prefetch(*many[:2], node))))["summary"] == \
        "Local treatment: candidate (demo.registry 1.0.0)"  # 2 or 3 organs: within the limit either way


def test_removed_tumours_primaries_and_others_are_not_lesions(server: str, keys: Keys) -> None:
    body = hook_request(prefetch(tumour("t1"), tumour("gone", treatable=False, active=False),
                                 tumour("primary", treatable=False, morphology="8140/3")))
    got = card(call(server, keys, REGISTRY, body))
    assert got["summary"] == "Local treatment: candidate (demo.registry 1.0.0)"
    assert "(from 1 BodyStructure record: BodyStructure/t1)" in got["detail"]


def test_a_tumour_of_generic_morphology_is_a_lesion_when_related_to_a_secondary_cancer(server: str, keys: Keys) -> None:
    liver, refuted = as_json(metastasis("10200004", "2025-12-01")), as_json(metastasis("39607008", "2025-12-01"))
    refuted["verificationStatus"] = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                                 "code": "refuted"}]}
    primary = as_json(metastasis("15776009", "2025-01-01", code="363418001"))  # the pancreatic primary, not secondary
    generic = "367651003"  # mCODE STU2's fixed Tumor morphology: primary, secondary or uncertain
    data = prefetch(tumour("t1"),
                    tumour("t2", morphology=generic, related=f"Condition/{liver['id']}"),
                    tumour("t3", morphology=generic, related=f"https://ehr.example.org/fhir/Condition/{liver['id']}"),
                    tumour("p", morphology=generic, related=f"Condition/{primary['id']}", treatable=False),
                    tumour("r", morphology=generic, related=f"Condition/{refuted['id']}", treatable=False),
                    tumour("u", morphology=generic, treatable=False))
    data[CONDITIONS] = searchset(liver, refuted, primary)
    got = card(call(server, keys, REGISTRY, hook_request(data)))
    assert got["summary"] == "Local treatment: candidate (demo.registry 1.0.0)"
    assert "(from 3 BodyStructure records: BodyStructure/t1, BodyStructure/t2, BodyStructure/t3)" in got["detail"]


def test_lesions_fetched_from_the_fhir_server(server: str, keys: Keys) -> None:
    answers = {"Patient/p1": as_json(patient()), "BodyStructure": searchset(tumour("t1"), tumour("t2", treatable=False))}
    with FhirServer(answers) as fhir:
        body = hook_request(None, fhirServer=fhir.url, fhirAuthorization={"access_token": "abc", "token_type": "Bearer"})
        got = card(call(server, keys, SEEN, body))
        assert ("/BodyStructure?patient=p1&_count=100", "Bearer abc") in fhir.seen
    assert got["summary"] == "Local treatment: not candidate (demo.liver 1.0.0)"


@pytest.mark.parametrize(("bad", "location", "message"), [
    (tumour("t2", extension_value="yes"), f"prefetch.{KEY}.entry[1].resource.extension[0].valueBoolean",
     "is not true or false"),
    (tumour("t2", pid="p2"), f"prefetch.{KEY}.entry[1].resource.patient",
     "refers to a different patient from context.patientId"),
    (as_json(patient("p1")), f"prefetch.{KEY}.entry[1].resource.resourceType",
     "is 'Patient', but this key holds BodyStructure resources"),
])
def test_a_resource_that_cannot_be_read_is_refused_at_its_place(server: str, keys: Keys, bad: dict[str, Any],
                                                                  location: str, message: str) -> None:
    response = call(server, keys, SEEN, hook_request(prefetch(tumour("t1"), bad)))
    assert response.status_code == 422, response.text
    issues = response.json()["issue"]
    assert issues[0]["diagnostics"] == "some FHIR data cannot be read as this guideline's inputs"
    assert [(i["expression"], i["diagnostics"].split(" (")[0]) for i in issues[1:]] == [([location], message)]


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=12)
VALID = prefetch(tumour("t1"), tumour("t2", treatable=None), tumour("t3", organ="lung"))
PLACES = [(i, key) for i in range(3) for key in ("extension", "location", "morphology", "patient", "active", "id")]


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(place=st.sampled_from(PLACES), new=JSON)
def test_a_tumour_with_any_element_replaced_gets_a_card_or_an_operation_outcome(server: str, keys: Keys,
                                                                                place: tuple[int, str],
                                                                                new: Any) -> None:
    index, key = place
    data = copy.deepcopy(VALID)
    data[KEY]["entry"][index]["resource"][key] = new
    response = call(server, keys, SEEN, hook_request(data))
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        assert len(response.json()["cards"]) == 1
    else:
        assert all(issue["expression"][0].startswith(f"prefetch.{KEY}.entry[{index}].resource")
                   for issue in response.json()["issue"][1:])
