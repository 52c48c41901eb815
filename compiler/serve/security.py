"""CDS Hooks authentication: the record system's JWT bearer token, verified against trusted issuers' keys.

A token is read once: its header and claims are checked first (algorithm, issuer, `aud`, `exp`, `iat`,
lifetime, `jti` not yet seen), all cheap, and only then its signature, with a key prepared once per JSON
Web Key Set by PyJWT's own algorithm objects. An issuer's keys are given in the trust file or fetched from
its `jwks_url` without blocking the event loop: one fetch in flight per URL, cached for `lifespan`, fetched
again (at most every `MIN_REFRESH` seconds) when a token names a key the cached set does not have.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import heapq
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
import yaml
from jwt.algorithms import Algorithm, get_default_algorithms

ALGORITHMS = ("RS384", "ES384")  # the specification's; never `none`, never HMAC
LEEWAY = 60  # seconds of clock skew allowed on exp, iat and nbf
MAX_LIFETIME = 3600  # a token valid for longer than an hour is refused
REQUIRED = ("iss", "aud", "exp", "iat", "jti")
# Signatures are verified on the event loop: ES384 costs about 0.3 ms of OpenSSL here and RS384 about 20 µs; a hop to a
# worker thread cost more CPU per request than it saved on this 2-core machine (measured under bench_serve.py), so
# more cores are used as uvicorn uses them, with more worker processes.
JWKS_TIMEOUT = 5.0  # seconds for one fetch of a jwks_url
LIFESPAN = 300.0  # seconds a fetched key set is used before it is fetched again
MIN_REFRESH = 30.0  # at most one fetch per this many seconds for tokens naming a key the set does not have
MAX_JWKS = 1_000_000  # bytes: a key set is a few kilobytes
_SEGMENT = re.compile(rb"[A-Za-z0-9_-]*")  # base64url without padding (RFC 7515 section 2)
_DEFAULTS = {"EC": "ES384", "RSA": "RS384"}  # the algorithm of a key that does not name one


class AuthError(Exception):
    """A request whose token is missing or not acceptable; the message says which check failed."""


class TrustError(ValueError):
    """A trust file or key set that cannot be used; the message names the place."""


@dataclass(frozen=True, slots=True)
class Key:
    """One verification key of an issuer, prepared once: the algorithm it verifies and PyJWT's object for it."""

    kid: str | None
    alg: str
    key: Any
    algorithm: Algorithm = field(repr=False)


def key_set(jwks: object, where: str) -> tuple[Key, ...]:
    """The RS384 and ES384 keys of a JSON Web Key Set; other keys are skipped, a set with none is an error."""
    entries = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(entries, list) or not entries:
        raise TrustError(f"{where}: `jwks` is not a usable JSON Web Key Set (it needs a non-empty `keys` list)")
    algorithms = get_default_algorithms()
    out, skipped = [], []
    for i, entry in enumerate(entries):
        alg = (entry.get("alg") or _DEFAULTS.get(str(entry.get("kty")))) if isinstance(entry, Mapping) else None
        if alg not in ALGORITHMS or entry.get("use", "sig") != "sig":
            skipped.append(f"keys[{i}] is not an RS384 or ES384 key")
            continue
        try:
            pyjwk = jwt.PyJWK(dict(entry), algorithm=alg)
            prepared = algorithms[alg].prepare_key(pyjwk.key)
        except (jwt.PyJWTError, TypeError, ValueError) as exc:
            skipped.append(f"keys[{i}]: {exc}")
            continue
        if (short := algorithms[alg].check_key_length(prepared)) is not None:
            skipped.append(f"keys[{i}]: {short}")
            continue
        kid = entry.get("kid")
        out.append(Key(kid if isinstance(kid, str) else None, alg, prepared, algorithms[alg]))
    if not out:
        raise TrustError(f"{where}: `jwks` is not a usable JSON Web Key Set ({'; '.join(skipped)})")
    return tuple(out)


def _pick(keys: tuple[Key, ...], kid: str | None, alg: str) -> Key | None:
    return next((k for k in keys if (kid is None or k.kid == kid) and k.alg == alg), None)


