"""CDS Hooks authentication: the record system's JWT bearer token, verified against trusted issuers' keys."""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import yaml

ALGORITHMS = ("RS384", "ES384")  # the specification's; never `none`, never HMAC
LEEWAY = 60  # seconds of clock skew allowed on exp and iat
MAX_LIFETIME = 3600  # a token valid for longer than an hour is refused


class AuthError(Exception):
    """A request whose token is missing or not acceptable; the message says which check failed."""


@dataclass
class Issuer:
    iss: str
    keys: jwt.PyJWKSet | None = None
    jwks_url: str | None = None
    client: jwt.PyJWKClient | None = field(default=None, repr=False)

    def key(self, kid: str | None) -> Any:
        if self.client is not None:
            try:
                return self.client.get_signing_key(kid).key if kid else self.client.get_signing_keys()[0].key
            except jwt.PyJWKClientError as exc:
                raise AuthError(f"no signing key {kid!r} for issuer {self.iss} ({exc})") from exc
        assert self.keys is not None
        candidates = [k for k in self.keys.keys if kid is None or k.key_id == kid]
        if not candidates:
            raise AuthError(f"issuer {self.iss} has no key with kid {kid!r}")
        return candidates[0].key


class TrustError(ValueError):
    """A trust file that cannot be used; the message names the place."""


def load_trust(path: Path) -> dict[str, Issuer]:
    """Trusted issuers from a YAML or JSON file: `issuers: {<iss>: {jwks_url: URL} | {jwks: {keys: [...]}}}`."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise TrustError(f"{path}: cannot read the trust file ({exc})") from exc
    issuers = data.get("issuers") if isinstance(data, dict) else None
    if not isinstance(issuers, dict) or not issuers:
        raise TrustError(f"{path}: needs `issuers:`, a mapping of issuer URL to `jwks` or `jwks_url`")
    return {str(iss): issuer(str(iss), spec, f"{path}: issuers.{iss}") for iss, spec in issuers.items()}


def issuer(iss: str, spec: object, where: str) -> Issuer:
    if not isinstance(spec, Mapping):
        raise TrustError(f"{where}: give `jwks` or `jwks_url`")
    if "jwks_url" in spec:
        url = str(spec["jwks_url"])
        return Issuer(iss, jwks_url=url, client=jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=5))
    try:
        jwks = spec["jwks"]
        return Issuer(iss, keys=jwt.PyJWKSet.from_json(json.dumps(jwks)))
    except (KeyError, jwt.PyJWKSetError, jwt.InvalidKeyError, TypeError) as exc:
        raise TrustError(f"{where}: `jwks` is not a usable JSON Web Key Set ({exc})") from exc


def _peek(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of a compact JWS, unverified: enough to pick the issuer's key (PyJWT then verifies
    it once; reading it with PyJWT three times cost more than the signature check)."""
    parts = token.split(".")
    try:
        if len(parts) != 3:
            raise ValueError("not three dot-separated parts")
        header, claims = (json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))) for p in parts[:2])
    except (ValueError, TypeError, binascii.Error) as exc:
        raise AuthError(f"the bearer token is not a JWT ({exc})") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise AuthError("the bearer token is not a JWT (its header and claims are not JSON objects)")
    return header, claims


class Verifier:
    """Checks bearer tokens: signature (RS384/ES384) by a trusted issuer's key, `aud`, `exp`, `iat`, and `jti` once."""

    def __init__(self, issuers: Mapping[str, Issuer]) -> None:
        self.issuers = dict(issuers)
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def verify(self, authorization: str | None, audiences: tuple[str, ...]) -> dict[str, Any]:
        if not authorization:
            raise AuthError("no Authorization header: a CDS client sends `Authorization: Bearer <JWT>`")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("the Authorization header is not `Bearer <JWT>`")
        token = token.strip()
        header, unverified = _peek(token)
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise AuthError(f"the token is signed with {alg!r}; only {' and '.join(ALGORITHMS)} are accepted")
        iss = unverified.get("iss")
        if not isinstance(iss, str) or iss not in self.issuers:
            raise AuthError(f"the issuer {iss!r} is not trusted by this service")
        key = self.issuers[iss].key(header.get("kid"))
        try:
            claims: dict[str, Any] = jwt.decode(
                token, key, algorithms=list(ALGORITHMS), audience=list(audiences), issuer=iss, leeway=LEEWAY,
                options={"require": ["iss", "aud", "exp", "iat", "jti"]})
        except jwt.InvalidAudienceError as exc:
            raise AuthError(f"the token's aud is not this service's URL ({audiences[0]})") from exc
        except jwt.ExpiredSignatureError as exc:
            raise AuthError("the token has expired") from exc
        except jwt.ImmatureSignatureError as exc:
            raise AuthError("the token's iat is in the future") from exc
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError(f"the token has no `{exc.claim}` claim") from exc
        except jwt.InvalidSignatureError as exc:
            raise AuthError("the token's signature does not verify with the issuer's key") from exc
        except jwt.PyJWTError as exc:
            raise AuthError(f"the token is not acceptable ({exc})") from exc
        now = time.time()
        if not isinstance(claims["iat"], int | float) or claims["exp"] - claims["iat"] > MAX_LIFETIME:
            raise AuthError(f"the token is valid for more than {MAX_LIFETIME} seconds")
        self._once(iss, str(claims["jti"]), float(claims["exp"]), now)
        return claims

    def _once(self, iss: str, jti: str, exp: float, now: float) -> None:
        """Refuse a `jti` seen before from the same issuer; forget tokens once they have expired."""
        with self._lock:
            if len(self._seen) > 10_000 or int(now) % 64 == 0:
                self._seen = {k: e for k, e in self._seen.items() if e + LEEWAY >= now}
            if (iss, jti) in self._seen:
                raise AuthError("the token's jti was already used (a replayed token)")
            self._seen[(iss, jti)] = exp
