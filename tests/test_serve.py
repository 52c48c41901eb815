"""`eligo serve` over real HTTP: discovery, hook calls with full, partial and fetched data, bad requests, feedback."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_serve_fixtures import (
    COLORECTAL,
    LOINC,
    PANCREAS,
    FhirServer,
    Keys,
    as_json,
    bundle,
    card,
    chemotherapy,
    free_port,
    hook_request,
    marker,
    metastasis,
    pancreas_prefetch,
    patient,
    running,
    settings,
    token,
)

import eligo
from eligo.serve.feedback import FeedbackStore


@pytest.fixture(scope="module")
def kb() -> eligo.KnowledgeBase:
    return eligo.load(Path(__file__).parent.parent / "knowledge")


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("feedback") / "feedback.jsonl"


@pytest.fixture(scope="module")
def server(kb: eligo.KnowledgeBase, keys: Keys, store: Path) -> Iterator[str]:
    with running(settings(kb, keys, store)) as url:
        yield url


@pytest.fixture()
def client(server: str, keys: Keys) -> Iterator[Client]:
    with httpx.Client(base_url=server, timeout=10) as http:
        yield Client(http, server, keys)


class Client:
    """A CDS client: every request signed with a fresh token for the URL it calls."""

    def __init__(self, http: httpx.Client, base: str, keys: Keys) -> None:
        self.http, self.base, self.keys = http, base, keys

    def headers(self, path: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token(self.keys, self.base + path)}"}

    def call(self, service: str, body: Any) -> httpx.Response:
        path = f"/cds-services/{service}"
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return self.http.post(path, content=content, headers=self.headers(path) | {"Content-Type": "application/json"})

    def feedback(self, service: str, body: Any) -> httpx.Response:
        path = f"/cds-services/{service}/feedback"
        return self.http.post(path, json=body, headers=self.headers(path))


def issue(response: httpx.Response) -> dict[str, Any]:
    data = response.json()
    assert data["resourceType"] == "OperationOutcome"
    assert response.headers["content-type"].startswith("application/fhir+json")
    first: dict[str, Any] = data["issue"][0]
    return first | {"all": data["issue"]}


# ------------------------------------------------------------------ discovery
def test_discovery_lists_each_decision_in_force_with_prefetch_from_the_bindings(client: Client) -> None:
    response = client.http.get("/cds-services", headers=client.headers("/cds-services"))
    assert response.status_code == 200
    services = {s["id"]: s for s in response.json()["services"]}
    assert COLORECTAL in services and PANCREAS in services  # the test server serves drafts too
    sarcoma = services["sarcoma.pulmonary_metastasectomy.pulmonary_metastasectomy"]
    assert sarcoma["version"] == "2.0.0"  # in force on the test's day (2.0.0 effective 2026-03-01)
    pancreas = services[PANCREAS]
    assert pancreas["hook"] == "patient-view"
    assert pancreas["prefetch"]["patient"] == "Patient/{{context.patientId}}"
    assert pancreas["prefetch"]["observation-24108-3"] == (
        "Observation?patient={{context.patientId}}&code=http://loinc.org|24108-3&_sort=-date&_count=100")
    assert pancreas["extension"]["eligo"]["sha256"] == services[PANCREAS]["extension"]["eligo"]["sha256"]
    assert len(pancreas["extension"]["eligo"]["sha256"]) == 64


# ------------------------------------------------------------------ hook calls
def test_a_new_site_after_chemotherapy_decides_and_the_card_cites_the_guideline(client: Client,
                                                                                 kb: eligo.KnowledgeBase) -> None:
    prefetch = pancreas_prefetch()
    prefetch["condition-128462008"] = bundle(metastasis("10200004", "2025-12-01"), metastasis("39607008", "2026-03-02",
                                                                                              code="94391008"))
    got = card(client.call(PANCREAS, hook_request(prefetch)))
    guideline = kb.guideline("pancreas.liver_metastases", allow_draft=True)
    assert got["summary"] == "Simultaneous resection: not candidate (pancreas.liver_metastases 2.0.0)"
    assert len(got["summary"]) <= 140
    assert got["indicator"] == "warning"
    assert "A patient is **not a candidate** for simultaneous resection when" in got["detail"]
    assert guideline.sha256 in got["detail"] and guideline.sha256[:12] in got["source"]["label"]
    assert got["links"][0]["url"] == ("https://docs.example.org/guidelines/pancreas.liver_metastases/2.0.0/"
                                      "#rule-simultaneous_resection-new_metastatic_sites_appeared")
    assert "Condition/met-39607008-2026-03-02" in got["detail"]


def test_an_unknown_decision_says_what_is_missing_and_suggests_ordering_the_marker(client: Client) -> None:
    prefetch = pancreas_prefetch()
    prefetch["observation-24108-3"] = None
    got = card(client.call(PANCREAS, hook_request(prefetch)))
    assert got["summary"].startswith("Simultaneous resection: undecided, ")
    assert "[CA19-9 change](https://docs.example.org/guidelines/pancreas.liver_metastases/2.0.0/#input-ca19_9_change)" \
        in got["detail"]
    assert ("Percent change of the Observation coded LOINC 24108-3 (UCUM U/mL, kU/L) from the latest before the start "
            "of chemotherapy to the latest since; none found: order or record it.") in got["detail"]
    asked = got["detail"].split("Not held in the record; to be recorded (the tumour board's judgement):")[1]
    assert "#input-lewis_negative" in asked and "#input-ca19_9_change" not in asked  # board judgements are asked for
    order = got["suggestions"][0]
    assert order["label"] == "Order CA19-9 (LOINC 24108-3)"
    request = order["actions"][0]["resource"]
    assert (request["resourceType"], request["code"]["coding"][0]["code"], request["subject"]["reference"]) == (
        "ServiceRequest", "24108-3", "Patient/p1")


def test_the_marker_change_read_from_the_record_decides_nothing_it_should_not(client: Client) -> None:
    got = card(client.call(PANCREAS, hook_request(pancreas_prefetch())))
    found = got["detail"].split("From the record:")[1]
    assert ("#input-ca19_9_change): -75% (Observation/m-24108-3-2026-01-05, 2026-01-05 → "
            "Observation/m-24108-3-2026-04-20, 2026-04-20)") in found
    assert "#input-ca19_9_change" not in got["detail"].split("From the record:")[0]  # not asked: it was in the record


def test_colorectal_four_organs_is_beyond_oligometastatic_from_the_record_alone(client: Client) -> None:
    sites = [("10200004", "94381002"), ("39607008", "94391008"), ("12738006", "94225005"), ("272673000", "128462008")]
    prefetch = {"patient": as_json(patient()),
                "condition-128462008": bundle(*(metastasis(s, "2025-11-01", code=c) for s, c in sites)),
                "condition-C18": None}
    got = card(client.call(COLORECTAL, hook_request(prefetch)))
    assert got["summary"].startswith("Liver metastasectomy: not candidate")
    assert "#rule-liver_metastasectomy-beyond_oligometastatic" in got["links"][0]["url"]


def test_partial_prefetch_is_completed_from_the_fhir_server_with_the_token(client: Client) -> None:
    answers = {f"{LOINC}|24108-3": bundle(marker("24108-3", 800, "2026-01-05"), marker("24108-3", 100, "2026-04-01")),
               "http://snomed.info/sct|367336001": bundle(chemotherapy("2026-01-10"))}
    prefetch = {"patient": as_json(patient())}
    with FhirServer(answers) as fhir:
        got = card(client.call(PANCREAS, hook_request(prefetch, fhirServer=fhir.url, fhirAuthorization={
            "access_token": "record-token-1", "token_type": "Bearer", "expires_in": 300, "scope": "patient/*.read",
            "subject": "eligo"})))
    assert {auth for _, auth in fhir.seen} == {"Bearer record-token-1"}
    assert any(path.startswith("/Observation?patient=p1&code=http://loinc.org%7C24108-3") or
               path.startswith("/Observation?patient=p1&code=http://loinc.org|24108-3") for path, _ in fhir.seen)
    assert "Observation/m-24108-3-2026-04-01" in got["detail"]


def test_an_unreachable_fhir_server_with_no_prefetch_is_412(client: Client) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    response = client.call(PANCREAS, hook_request(None, fhirServer=dead, fhirAuthorization={"access_token": "t"}))
    assert response.status_code == 412
    assert issue(response)["diagnostics"] == "nothing can be said about this patient: the FHIR server could not be reached"


def test_an_unreachable_fhir_server_with_partial_prefetch_still_answers_and_says_so(client: Client) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    got = card(client.call(PANCREAS, hook_request({"patient": as_json(patient())}, fhirServer=dead,
                                                  fhirAuthorization={"access_token": "t"})))
    assert ("(UCUM U/mL, kU/L) from the latest before the start of chemotherapy to the latest since; the record's FHIR "
            "server could not be reached for it.") in got["detail"]


def test_no_prefetch_and_no_fhir_server_is_412(client: Client) -> None:
    response = client.call(PANCREAS, hook_request(None))
    assert response.status_code == 412
    assert "no prefetch and no fhirServer" in issue(response)["diagnostics"]


def test_a_patient_the_record_does_not_have_is_412(client: Client) -> None:
    response = client.call(PANCREAS, hook_request({"patient": None}))
    assert response.status_code == 412
    assert issue(response)["code"] == "not-found"


@pytest.mark.parametrize(("body", "status", "expression", "message"), [
    (b"{not json", 400, None, "the request body is not JSON"),
    (b"[1, 2]", 400, None, "the request body is not a JSON object"),
    (hook_request({}) | {"hook": "order-sign"}, 400, "hook", "is 'order-sign', but this service answers 'patient-view'"),
    (hook_request({}) | {"context": {}}, 400, "context.patientId", "is required: the patient whose chart is open"),
    (hook_request({"observation-24108-3": bundle(patient())}), 422, "prefetch.observation-24108-3.entry[0].resource"
     ".resourceType", "is 'Patient', but this key holds Observation resources"),
    (hook_request({"patient": as_json(patient("someone-else"))}), 422, "prefetch.patient.id",
     "is a different patient from context.patientId"),
    (hook_request(pancreas_prefetch() | {"observation-24108-3": bundle(
        marker("24108-3", 800, "2026-01-05", unit="ng/mL"), marker("24108-3", 90, "2026-04-20"))}), 422,
     "prefetch.observation-24108-3.entry[0].resource.valueQuantity",
     "is in 'ng/mL', but ca19_9_change is read in UCUM U/mL, kU/L"),
])
def test_bad_requests_get_a_status_and_an_operation_outcome_naming_the_place(
        client: Client, body: Any, status: int, expression: str | None, message: str) -> None:
    response = client.call(PANCREAS, body)
    assert response.status_code == status
    found = issue(response)
    texts = [(i.get("expression", [None])[0], i["diagnostics"]) for i in found["all"]]
    if expression is None:
        assert found["diagnostics"].startswith(message)
    else:
        assert (expression, message) in texts


def test_an_unknown_service_is_404(client: Client) -> None:
    response = client.call("no.such.service", hook_request({}))
    assert response.status_code == 404
    assert issue(response)["diagnostics"].startswith("there is no CDS service `no.such.service`")


def test_a_body_over_the_limit_is_413(client: Client) -> None:
    response = client.call(PANCREAS, b"{" + b" " * 300_000 + b"}")
    assert response.status_code == 413
    assert issue(response)["code"] == "too-costly"


# ------------------------------------------------------------------ feedback
def test_feedback_items_are_all_recorded_or_none(client: Client, store: Path) -> None:
    got = card(client.call(PANCREAS, hook_request(pancreas_prefetch() | {"condition-128462008": bundle(
        metastasis("39607008", "2026-03-02", code="94391008"))})))
    items = [{"card": got["uuid"], "outcome": "accepted", "outcomeTimestamp": "2026-06-01T10:00:00Z"},
             {"card": got["uuid"], "outcome": "overridden", "outcomeTimestamp": "2026-06-01T10:05:00Z",
              "overrideReason": {"reason": {"system": "http://example.org/reasons", "code": "board-disagrees"},
                                 "userComment": "free text that is not stored"}}]
    response = client.feedback(PANCREAS, {"feedback": items})
    assert (response.status_code, response.json()) == (200, {"recorded": 2})
    stored = store.read_bytes()
    assert b"free text that is not stored" not in stored and b"board-disagrees" in stored
    bad = client.feedback(PANCREAS, {"feedback": [items[0], {"card": "not-a-card", "outcome": "accepted"}]})
    assert bad.status_code == 422 and issue(bad)["diagnostics"].startswith("no feedback was recorded")
    assert [i["expression"] for i in issue(bad)["all"][1:]] == [["feedback[1].card"]]
    wrong_service = client.feedback(COLORECTAL, {"feedback": items[:1]})
    assert wrong_service.status_code == 422
    assert store.read_bytes() == stored  # nothing half-recorded


def test_feedback_survives_a_restart_and_a_torn_write_is_never_half_recorded(kb: eligo.KnowledgeBase, keys: Keys,
                                                                             tmp_path: Path) -> None:
    store_path = tmp_path / "feedback.jsonl"
    port = free_port()
    with running(settings(kb, keys, store_path, port)) as url, httpx.Client(base_url=url) as http:
        client = Client(http, url, keys)
        got = card(client.call(PANCREAS, hook_request(pancreas_prefetch() | {"condition-128462008": bundle(
            metastasis("39607008", "2026-03-02", code="94391008"))})))
        assert client.feedback(PANCREAS, {"feedback": [{"card": got["uuid"], "outcome": "overridden"}]}).status_code == 200
    with open(store_path, "ab") as handle:
        handle.write(b'{"outcome": "acc')  # a crash in the middle of a write
    with running(settings(kb, keys, store_path, port)) as url, httpx.Client(base_url=url) as http:
        client = Client(http, url, keys)
        assert client.feedback(PANCREAS, {"feedback": [{"card": got["uuid"], "outcome": "accepted"}]}).status_code == 200
    records = FeedbackStore(store_path).records()
    assert [r["outcome"] for r in records] == ["overridden", "accepted"]
    assert all("p1" not in json.dumps(r) for r in records)  # no patient data in the store
    rates = FeedbackStore(store_path).rates()
    assert [(r.rule, r.accepted, r.overridden, r.override_rate) for r in rates] == [
        ("new_metastatic_sites_appeared", 1, 1, 0.5)]
    assert records[0]["version"] == "2.0.0" and records[0]["guideline"] == "pancreas.liver_metastases"  # the newest draft


def test_the_version_in_force_changes_with_the_day_and_old_cards_still_take_feedback(
        kb: eligo.KnowledgeBase, keys: Keys, tmp_path: Path) -> None:
    day = [dt.date(2026, 2, 28)]
    config = settings(kb, keys, tmp_path / "feedback.jsonl")
    config.today = lambda: day[0]
    sarcoma = "sarcoma.pulmonary_metastasectomy.pulmonary_metastasectomy"
    with running(config) as url, httpx.Client(base_url=url) as http:
        client = Client(http, url, keys)

        def version() -> str:
            services = client.http.get("/cds-services", headers=client.headers("/cds-services")).json()["services"]
            found: str = next(s["version"] for s in services if s["id"] == sarcoma)
            return found

        assert version() == "1.0.0"
        old = card(client.call(sarcoma, hook_request({"patient": as_json(patient())})))
        day[0] = dt.date(2026, 3, 1)
        assert version() == "2.0.0"
        assert "sarcoma.pulmonary_metastasectomy 2.0.0" in card(client.call(sarcoma, hook_request(
            {"patient": as_json(patient())})))["summary"]
        assert client.feedback(sarcoma, {"feedback": [{"card": old["uuid"], "outcome": "accepted"}]}).status_code == 200
    assert FeedbackStore(tmp_path / "feedback.jsonl").records()[0]["version"] == "1.0.0"


BOARD = """guideline demo.board
  version 1.0.0
  status approved
  effective 2025-01-01

