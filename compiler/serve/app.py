"""The CDS Hooks service as a FastAPI application: discovery, hook calls, feedback, errors as OperationOutcome."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from eligo.cases import CaseError
from eligo.serve.cards import CardKey, DraftOrder, Service, build_services, cards, draft_orders
from eligo.serve.feedback import FeedbackStore
from eligo.serve.record import Problem, Record
from eligo.serve.security import AuthError, Verifier

if TYPE_CHECKING:
    from eligo import KnowledgeBase

log = logging.getLogger("eligo.serve")  # service ids, statuses and timings only: never patient data
FHIR_JSON = "application/fhir+json"
FETCH_TIMEOUT = 5.0


@dataclass
class Settings:
    kb: KnowledgeBase
    base_url: str  # the public URL of this service: a token's `aud` is checked against it
    docs_url: str = "http://127.0.0.1:8000/"
    feedback_path: Path = Path("eligo-feedback.jsonl")
    verifier: Verifier | None = None  # None: --insecure, no verification
    drafts: bool = False
    max_body: int = 1_000_000
    today: Callable[[], dt.date] = field(default=dt.date.today)


class Refused(Exception):
    """A request answered with an OperationOutcome: the HTTP status, the issue code and each problem."""

    def __init__(self, status: int, code: str, message: str, problems: tuple[Problem, ...] = ()) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.problems = status, code, message, problems


def outcome(status: int, code: str, message: str, problems: tuple[Problem, ...] = ()) -> JSONResponse:
    """An OperationOutcome: the headline issue and one issue per problem, each with its location."""
    issues: list[dict[str, object]] = [{"severity": "error", "code": code, "diagnostics": message}]
    issues += [{"severity": "error", "code": "invalid" if code != "not-found" else code, "diagnostics": p.message,
                "expression": [p.location]} for p in problems]
    headers = {"WWW-Authenticate": 'Bearer realm="cds-services"'} if status == 401 else None
    return JSONResponse({"resourceType": "OperationOutcome", "issue": issues}, status_code=status,
                        media_type=FHIR_JSON, headers=headers)


class Guard:
    """Pure ASGI middleware: refuses bodies over the limit by their Content-Length before anything reads them, and
    logs method, path, status and time (never a body, a query string or a header)."""

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app, self.max_body = app, max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), [0]
        length = dict(scope["headers"]).get(b"content-length", b"0")
        refused = None
        if not length.isdigit():
            refused = outcome(400, "invalid", "Content-Length is not a number")
        elif int(length) > self.max_body:
            refused = outcome(413, "too-costly", f"the request body is over {self.max_body} bytes")

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        await (refused(scope, receive, sending) if refused is not None else self.app(scope, receive, sending))
        log.info("%s %s %d %.1fms", scope["method"], scope["path"], status[0], (time.perf_counter() - started) * 1000)


class Catalogue:
    """The services in force today, rebuilt when the day changes, and the uuid of every card any of them gives."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.card_index: dict[str, CardKey] = {}
        self.day, self._services = settings.today(), self._build(settings.today())

    def _build(self, day: dt.date) -> dict[str, Service]:
        services = build_services(self.settings.kb, day, self.settings.docs_url, self.settings.drafts)
        self.card_index.update({u: k for s in services.values() for u, k in s.card_keys().items()})
        return services

    def services(self) -> dict[str, Service]:
        today = self.settings.today()
        if today != self.day:
            self._services, self.day = self._build(today), today
        return self._services


