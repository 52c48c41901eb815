"""order-select and order-sign over real HTTP: a decision tied by its bindings to what is ordered answers the draft orders."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import hypothesis
import pytest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.servicerequest import ServiceRequest
from hypothesis import strategies as st
from test_serve_fixtures import (
    LOINC,
    SNOMED,
    Keys,
    as_json,
    bundle,
    call,
    marker,
    patient,
    running,
    settings,
    token,
)
from test_serve_fuzz import JSON, _paths, _replace

import eligo
from eligo.serve import check_bindings

PLAN = """guideline demo.surgery
  version 1.0.0
  status approved
  effective 2025-01-01

input ecog: count from 0 to 5 "ECOG performance status"
input ca19_9: quantity in U/mL "Serum CA 19-9"

decision operation: operate > discuss_at_tumour_board > decline, first match
  rule frail: when ecog >= 3 then decline
    because "Performance status 3 or worse."
  rule marker_high: when ca19_9 > 1000 U/mL then discuss_at_tumour_board
  otherwise operate
"""
BINDINGS = """guideline: demo.surgery
version: 1.0.0
inputs:
  ecog: {resource: Observation, code: [http://loinc.org|89247-1], value: valueInteger, within: 3 months}
  ca19_9: {resource: Observation, code: [http://loinc.org|24108-3], value: valueQuantity, units: [U/mL]}
orders:
  operation:
    description: the liver resection
    resource: ServiceRequest
    code: [http://snomed.info/sct|387713003]
"""
SERVICE = "demo.surgery.operation"


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


def _kb(root: Path, bindings: str = BINDINGS) -> eligo.KnowledgeBase:
    folder = root / "demo" / "surgery"
    folder.mkdir(parents=True)
    (folder / "1.0.0.eligo").write_text(PLAN)
    (folder / "1.0.0.fhir.yaml").write_text(bindings)
    return eligo.load(root)


@pytest.fixture(scope="module")
def server(keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("orders")
    with running(settings(_kb(root / "kb"), keys, root / "feedback.jsonl")) as url:
        yield url


def order(oid: str, code: str = "387713003", pid: str = "p1", text: str = "Right hepatectomy") -> dict[str, Any]:
    return as_json(ServiceRequest(id=oid, status="draft", intent="order", subject={"reference": f"Patient/{pid}"},
                                  code={"coding": [{"system": SNOMED, "code": code}], "text": text}))


def ecog(value: int) -> Any:
    return Observation(id=f"ecog-{value}", status="final", code={"coding": [{"system": LOINC, "code": "89247-1"}]},
                       subject={"reference": "Patient/p1"}, effectiveDateTime="2026-05-20", valueInteger=value)


def request(hook: str, orders: list[dict[str, Any]] | None, performance: int | None = 3,
            selections: list[str] | None = None) -> dict[str, Any]:
    context: dict[str, Any] = {"userId": "Practitioner/1", "patientId": "p1"}
    if orders is not None:
        context["draftOrders"] = {"resourceType": "Bundle", "type": "collection",
                                  "entry": [{"resource": o} for o in orders]}
    if selections is not None:
        context["selections"] = selections
    prefetch = {"patient": as_json(patient()),
                "observation-89247-1": bundle(ecog(performance)) if performance is not None else None,
                "observation-24108-3": bundle(marker("24108-3", 200, "2026-05-21"))}
    return {"hook": hook, "hookInstance": str(uuid.uuid4()), "context": context, "prefetch": prefetch}


def test_discovery_lists_order_select_and_order_sign_beside_patient_view(server: str, keys: Keys) -> None:
    url = f"{server}/cds-services"
    services = {s["id"]: s for s in httpx.get(url, headers={"Authorization": f"Bearer {token(keys, url)}"},
                                              timeout=10).json()["services"]}
    assert {i: s["hook"] for i, s in services.items()} == {
        SERVICE: "patient-view", f"{SERVICE}.order-select": "order-select", f"{SERVICE}.order-sign": "order-sign"}
    assert services[f"{SERVICE}.order-sign"]["title"] == "demo.surgery: operation (on signing the liver resection)"
    assert services[f"{SERVICE}.order-sign"]["prefetch"] == services[SERVICE]["prefetch"]


def test_signing_the_operation_for_a_patient_the_guideline_declines_warns_and_offers_to_remove_it(
        server: str, keys: Keys) -> None:
    response = call(server, keys, f"{SERVICE}.order-sign", request("order-sign", [order("op-1"), order("lab", "1")]))
    assert response.status_code == 200, response.text
    [card] = response.json()["cards"]
    assert card["summary"] == "Operation ordered: decline (demo.surgery 1.0.0)"
    assert card["indicator"] == "warning"
    assert card["detail"].startswith("The draft order Right hepatectomy (`ServiceRequest/op-1`) is for what the "
                                     "guideline decides here:")
    assert "> Performance status 3 or worse." in card["detail"]
    [withdraw] = card["suggestions"]
    assert withdraw["actions"] == [{"type": "delete", "description": "Remove the draft order ServiceRequest/op-1",
                                    "resourceId": ["ServiceRequest/op-1"]}]


def test_signing_it_for_a_fit_patient_says_so_without_suggestions(server: str, keys: Keys) -> None:
    [card] = call(server, keys, f"{SERVICE}.order-sign", request("order-sign", [order("op-2")], 0)).json()["cards"]
    assert (card["summary"], card["indicator"], "suggestions" in card) == (
        "Operation ordered: operate (demo.surgery 1.0.0)", "info", False)


def test_signing_it_with_the_performance_status_missing_says_what_would_decide(server: str, keys: Keys) -> None:
    [card] = call(server, keys, f"{SERVICE}.order-sign", request("order-sign", [order("op-3")], None)).json()["cards"]
    assert card["summary"] == "Operation ordered: undecided, 1 fact missing (demo.surgery 1.0.0)"
    assert "Observation coded LOINC 89247-1" in card["detail"] and "none found: order or record it." in card["detail"]


def test_orders_the_decision_is_not_about_get_no_card(server: str, keys: Keys) -> None:
    response = call(server, keys, f"{SERVICE}.order-sign", request("order-sign", [order("lab", "1")]))
    assert (response.status_code, response.json()) == (200, {"cards": []})


def test_order_select_answers_only_the_selected_orders(server: str, keys: Keys) -> None:
    both = [order("op-4"), order("lab", "1")]
    unrelated = call(server, keys, f"{SERVICE}.order-select", request("order-select", both, selections=["ServiceRequest/lab"]))
    assert unrelated.json() == {"cards": []}
    selected = call(server, keys, f"{SERVICE}.order-select", request("order-select", both,
                                                                    selections=["ServiceRequest/op-4"]))
    assert selected.json()["cards"][0]["summary"] == "Operation ordered: decline (demo.surgery 1.0.0)"


@pytest.mark.parametrize(("service", "body", "expression", "message"), [
    (f"{SERVICE}.order-sign", request("order-sign", None), "context.draftOrders",
     "is required: a Bundle of the draft orders"),
    (f"{SERVICE}.order-sign", request("patient-view", [order("op-5")]), "hook",
     "is 'patient-view', but this service answers 'order-sign'"),
    (f"{SERVICE}.order-sign", request("order-sign", [order("op-6", pid="p2")]),
     "context.draftOrders.entry[0].resource.subject", "refers to a different patient from context.patientId"),
    (f"{SERVICE}.order-select", request("order-select", [order("op-7")]), "context.selections",
     "is required: the references of the selected orders"),
    (f"{SERVICE}.order-select", request("order-select", [order("op-8")], selections=["ServiceRequest/nope"]),
     "context.selections", "`ServiceRequest/nope` is not in draftOrders"),
])
def test_bad_order_requests_are_400_naming_the_place(server: str, keys: Keys, service: str, body: dict[str, Any],
                                                     expression: str, message: str) -> None:
    response = call(server, keys, service, body)
    assert response.status_code == 400
    issues = response.json()["issue"]
    assert (expression, message) in [(i.get("expression", [None])[0], i["diagnostics"]) for i in issues[1:]]


@pytest.mark.parametrize(("change", "code", "message"), [
    (("  operation:\n    description", "  operatoin:\n    description"), "E218",
     "`operatoin` is not a decision of demo.surgery 1.0.0"),
    (("resource: ServiceRequest\n", "resource: Procedure\n"), "E219",
     "order `operation`: a draft order is a ServiceRequest, MedicationRequest, DeviceRequest with the codes of what "
     "is ordered, not a Procedure"),
    (("version: 1.0.0\n", "version: 1.0.0\nhook: order-sign\n"), "E204", "`hook: order-sign` needs the order a "
     "decision is about"),
])
def test_orders_are_checked_against_the_guideline(tmp_path: Path, change: tuple[str, str], code: str,
                                                  message: str) -> None:
    found = [(d.code, d.message) for d in check_bindings(_kb(tmp_path, BINDINGS.replace(*change, 1)))]
    assert found == [(code, message)]


@pytest.fixture(scope="module")
def insecure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    root = tmp_path_factory.mktemp("orders-fuzz")
    with running(settings(_kb(root / "kb"), None, root / "feedback.jsonl")) as url, \
            httpx.Client(base_url=url, timeout=10) as client:
        yield client


VALID_SIGN = request("order-sign", [order("op-9"), order("lab", "1")])
SIGN_PATHS = list(_paths(VALID_SIGN))


@hypothesis.settings(max_examples=40, suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
@hypothesis.given(path=st.sampled_from(SIGN_PATHS), new=JSON)
def test_an_order_sign_request_with_any_part_replaced_gets_cards_or_an_operation_outcome(
        insecure: httpx.Client, path: tuple[Any, ...], new: Any) -> None:
    response = insecure.post(f"/cds-services/{SERVICE}.order-sign", content=json.dumps(_replace(VALID_SIGN, path, new)))
    assert response.status_code in (200, 400, 412, 422), response.text
    data = response.json()
    if response.status_code == 200:
        assert len(data["cards"]) <= 1 and all(len(c["summary"]) <= 140 for c in data["cards"])
    else:
        assert data["resourceType"] == "OperationOutcome" and data["issue"][0]["diagnostics"]
