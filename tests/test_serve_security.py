"""JWT bearer tokens as CDS Hooks requires: every defect is a 401 OperationOutcome and nothing is evaluated or stored."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from test_serve_fixtures import ISSUER, PANCREAS, FhirServer, Keys, hook_request, pancreas_prefetch, running, settings, token

import eligo
from eligo.serve.security import AuthError, TrustError, Verifier, issuer, load_trust


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys()


@pytest.fixture(scope="module")
def server(keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    kb = eligo.load(Path(__file__).parent.parent / "knowledge")
    store = tmp_path_factory.mktemp("feedback") / "feedback.jsonl"
    with running(settings(kb, keys, store)) as url:
        yield url, store


def _unsigned(aud: str) -> str:
    now = int(time.time())
    return jwt.encode({"iss": ISSUER, "aud": aud, "exp": now + 60, "iat": now, "jti": str(uuid.uuid4())}, None,
                      algorithm="none")


DEFECTS: dict[str, tuple[Callable[[Keys, str], str | None], str]] = {
    "no token": (lambda k, aud: None, "no Authorization header"),
    "not a bearer": (lambda k, aud: "Basic dXNlcjpwYXNz", "the Authorization header is not `Bearer <JWT>`"),
    "not a JWT": (lambda k, aud: "Bearer not-a-token", "the bearer token is not a JWT"),
    "alg none": (lambda k, aud: f"Bearer {_unsigned(aud)}", "the token is signed with 'none'"),
    "HMAC": (lambda k, aud: "Bearer " + jwt.encode({"iss": ISSUER, "aud": aud}, "secret" * 6, algorithm="HS256"),
             "the token is signed with 'HS256'"),
    "ES256 is not ES384": (lambda k, aud: "Bearer " + jwt.encode(
        {"iss": ISSUER, "aud": aud}, ec.generate_private_key(ec.SECP256R1()), algorithm="ES256"),
        "the token is signed with 'ES256'"),
    "someone else's key": (lambda k, aud: "Bearer " + token(k, aud, key=k.stranger),
                           "the token's signature does not verify with the issuer's key"),
    "untrusted issuer": (lambda k, aud: "Bearer " + token(k, aud, iss="https://evil.example.org"),
                         "the issuer 'https://evil.example.org' is not trusted"),
    "wrong audience": (lambda k, aud: "Bearer " + token(k, "https://other.example.org/cds-services"),
                       "the token's aud is not this service's URL"),
    "expired": (lambda k, aud: "Bearer " + token(k, aud, exp=int(time.time()) - 600, iat=int(time.time()) - 900),
                "the token has expired"),
    "iat in the future": (lambda k, aud: "Bearer " + token(k, aud, iat=int(time.time()) + 600,
                                                           exp=int(time.time()) + 900), "the token's iat is in the future"),
    "no jti": (lambda k, aud: "Bearer " + token(k, aud, jti=None), "the token has no `jti` claim"),
    "no exp": (lambda k, aud: "Bearer " + token(k, aud, exp=None), "the token has no `exp` claim"),
    "unknown kid": (lambda k, aud: "Bearer " + token(k, aud, kid="rotated-away"), "has no key with kid 'rotated-away'"),
}


@pytest.mark.parametrize("defect", DEFECTS)
def test_a_bad_token_is_401_and_nothing_is_evaluated(server: tuple[str, Path], keys: Keys, defect: str) -> None:
    url, _ = server
    make, message = DEFECTS[defect]
    aud = f"{url}/cds-services/{PANCREAS}"
    header = make(keys, aud)
    response = httpx.post(aud, json=hook_request(pancreas_prefetch()),
                          headers={"Authorization": header} if header else {}, timeout=10)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["resourceType"] == "OperationOutcome" and "cards" not in body
    assert body["issue"][0]["code"] == "security"
    assert message in body["issue"][0]["diagnostics"]


def test_a_replayed_token_is_refused_the_second_time(server: tuple[str, Path], keys: Keys) -> None:
    url, _ = server
    aud = f"{url}/cds-services/{PANCREAS}"
    header = {"Authorization": "Bearer " + token(keys, aud)}
    first = httpx.post(aud, json=hook_request(pancreas_prefetch()), headers=header, timeout=10)
    second = httpx.post(aud, json=hook_request(pancreas_prefetch()), headers=header, timeout=10)
    assert first.status_code == 200 and "cards" in first.json()
    assert second.status_code == 401
    assert second.json()["issue"][0]["diagnostics"] == "the token's jti was already used (a replayed token)"


def test_rs384_tokens_are_accepted_too(server: tuple[str, Path], keys: Keys) -> None:
    url, _ = server
    aud = f"{url}/cds-services/{PANCREAS}"
    response = httpx.post(aud, json=hook_request(pancreas_prefetch()),
                          headers={"Authorization": "Bearer " + token(keys, aud, alg="RS384")}, timeout=10)
    assert response.status_code == 200 and response.json()["cards"][0]["uuid"]


def test_discovery_and_feedback_need_a_token_too_and_bad_feedback_is_not_stored(server: tuple[str, Path],
                                                                                 keys: Keys) -> None:
    url, store = server
    assert httpx.get(f"{url}/cds-services", timeout=10).status_code == 401
    before = store.read_bytes()
    feedback = httpx.post(f"{url}/cds-services/{PANCREAS}/feedback", timeout=10,
                          json={"feedback": [{"card": str(uuid.uuid4()), "outcome": "accepted"}]})
    assert feedback.status_code == 401
    assert store.read_bytes() == before


def test_insecure_mode_answers_without_a_token(keys: Keys, tmp_path: Path) -> None:
    kb = eligo.load(Path(__file__).parent.parent / "knowledge")
    with running(settings(kb, None, tmp_path / "feedback.jsonl")) as url:
        response = httpx.post(f"{url}/cds-services/{PANCREAS}", json=hook_request(pancreas_prefetch()), timeout=10)
    assert response.status_code == 200 and response.json()["cards"]


def test_a_trust_file_with_a_jwks_loads_and_a_broken_one_names_the_place(keys: Keys, tmp_path: Path) -> None:
    good = tmp_path / "trust.json"
    good.write_text(json.dumps({"issuers": {ISSUER: {"jwks": keys.jwks()}}}))
    assert list(load_trust(good)) == [ISSUER]
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"issuers:\n  {ISSUER}:\n    jwks: {{keys: [{{kty: nonsense}}]}}\n")
    with pytest.raises(TrustError, match=r"bad.yaml: issuers.https://ehr.example.org: `jwks` is not a usable"):
        load_trust(bad)
    empty = tmp_path / "empty.yaml"
    empty.write_text("issuers: {}\n")
    with pytest.raises(TrustError, match="needs `issuers:`"):
        load_trust(empty)


def test_an_issuer_with_a_jwks_url_is_verified_with_keys_fetched_from_it(keys: Keys) -> None:
    with FhirServer({".well-known/jwks.json": keys.jwks()}) as host:
        trusted = issuer(ISSUER, {"jwks_url": f"{host.url}/.well-known/jwks.json"}, "test")
        verifier = Verifier({ISSUER: trusted})
        aud = "https://eligo.example.org/cds-services/x"
        assert verifier.verify("Bearer " + token(keys, aud), (aud,))["iss"] == ISSUER
        assert verifier.verify("Bearer " + token(keys, aud, alg="RS384"), (aud,))["iss"] == ISSUER
        with pytest.raises(AuthError, match="the token's signature does not verify"):
            verifier.verify("Bearer " + token(keys, aud, key=keys.stranger), (aud,))
    assert [path for path, _ in host.seen] == ["/.well-known/jwks.json"]  # fetched once, then cached