class RemoteKeys:
    """An issuer's keys fetched from its `jwks_url` with httpx.AsyncClient, never blocking the event loop."""

    def __init__(self, url: str, timeout: float = JWKS_TIMEOUT, lifespan: float = LIFESPAN,
                 min_refresh: float = MIN_REFRESH) -> None:
        self.url, self.timeout, self.lifespan, self.min_refresh = url, timeout, lifespan, min_refresh
        self.keys: tuple[Key, ...] = ()
        self.fetched = -float("inf")  # time.monotonic() of the last fetch that answered
        self.tried = -float("inf")  # ... and of the last attempt
        self._fetch: asyncio.Future[None] | None = None

    async def key(self, kid: str | None, alg: str) -> Key | None:
        now = time.monotonic()
        stale = now - self.fetched >= self.lifespan
        if stale or (_pick(self.keys, kid, alg) is None and now - self.tried >= self.min_refresh):
            await self.refresh(stale_ok=not stale)
        return _pick(self.keys, kid, alg)

    async def refresh(self, stale_ok: bool = False) -> None:
        """Fetch the key set, joining the fetch already in flight if there is one (on this event loop)."""
        loop = asyncio.get_running_loop()
        if self._fetch is None or self._fetch.done() or self._fetch.get_loop() is not loop:
            self._fetch = loop.create_task(self._get())
        try:
            await asyncio.shield(self._fetch)
        except TrustError as exc:
            if not (stale_ok and self.keys):
                raise AuthError(str(exc)) from exc

    async def _get(self) -> None:
        self.tried = time.monotonic()
        try:
            async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client:
                response = await client.get(self.url, headers={"Accept": "application/json"})
            if response.status_code != 200:
                raise TrustError(f"the issuer's keys at {self.url} answered HTTP {response.status_code}")
            if len(response.content) > MAX_JWKS:
                raise TrustError(f"the issuer's keys at {self.url} are over {MAX_JWKS} bytes")
            data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise TrustError(f"the issuer's keys could not be fetched from {self.url} ({type(exc).__name__})") from exc
        self.keys, self.fetched = key_set(data, self.url), time.monotonic()


@dataclass
class Issuer:
    """A trusted issuer: its keys from the trust file, or from its `jwks_url`."""

    iss: str
    keys: tuple[Key, ...] = ()
    remote: RemoteKeys | None = None

    async def key(self, kid: str | None, alg: str) -> Key:
        found = await self.remote.key(kid, alg) if self.remote is not None else _pick(self.keys, kid, alg)
        if found is None:
            raise AuthError(f"issuer {self.iss} has no key with kid {kid!r} for {alg}")
        return found