def create_app(settings: Settings) -> FastAPI:
    """The application; the services in force are built when it is created and again on the first request of each
    new day (a version whose effective date has come takes over); the card index keeps every version served."""
    catalogue = Catalogue(settings)
    card_index = catalogue.card_index
    store = FeedbackStore(settings.feedback_path)
    app = FastAPI(title="Eligo CDS Hooks service", docs_url=None, redoc_url=None, openapi_url=None)
    base = settings.base_url.rstrip("/")

    app.add_middleware(Guard, max_body=settings.max_body)

    @app.exception_handler(Refused)
    async def refused_handler(request: Request, refused: Refused) -> Response:
        return outcome(refused.status, refused.code, refused.message, refused.problems)

    @app.exception_handler(404)
    async def not_found(request: Request, exc: Exception) -> Response:
        return outcome(404, "not-found", f"there is nothing at {request.url.path}")

    @app.exception_handler(405)
    async def not_allowed(request: Request, exc: Exception) -> Response:
        return outcome(405, "not-supported", f"{request.method} is not allowed on {request.url.path}")

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> Response:
        log.error("%s %s failed: %s", request.method, request.url.path, type(exc).__name__)  # no message: it may hold data
        return outcome(500, "exception", "the service failed on this request; nothing was recorded")

    async def authenticate(request: Request, *audiences: str) -> None:
        if settings.verifier is None:
            return
        try:
            await settings.verifier.verify(request.headers.get("authorization"), audiences)
        except AuthError as exc:
            raise Refused(401, "security", str(exc)) from exc

    def service_of(service_id: str) -> Service:
        services = catalogue.services()
        if service_id not in services:
            raise Refused(404, "not-found", f"there is no CDS service `{service_id}`; GET /cds-services lists them")
        return services[service_id]

    async def body(request: Request) -> dict[str, Any]:
        raw = b""
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > settings.max_body:
                raise Refused(413, "too-costly", f"the request body is over {settings.max_body} bytes")
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise Refused(400, "structure", f"the request body is not JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise Refused(400, "structure", "the request body is not a JSON object")
        return data

    @app.get("/cds-services")
    async def discovery(request: Request) -> JSONResponse:
        await authenticate(request, f"{base}/cds-services")
        return JSONResponse({"services": [s.descriptor() for s in catalogue.services().values()]})

    @app.post("/cds-services/{service_id}")
    async def call(request: Request) -> JSONResponse:  # the id read from the path as matched, with no validation to run
        service_id: str = request.path_params["service_id"]
        await authenticate(request, f"{base}/cds-services/{service_id}")
        service = service_of(service_id)
        data = await body(request)
        patient_id, orders = check_request(service, data)
        if service.order is not None and not orders:
            return JSONResponse({"cards": []})  # none of the orders is what this decision is about: nothing to say
        prefetch = data.get("prefetch") or {}
        if not isinstance(prefetch, dict):
            raise Refused(400, "structure", "prefetch is not an object", (Problem("prefetch", "must be an object"),))
        unsent = [k for k in service.prefetch if k not in prefetch or _failed(prefetch[k])]
        fetched, unreachable = await fetch_missing(service, data, patient_id, unsent)
        given = {k: v for k, v in prefetch.items() if not _failed(v)} | fetched
        if not given:
            why = "the FHIR server could not be reached" if unreachable else \
                "the request has no prefetch and no fhirServer with fhirAuthorization to fetch it from"
            raise Refused(412, "incomplete", f"nothing can be said about this patient: {why}")
        if "patient" in given and given["patient"] is None:
            raise Refused(412, "not-found", f"the record has no patient {patient_id!r} (prefetch `patient` is null)")
        record = Record(patient_id, given, service.prefetch)
        extracted = service.extractor.extract(record, settings.today())
        if extracted.problems:
            raise Refused(422, "invalid", "some FHIR data cannot be read as this guideline's inputs",
                          tuple(extracted.problems))
        try:
            result = service.guideline.evaluate(extracted.case, trace=False)
        except CaseError as exc:
            raise Refused(422, "invalid", "the record's values are not valid inputs",
                          tuple(Problem(f"input {p.field}", p.message) for p in exc.problems)) from exc
        return JSONResponse({"cards": cards(service, result, extracted, patient_id, unreachable, orders)})

    @app.post("/cds-services/{service_id}/feedback")
    async def feedback(service_id: str, request: Request) -> JSONResponse:
        await authenticate(request, f"{base}/cds-services/{service_id}/feedback", f"{base}/cds-services/{service_id}")
        service_of(service_id)
        data = await body(request)
        records = feedback_records(service_id, data, card_index)
        store.append(records)
        return JSONResponse({"recorded": len(records)})

    return app


def _failed(value: object) -> bool:
    return isinstance(value, dict) and value.get("resourceType") == "OperationOutcome"


def check_request(service: Service, data: Mapping[str, Any]) -> tuple[str, list[DraftOrder]]:
    """The patient id of a valid hook request and, for order-select and order-sign, the draft orders the service's
    decision is about; every problem of an invalid one, at once."""
    problems = []
    if data.get("hook") != service.hook:
        problems.append(Problem("hook", f"is {data.get('hook')!r}, but this service answers {service.hook!r}"))
    if not isinstance(data.get("hookInstance"), str):
        problems.append(Problem("hookInstance", "is required (a UUID string)"))
    context = data.get("context")
    patient_id = context.get("patientId") if isinstance(context, dict) else None
    if not isinstance(patient_id, str) or not patient_id:
        problems.append(Problem("context.patientId", "is required: the patient whose chart is open"))
    server = data.get("fhirServer")
    if server is not None and not (isinstance(server, str) and server.startswith(("http://", "https://"))):
        problems.append(Problem("fhirServer", "is not an http(s) URL"))
    auth = data.get("fhirAuthorization")
    if auth is not None and not (isinstance(auth, dict) and isinstance(auth.get("access_token"), str)):
        problems.append(Problem("fhirAuthorization", "needs an access_token"))
    orders: list[DraftOrder] = []
    if service.order is not None and isinstance(context, dict):
        resources, order_problems = _draft_orders(context, patient_id, service.hook == "order-select")
        problems += order_problems
        orders = draft_orders(service, resources)
    if problems:
        raise Refused(400, "invalid", "this is not a valid CDS Hooks request for the service", tuple(problems))
    assert isinstance(patient_id, str)
    return patient_id, orders


def _draft_orders(context: Mapping[str, Any], patient_id: object,
                  selected_only: bool) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The resources of context.draftOrders (for order-select, the ones in context.selections), checked."""
    bundle = context.get("draftOrders")
    entries = bundle.get("entry") if isinstance(bundle, dict) and bundle.get("resourceType") == "Bundle" else None
    if not isinstance(entries, list):
        return [], [Problem("context.draftOrders", "is required: a Bundle of the draft orders")]
    problems, resources = [], []
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        where = f"context.draftOrders.entry[{i}].resource"
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            problems.append(Problem(where, "is not a FHIR resource"))
            continue
        subject = resource.get("subject")
        reference = subject.get("reference") if isinstance(subject, dict) else None
        if reference not in (None, f"Patient/{patient_id}"):
            problems.append(Problem(f"{where}.subject", "refers to a different patient from context.patientId"))
            continue
        resources.append(resource)
    if selected_only:
        selections = context.get("selections")
        if not isinstance(selections, list) or not selections or not all(isinstance(s, str) for s in selections):
            return [], [*problems, Problem("context.selections", "is required: the references of the selected orders")]
        chosen = {f"{r['resourceType']}/{r.get('id')}" for r in resources}
        problems += [Problem("context.selections", f"`{s}` is not in draftOrders") for s in selections if s not in chosen]
        resources = [r for r in resources if f"{r['resourceType']}/{r.get('id')}" in selections]
    return resources, problems


async def fetch_missing(service: Service, data: Mapping[str, Any], patient_id: str,
                        keys: list[str]) -> tuple[dict[str, object], list[str]]:
    """Fetch unsent prefetch keys from the request's fhirServer with its token; keys it could not reach listed."""
    server, auth = data.get("fhirServer"), data.get("fhirAuthorization")
    if not keys or not isinstance(server, str) or not isinstance(auth, dict):
        return {}, []
    headers = {"Authorization": f"Bearer {auth['access_token']}", "Accept": FHIR_JSON}
    fetched: dict[str, object] = {}
    unreachable: list[str] = []
    async with httpx.AsyncClient(base_url=server.rstrip("/") + "/", headers=headers, timeout=FETCH_TIMEOUT,
                                 follow_redirects=False) as client:

        async def one(key: str) -> None:
            url = service.prefetch[key].replace("{{context.patientId}}", patient_id)
            try:
                response = await client.get(url)
            except httpx.HTTPError:
                unreachable.append(key)
                return
            if response.status_code == 404:
                fetched[key] = None
            elif response.status_code != 200:
                unreachable.append(key)
            else:
                try:
                    fetched[key] = response.json()
                except ValueError:
                    unreachable.append(key)

        await asyncio.gather(*(one(k) for k in keys))
    return fetched, sorted(unreachable)


def feedback_records(service_id: str, data: Mapping[str, Any], index: Mapping[str, CardKey]) -> list[dict[str, object]]:
    """Validate every feedback item before any is stored; the records to append."""
    items = data.get("feedback")
    if not isinstance(items, list) or not items:
        raise Refused(400, "invalid", "feedback must be a non-empty list", (Problem("feedback", "is missing or empty"),))
    problems: list[Problem] = []
    records: list[dict[str, object]] = []
    received = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    for i, item in enumerate(items):
        where = f"feedback[{i}]"
        if not isinstance(item, dict):
            problems.append(Problem(where, "is not an object"))
            continue
        key = index.get(str(item.get("card")))
        if key is None or key.service != service_id:
            problems.append(Problem(f"{where}.card", "is not the uuid of a card this service returns"))
            continue
        if item.get("outcome") not in ("accepted", "overridden"):
            problems.append(Problem(f"{where}.outcome", "must be `accepted` or `overridden`"))
            continue
        reason = item.get("overrideReason")
        coding = reason.get("reason") if isinstance(reason, dict) else None
        records.append({
            "received": received, "service": service_id, "guideline": key.guideline, "version": key.version,
            "sha256": key.sha256, "decision": key.decision, "status": key.status, "rule": key.rule,
            "outcome": item["outcome"], "outcomeTimestamp": item.get("outcomeTimestamp"),
            "overrideReason": {"system": coding.get("system"), "code": coding.get("code")}
            if isinstance(coding, dict) else None,
        })
    if problems:
        raise Refused(422, "invalid", "no feedback was recorded: some items are not valid", tuple(problems))
    return records
