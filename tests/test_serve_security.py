"""JWT bearer tokens as CDS Hooks requires: every defect is a 401 OperationOutcome and nothing is evaluated or stored."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from test_serve_fixtures import (
    ISSUER,
    PANCREAS,
    FhirServer,
    Keys,
    claims,
    hook_request,
    pancreas_prefetch,
    running,
    settings,
    token,
)

import eligo
from eligo.serve.security import AuthError, Issuer, RemoteKeys, TrustError, Verifier, issuer, load_trust


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
    "RS384 header on the EC key": (lambda k, aud: "Bearer " + token(k, aud, alg="RS384", kid="ec-1"),
                                   "has no key with kid 'ec-1' for RS384"),
    "aud a list without this service": (lambda k, aud: "Bearer " + token(k, aud=["https://other.example.org"]),
                                        "the token's aud is not this service's URL"),
    "exp not a number": (lambda k, aud: "Bearer " + token(k, aud, exp="tomorrow"), "the token's `exp` is not a NumericDate"),
    "valid for a day": (lambda k, aud: "Bearer " + token(k, aud, exp=int(time.time()) + 86400),
                        "the token is valid for more than 3600 seconds"),
    "nbf in the future": (lambda k, aud: "Bearer " + token(k, aud, nbf=int(time.time()) + 600),
                          "the token is not valid yet (nbf)"),
    "padded signature": (lambda k, aud: "Bearer " + token(k, aud) + "==", "the bearer token is not a JWT"),
    "critical header": (lambda k, aud: "Bearer " + jwt.encode(claims(aud), k.ec_key, algorithm="ES384",
                                                               headers={"kid": "ec-1", "crit": ["exp"], "exp": 1}),
                        "critical header parameters"),
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


def _verify(verifier: Verifier, header: str, aud: str) -> dict[str, object]:
    return asyncio.run(verifier.verify(header, (aud,)))


AUD = "https://eligo.example.org/cds-services/x"


def test_an_issuer_with_a_jwks_url_is_verified_with_keys_fetched_from_it(keys: Keys) -> None:
    with FhirServer({".well-known/jwks.json": keys.jwks()}) as host:
        verifier = Verifier({ISSUER: issuer(ISSUER, {"jwks_url": f"{host.url}/.well-known/jwks.json"}, "test")})
        assert _verify(verifier, "Bearer " + token(keys, AUD), AUD)["iss"] == ISSUER
        assert _verify(verifier, "Bearer " + token(keys, AUD, alg="RS384"), AUD)["iss"] == ISSUER
        with pytest.raises(AuthError, match="the token's signature does not verify"):
            _verify(verifier, "Bearer " + token(keys, AUD, key=keys.stranger), AUD)
    assert [path for path, _ in host.seen] == ["/.well-known/jwks.json"]  # fetched once, then cached


def test_a_rotated_key_is_fetched_once_and_an_unknown_kid_does_not_refetch_every_time(keys: Keys) -> None:
    rotated = ec.generate_private_key(ec.SECP384R1())
    new_jwk = jwt.algorithms.ECAlgorithm.to_jwk(rotated.public_key(), as_dict=True) | {"kid": "ec-2", "alg": "ES384"}
    with FhirServer({".well-known/jwks.json": keys.jwks()}) as host:
        remote = RemoteKeys(f"{host.url}/.well-known/jwks.json", min_refresh=0.5)
        verifier = Verifier({ISSUER: Issuer(ISSUER, remote=remote)})
        assert _verify(verifier, "Bearer " + token(keys, AUD), AUD)["iss"] == ISSUER
        host.answers[".well-known/jwks.json"] = {"keys": [*keys.jwks()["keys"], new_jwk]}  # the record rotates
        time.sleep(0.5)
        assert _verify(verifier, "Bearer " + token(keys, AUD, key=rotated, kid="ec-2"), AUD)["iss"] == ISSUER
        for _ in range(3):  # a kid nobody has: one more fetch at most per MIN_REFRESH, not one per token
            with pytest.raises(AuthError, match="has no key with kid 'nobody'"):
                _verify(verifier, "Bearer " + token(keys, AUD, kid="nobody"), AUD)
    assert len(host.seen) == 2


def test_a_fetched_key_set_is_used_for_its_lifespan_then_fetched_again(keys: Keys) -> None:
    with FhirServer({".well-known/jwks.json": keys.jwks()}) as host:
        verifier = Verifier({ISSUER: Issuer(ISSUER, remote=RemoteKeys(f"{host.url}/.well-known/jwks.json", lifespan=0.4))})
        for _ in range(3):
            _verify(verifier, "Bearer " + token(keys, AUD), AUD)
        time.sleep(0.45)
        _verify(verifier, "Bearer " + token(keys, AUD), AUD)
    assert len(host.seen) == 2


def test_concurrent_requests_on_a_cold_key_cache_share_one_fetch(keys: Keys) -> None:
    with FhirServer({".well-known/jwks.json": keys.jwks()}, delay=0.3) as host:
        verifier = Verifier({ISSUER: issuer(ISSUER, {"jwks_url": f"{host.url}/.well-known/jwks.json"}, "test")})

        async def all_at_once() -> list[dict[str, object]]:
            return await asyncio.gather(*(verifier.verify("Bearer " + token(keys, AUD), (AUD,)) for _ in range(20)))

        assert [c["iss"] for c in asyncio.run(all_at_once())] == [ISSUER] * 20
    assert len(host.seen) == 1


def test_an_unreachable_jwks_url_is_401_within_its_timeout(keys: Keys) -> None:
    with FhirServer({".well-known/jwks.json": keys.jwks()}, delay=3.0) as host:
        verifier = Verifier({ISSUER: issuer(ISSUER, {"jwks_url": f"{host.url}/.well-known/jwks.json"}, "test",
                                            timeout=0.3)})
        started = time.monotonic()
        with pytest.raises(AuthError, match=r"the issuer's keys could not be fetched from http://127\.0\.0\.1:\d+/"):
            _verify(verifier, "Bearer " + token(keys, AUD), AUD)
        assert time.monotonic() - started < 2.0


def test_a_slow_jwks_fetch_does_not_block_other_requests(keys: Keys, tmp_path: Path) -> None:
    """While one request waits for the issuer's keys (1 s), the server answers another at once (a 401 here)."""
    kb = eligo.load(Path(__file__).parent.parent / "knowledge")
    with FhirServer({".well-known/jwks.json": keys.jwks()}, delay=1.0) as host:
        config = settings(kb, None, tmp_path / "f.jsonl")
        config.verifier = Verifier({ISSUER: issuer(ISSUER, {"jwks_url": f"{host.url}/.well-known/jwks.json"}, "t")})
        with running(config) as url:
            aud = f"{url}/cds-services/{PANCREAS}"

            async def both() -> tuple[tuple[int, float], tuple[int, float]]:
                async with httpx.AsyncClient(timeout=10) as client:
                    async def post(header: str) -> tuple[int, float]:
                        started = time.monotonic()
                        response = await client.post(aud, json=hook_request(pancreas_prefetch()),
                                                     headers={"Authorization": header})
                        return response.status_code, time.monotonic() - started

                    slow = asyncio.ensure_future(post("Bearer " + token(keys, aud)))
                    await asyncio.sleep(0.2)  # the first request is now waiting for the keys
                    quick = await post("Bearer " + jwt.encode({"iss": ISSUER, "aud": aud}, "s" * 32, algorithm="HS256"))
                    return await slow, quick

            (slow_status, slow_time), (quick_status, quick_time) = asyncio.run(both())
    assert (slow_status, quick_status) == (200, 401)
    assert slow_time >= 1.0 and quick_time < 0.5