def load_trust(path: Path) -> dict[str, Issuer]:
    """Trusted issuers from a YAML or JSON file: `issuers: {<iss>: {jwks_url: URL} | {jwks: {keys: [...]}}}`."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise TrustError(f"{path}: cannot read the trust file ({exc})") from exc
    issuers = data.get("issuers") if isinstance(data, dict) else None
    if not isinstance(issuers, dict) or not issuers:
        raise TrustError(f"{path}: needs `issuers:`, a mapping of issuer URL to `jwks` or `jwks_url`")
    return {str(iss): issuer(str(iss), spec, f"{path}: issuers.{iss}") for iss, spec in issuers.items()}


def issuer(iss: str, spec: object, where: str, timeout: float = JWKS_TIMEOUT) -> Issuer:
    if not isinstance(spec, Mapping) or ("jwks_url" in spec) == ("jwks" in spec):
        raise TrustError(f"{where}: give either `jwks` or `jwks_url`")
    if "jwks_url" in spec:
        url = str(spec["jwks_url"])
        if not url.startswith(("https://", "http://")):
            raise TrustError(f"{where}: `jwks_url` is not an http(s) URL")
        return Issuer(iss, remote=RemoteKeys(url, timeout))
    return Issuer(iss, keys=key_set(spec["jwks"], where))


def _segment(part: str) -> bytes:
    raw = part.encode("ascii")
    if len(raw) % 4 == 1 or not _SEGMENT.fullmatch(raw):
        raise ValueError("a part is not base64url")
    return base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4))


@dataclass(frozen=True, slots=True)
class Token:
    """A compact JWS read once: its header, claims, the signed bytes and the signature."""

    header: dict[str, Any]
    claims: dict[str, Any]
    signed: bytes
    signature: bytes

    @classmethod
    def read(cls, text: str) -> Token:
        parts = text.split(".")
        try:
            if len(parts) != 3:
                raise ValueError("not three dot-separated parts")
            header, claims = (json.loads(_segment(p)) for p in parts[:2])
            signature = _segment(parts[2])
        except (ValueError, UnicodeError, binascii.Error, RecursionError) as exc:
            raise AuthError(f"the bearer token is not a JWT ({type(exc).__name__}: {exc})") from exc
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise AuthError("the bearer token is not a JWT (its header and claims are not JSON objects)")
        return cls(header, claims, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def _number(claims: Mapping[str, Any], name: str) -> float:
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AuthError(f"the token's `{name}` is not a NumericDate (seconds since 1970)")
    return float(value)


def check_claims(claims: Mapping[str, Any], audiences: tuple[str, ...], now: float) -> None:
    """The claims the specification requires, before any signature is checked (each failure names its claim)."""
    for name in REQUIRED:
        if name not in claims:
            raise AuthError(f"the token has no `{name}` claim")
    aud = claims["aud"]
    if not ((isinstance(aud, str) and aud in audiences)
            or (isinstance(aud, list) and any(isinstance(a, str) and a in audiences for a in aud))):
        raise AuthError(f"the token's aud is not this service's URL ({audiences[0]})")
    exp, iat = _number(claims, "exp"), _number(claims, "iat")
    if exp + LEEWAY <= now:
        raise AuthError("the token has expired")
    if iat - LEEWAY > now:
        raise AuthError("the token's iat is in the future")
    if "nbf" in claims and _number(claims, "nbf") - LEEWAY > now:
        raise AuthError("the token is not valid yet (nbf)")
    if exp - iat > MAX_LIFETIME:
        raise AuthError(f"the token is valid for more than {MAX_LIFETIME} seconds")
    if not isinstance(claims["jti"], str) or not claims["jti"]:
        raise AuthError("the token's `jti` is not a string")


class Verifier:
    """Checks bearer tokens: signature (RS384/ES384) by a trusted issuer's key, `aud`, `exp`, `iat`, and `jti` once."""

    def __init__(self, issuers: Mapping[str, Issuer]) -> None:
        self.issuers = dict(issuers)
        self._seen: dict[tuple[str, str], float] = {}  # (iss, jti) -> exp, of every token accepted and not expired
        self._expiry: list[tuple[float, str, str]] = []  # the same as a heap, to forget them in expiry order

    async def verify(self, authorization: str | None, audiences: tuple[str, ...]) -> dict[str, Any]:
        if not authorization:
            raise AuthError("no Authorization header: a CDS client sends `Authorization: Bearer <JWT>`")
        scheme, _, text = authorization.partition(" ")
        if scheme.lower() != "bearer" or not text.strip():
            raise AuthError("the Authorization header is not `Bearer <JWT>`")
        token = Token.read(text.strip())
        alg = token.header.get("alg")
        if alg not in ALGORITHMS:
            raise AuthError(f"the token is signed with {alg!r}; only {' and '.join(ALGORITHMS)} are accepted")
        if "crit" in token.header:
            raise AuthError("the token has critical header parameters (`crit`) this service does not understand")
        iss = token.claims.get("iss")
        if not isinstance(iss, str) or iss not in self.issuers:
            raise AuthError(f"the issuer {iss!r} is not trusted by this service")
        now = time.time()
        check_claims(token.claims, audiences, now)
        jti = token.claims["jti"]
        self._forget(now)
        if (iss, jti) in self._seen:
            raise AuthError("the token's jti was already used (a replayed token)")
        kid = token.header.get("kid")
        key = await self.issuers[iss].key(kid if isinstance(kid, str) else None, alg)
        if not key.algorithm.verify(token.signed, key.key, token.signature):
            raise AuthError("the token's signature does not verify with the issuer's key")
        if (iss, jti) in self._seen:  # the same token twice at once: only the first is accepted
            raise AuthError("the token's jti was already used (a replayed token)")
        exp = float(token.claims["exp"])
        self._seen[(iss, jti)] = exp
        heapq.heappush(self._expiry, (exp, iss, jti))
        return token.claims

    def _forget(self, now: float) -> None:
        """Forget the tokens that have expired (past the leeway): they would be refused as expired anyway."""
        while self._expiry and self._expiry[0][0] + LEEWAY < now:
            _, iss, jti = heapq.heappop(self._expiry)
            self._seen.pop((iss, jti), None)
