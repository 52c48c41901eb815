"""Real parts for the service tests: a uvicorn server on loopback, signing keys and tokens, FHIR resources, a FHIR server."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.procedure import Procedure

import eligo
from eligo.serve.app import Settings, create_app
from eligo.serve.security import Verifier, issuer

ROOT = Path(__file__).parent.parent
ISSUER = "https://ehr.example.org"
TODAY = dt.date(2026, 6, 1)
PANCREAS = "pancreas.liver_metastases.simultaneous_resection"
COLORECTAL = "colorectal.liver_metastasectomy.liver_metastasectomy"
SNOMED, LOINC, UCUM = "http://snomed.info/sct", "http://loinc.org", "http://unitsofmeasure.org"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Keys:
    """The record system's signing keys (ES384 and RS384) and a stranger's key, generated per test run."""

    ec_key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP384R1()))
    rsa_key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(65537, 2048))
    stranger: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP384R1()))

    def jwks(self) -> dict[str, Any]:
        ec_jwk = jwt.algorithms.ECAlgorithm.to_jwk(self.ec_key.public_key(), as_dict=True)
        rsa_jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa_key.public_key(), as_dict=True)
        return {"keys": [ec_jwk | {"kid": "ec-1", "alg": "ES384"}, rsa_jwk | {"kid": "rsa-1", "alg": "RS384"}]}


def claims(aud: str, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": ISSUER, "sub": "ehr-client", "aud": aud, "exp": now + 300, "iat": now, "jti": str(uuid.uuid4())}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def token(keys: Keys, aud: str, alg: str = "ES384", key: Any = None, kid: str | None = None, **changes: Any) -> str:
    signer = key if key is not None else (keys.rsa_key if alg == "RS384" else keys.ec_key)
    kid = kid or ("rsa-1" if alg == "RS384" else "ec-1")
    return jwt.encode(claims(aud, **changes), signer, algorithm=alg, headers={"kid": kid})


@contextmanager
def running(settings: Settings) -> Iterator[str]:
    """A real uvicorn server on 127.0.0.1 in a thread, stopped at the end; yields its base URL."""
    port = int(settings.base_url.rsplit(":", 1)[1])
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    try:
        yield settings.base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def settings(kb: eligo.KnowledgeBase, keys: Keys | None, feedback: Path, port: int | None = None) -> Settings:
    verifier = Verifier({ISSUER: issuer(ISSUER, {"jwks": keys.jwks()}, "test")}) if keys else None
    return Settings(kb, f"http://127.0.0.1:{port or free_port()}", "https://docs.example.org/", feedback, verifier,
                    drafts=True, max_body=200_000, today=lambda: TODAY)


# ------------------------------------------------------------------ FHIR resources, built with fhir.resources
def as_json(resource: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resource.model_dump_json(exclude_none=True))
    return data


def bundle(*resources: Any) -> dict[str, Any]:
    return as_json(Bundle(type="searchset", entry=[{"resource": r} for r in resources]))


def patient(pid: str = "p1", died: str | None = None) -> Any:
    return Patient(id=pid, deceasedDateTime=died) if died else Patient(id=pid)


def marker(loinc: str, value: float, day: str, unit: str = "U/mL", pid: str = "p1", oid: str | None = None) -> Any:
    return Observation(id=oid or f"m-{loinc}-{day}", status="final", code={"coding": [{"system": LOINC, "code": loinc}]},
                       subject={"reference": f"Patient/{pid}"}, effectiveDateTime=day,
                       valueQuantity={"value": value, "unit": unit, "system": UCUM, "code": unit})


def chemotherapy(day: str, pid: str = "p1") -> Any:
    return Procedure(id=f"chemo-{day}", status="completed", code={"coding": [{"system": SNOMED, "code": "367336001"}]},
                     subject={"reference": f"Patient/{pid}"}, performedDateTime=day)


def metastasis(site: str, day: str, code: str = "94381002", pid: str = "p1") -> Any:
    return Condition(id=f"met-{site}-{day}", code={"coding": [{"system": SNOMED, "code": code}]},
                     subject={"reference": f"Patient/{pid}"}, onsetDateTime=day,
                     clinicalStatus={"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                                 "code": "active"}]},
                     bodySite=[{"coding": [{"system": SNOMED, "code": site}]}])


def pancreas_prefetch() -> dict[str, Any]:
    """A full prefetch: CA19-9 from 800 to 200 U/mL over chemotherapy (-75%), one liver metastasis, no new site."""
    return {
        "patient": as_json(patient()),
        "procedure-367336001": bundle(chemotherapy("2026-01-10")),
        "condition-128462008": bundle(metastasis("10200004", "2025-12-01")),
        "observation-24108-3": bundle(marker("24108-3", 800, "2026-01-05"), marker("24108-3", 200, "2026-04-20")),
        "observation-10334-1": None,
        "observation-2039-6": None,
    }


def hook_request(prefetch: dict[str, Any] | None, pid: str = "p1", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"hook": "patient-view", "hookInstance": str(uuid.uuid4()),
                            "context": {"userId": "Practitioner/1", "patientId": pid}}
    if prefetch is not None:
        body["prefetch"] = prefetch
    body.update(extra)
    return body


class FhirServer:
    """A FHIR server on loopback answering searches from a table, recording each request's Authorization (after
    `delay` seconds: a slow server)."""

    def __init__(self, answers: dict[str, Any], delay: float = 0.0) -> None:
        self.answers = answers
        self.seen: list[tuple[str, str | None]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.seen.append((self.path, self.headers.get("Authorization")))
                time.sleep(delay)
                resource, _, query = self.path.lstrip("/").partition("?")
                code = parse_qs(query).get("code", [""])[0].split(",")[0]
                found = outer.answers.get(code, outer.answers.get(resource))
                body = json.dumps(found).encode() if found is not None else b'{"resourceType":"OperationOutcome"}'
                try:
                    self.send_response(200 if found is not None else 404)
                    self.send_header("Content-Type", "application/fhir+json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client gave up waiting (a timeout under test)

            def log_message(self, *args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> FhirServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def call(server: str, keys: Keys, service: str, body: dict[str, Any]) -> httpx.Response:
    """POST a hook request to one CDS service of `server`, with a fresh token for its URL."""
    url = f"{server}/cds-services/{service}"
    return httpx.post(url, json=body, headers={"Authorization": f"Bearer {token(keys, url)}"}, timeout=10)


def card(response: httpx.Response) -> dict[str, Any]:
    """The one card of a successful hook response."""
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert len(cards) == 1
    only: dict[str, Any] = cards[0]
    return only
