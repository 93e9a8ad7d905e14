"""Reviewer credentials: signed bearer tokens carrying who, which level, until when.

A token is ``lbr1.<key id>.<payload>.<signature>``: the payload is base64url JSON
``{"sub": reviewer, "lvl": level, "iat": issued, "exp": expiry, "jti": token id}``
and the signature an HMAC-SHA256 over ``lbr1.<key id>.<payload>`` with the signing
key named by the key id (the first 12 hex digits of the key's SHA-256, so a key
is never named by anything secret). Identity and level come from here only:
the review API never reads them from a request body.

* **Rotation**: the keys live in one Secrets Manager secret; minting signs with
  its ``AWSCURRENT`` version, verifying accepts ``AWSCURRENT`` and
  ``AWSPREVIOUS``. One rotation keeps tokens already handed out working until
  they expire; a second one (or ``--retire-previous``) invalidates all of them.
* **Revocation**: a token's id, or every token of a reviewer issued before a
  moment, is listed in the review table (``adapters.dynamodb.DynamoRevocations``)
  and refused from then on.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from lightbox.review.service import REVIEW_LEVELS

PREFIX = "lbr1"
DEFAULT_TTL_SECONDS = 12 * 3600
MAX_TTL_SECONDS = 30 * 24 * 3600
REVIEWER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
_TOKEN_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_MAX_TOKEN_CHARS = 2048


class TokenError(ValueError):
    """A credential that is not accepted; the message says why (for logs, not clients)."""


@dataclass(frozen=True)
class ReviewerClaims:
    reviewer: str
    level: int
    issued_at: int
    expires_at: int
    token_id: str
    key_id: str


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:12]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise TokenError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(key: bytes, message: str) -> str:
    return _b64(hmac.new(key, message.encode("ascii"), hashlib.sha256).digest())


def check_reviewer(name: str) -> str:
    if not REVIEWER_NAME.fullmatch(name or ""):
        raise TokenError(
            "a reviewer name is 1-64 letters, digits or . _ @ - and starts with a letter or digit"
        )
    return name


def check_level(level: int) -> int:
    if not isinstance(level, int) or isinstance(level, bool):
        raise TokenError("the level is a whole number")
    if not 0 <= level < len(REVIEW_LEVELS):
        raise TokenError(f"the level is 0..{len(REVIEW_LEVELS) - 1} ({', '.join(REVIEW_LEVELS)})")
    return level


def mint(
    key: bytes,
    reviewer: str,
    level: int,
    now: int,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    token_id: str | None = None,
) -> str:
    """A signed token for `reviewer` at `level`, valid from `now` for `ttl_seconds`."""
    check_reviewer(reviewer)
    check_level(level)
    if not 60 <= ttl_seconds <= MAX_TTL_SECONDS:
        raise TokenError(f"a token lives between 60 s and {MAX_TTL_SECONDS} s")
    claims = {
        "sub": reviewer,
        "lvl": level,
        "iat": int(now),
        "exp": int(now) + int(ttl_seconds),
        "jti": token_id or secrets.token_urlsafe(18),
    }
    payload = _b64(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    head = f"{PREFIX}.{key_id(key)}.{payload}"
    return f"{head}.{_sign(key, head)}"


def _split(token: str) -> tuple[str, str, str, str]:
    if not token or len(token) > _MAX_TOKEN_CHARS:
        raise TokenError("no token, or one too long")
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != PREFIX:
        raise TokenError("not a Lightbox reviewer token")
    return parts[0], parts[1], parts[2], parts[3]


def _claims(payload: str, kid: str) -> ReviewerClaims:
    try:
        raw = json.loads(_unb64(payload))
    except (ValueError, UnicodeDecodeError) as exc:
        raise TokenError("unreadable payload") from exc
    if not isinstance(raw, dict):
        raise TokenError("unreadable payload")
    try:
        claims = ReviewerClaims(
            reviewer=check_reviewer(raw["sub"]),
            level=check_level(raw["lvl"]),
            issued_at=int(raw["iat"]),
            expires_at=int(raw["exp"]),
            token_id=str(raw["jti"]),
            key_id=kid,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise TokenError(f"bad claims: {exc}") from exc
    if not _TOKEN_ID.fullmatch(claims.token_id):
        raise TokenError("bad token id")
    return claims


def peek(token: str) -> ReviewerClaims:
    """The claims of a token WITHOUT checking its signature: for revoking it, never for access."""
    _, kid, payload, _ = _split(token.removeprefix("Bearer ").strip())
    return _claims(payload, kid)


def verify(
    token: str,
    keys: Mapping[str, bytes],
    now: int,
    is_revoked: Callable[[ReviewerClaims], bool] = lambda _claims: False,
) -> ReviewerClaims:
    """The claims of a valid token; `TokenError` for anything else.

    `keys` maps key id to key (the current and previous signing keys)."""
    if token.startswith("Bearer "):
        token = token[len("Bearer ") :].strip()
    prefix, kid, payload, signature = _split(token)
    key = keys.get(kid)
    if key is None:
        raise TokenError("signed with a key that is no longer valid")
    expected = _sign(key, f"{prefix}.{kid}.{payload}")
    if not hmac.compare_digest(expected, signature):
        raise TokenError("bad signature")
    claims = _claims(payload, kid)
    if claims.expires_at <= now:
        raise TokenError("expired")
    if claims.issued_at > now + 300:
        raise TokenError("issued in the future")
    if is_revoked(claims):
        raise TokenError("revoked")
    return claims


def new_signing_key() -> str:
    """A fresh signing key, as stored in the secret (text: 64 URL-safe characters)."""
    return secrets.token_urlsafe(48)