input ecog: count from 0 to 5 "ECOG performance status"
input ca19_9: quantity in U/mL "Serum CA 19-9"

decision plan: operate > discuss_at_tumour_board > decline, unique
  rule fit: when ecog <= 1 then operate
  rule marker_high: when ca19_9 > 1000 U/mL then discuss_at_tumour_board
  rule frail: when ecog >= 3 then decline
"""
BOARD_BINDINGS = """guideline: demo.board
version: 1.0.0
inputs:
  ecog: {resource: Observation, code: [http://loinc.org|89247-1], value: valueInteger, within: 3 months}
  ca19_9: {resource: Observation, code: [http://loinc.org|24108-3], value: valueQuantity, units: [U/mL]}
"""


@pytest.mark.parametrize(("ecog", "ca19_9", "summary", "indicator", "says"), [
    (0, 1200, "Plan: rules disagree (fit, marker_high); an open question (demo.board 1.0.0)", "warning",
     "Rules that give different outcomes all apply: `fit`, `marker_high`. This is an open question"),
    (2, 50, "Plan: no rule applies (demo.board 1.0.0)", "info", "No rule of the guideline applies"),
    (2, 1500, "Plan: discuss at tumour board (an open question for the tumour board) (demo.board 1.0.0)", "info",
     "This is an open question: the guideline leaves it to the multidisciplinary tumour board."),
])
def test_conflicts_gaps_and_board_referrals_say_the_question_is_open(
        keys: Keys, tmp_path: Path, ecog: int, ca19_9: float, summary: str, indicator: str, says: str) -> None:
    from fhir.resources.R4B.observation import Observation

    folder = tmp_path / "kb" / "demo" / "board"
    folder.mkdir(parents=True)
    (folder / "1.0.0.eligo").write_text(BOARD)
    (folder / "1.0.0.fhir.yaml").write_text(BOARD_BINDINGS)
    performance = Observation(id="ecog", status="final", code={"coding": [{"system": LOINC, "code": "89247-1"}]},
                              subject={"reference": "Patient/p1"}, effectiveDateTime="2026-05-20", valueInteger=ecog)
    prefetch = {"patient": as_json(patient()), "observation-89247-1": bundle(performance),
                "observation-24108-3": bundle(marker("24108-3", ca19_9, "2026-05-21"))}
    with running(settings(eligo.load(tmp_path / "kb"), keys, tmp_path / "f.jsonl")) as url, \
            httpx.Client(base_url=url) as http:
        got = card(Client(http, url, keys).call("demo.board.plan", hook_request(prefetch)))
    assert (got["summary"], got["indicator"]) == (summary, indicator)
    assert says in got["detail"]


OPEN = """guideline demo.open
  version 1.0.0
  status approved
  effective 2025-01-01

input ecog: count from 0 to 5 "ECOG performance status"

decision plan: operate > decline, first match
  rule frail: when ecog >= 3 then decline
  rule borderline: when ecog = 2 then open because "The committee could not agree on ECOG 2."
  otherwise operate
"""


def test_an_open_question_of_the_guideline_says_so_with_the_committees_reason_and_takes_feedback(
        keys: Keys, tmp_path: Path) -> None:
    from fhir.resources.R4B.observation import Observation

    folder = tmp_path / "kb" / "demo" / "open"
    folder.mkdir(parents=True)
    (folder / "1.0.0.eligo").write_text(OPEN)
    (folder / "1.0.0.fhir.yaml").write_text("guideline: demo.open\nversion: 1.0.0\ninputs:\n  ecog: {resource: Observation, "
                                           "code: [http://loinc.org|89247-1], value: valueInteger, within: 3 months}\n")

    def prefetch(ecog: int | None) -> dict[str, Any]:
        performance = Observation(id="ecog", status="final", code={"coding": [{"system": LOINC, "code": "89247-1"}]},
                                  subject={"reference": "Patient/p1"}, effectiveDateTime="2026-05-20", valueInteger=ecog)
        return {"patient": as_json(patient()), "observation-89247-1": bundle(performance) if ecog is not None else None}

    with running(settings(eligo.load(tmp_path / "kb"), keys, tmp_path / "f.jsonl")) as url, \
            httpx.Client(base_url=url) as http:
        client = Client(http, url, keys)
        got = card(client.call("demo.open.plan", hook_request(prefetch(2))))
        unknown = card(client.call("demo.open.plan", hook_request(prefetch(None))))
        feedback = client.feedback("demo.open.plan", {"feedback": [{"card": got["uuid"], "outcome": "accepted"}]})
    assert got["summary"] == "Plan: an open question the guideline leaves to the tumour board (demo.open 1.0.0)"
    assert got["indicator"] == "info"
    assert "The guideline deliberately leaves the plan decision open (rule `borderline`) when" in got["detail"]
    assert "> The committee could not agree on ECOG 2." in got["detail"]
    assert got["links"][0]["url"].endswith("#rule-plan-borderline")
    assert "Still possible: **operate**, **decline**, **an open question**." in unknown["detail"]
    assert feedback.status_code == 200
    [record] = FeedbackStore(tmp_path / "f.jsonl").records()
    assert (record["status"], record["rule"]) == ("open", "borderline")


def test_a_marker_dated_only_to_the_month_of_chemotherapy_is_not_guessed_and_the_card_says_why(client: Client) -> None:
    prefetch = pancreas_prefetch()
    before = as_json(marker("24108-3", 800, "2026-01-05")) | {"effectiveDateTime": "2026-01"}  # the month chemo began
    prefetch["observation-24108-3"] = {"resourceType": "Bundle", "type": "searchset", "entry": [
        {"resource": before}, {"resource": as_json(marker("24108-3", 200, "2026-04-20"))}]}
    got = card(client.call(PANCREAS, hook_request(prefetch)))
    assert ("from the latest before the start of chemotherapy to the latest since; the record does not settle it: "
            "Observation/m-24108-3-2026-01-05, 2026-01 is dated 2026-01 only, which may or may not be before "
            "the start of chemotherapy (2026-01-10).") in got["detail"]
    assert "#input-ca19_9_change): " not in got["detail"].split("From the record:")[1]  # no value was made up


def test_a_malformed_fhir_date_is_422_naming_its_place(client: Client) -> None:
    prefetch = pancreas_prefetch()
    prefetch["procedure-367336001"] = bundle(chemotherapy("2026-01-10"))
    prefetch["procedure-367336001"]["entry"][0]["resource"]["performedDateTime"] = "10/01/2026"
    response = client.call(PANCREAS, hook_request(prefetch))
    assert response.status_code == 422
    assert ("prefetch.procedure-367336001.entry[0].resource.performedDateTime",
            "`10/01/2026` is not a FHIR dateTime: write YYYY, YYYY-MM, YYYY-MM-DD, or YYYY-MM-DDThh:mm:ss with a time "
            "zone (Z or +hh:mm)") in [(i.get("expression", [None])[0], i["diagnostics"]) for i in issue(response)["all"]]
