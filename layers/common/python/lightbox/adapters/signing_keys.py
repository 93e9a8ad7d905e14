"""The reviewer-token signing keys: one Secrets Manager secret, rotated by a new version."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import boto3
from botocore.exceptions import ClientError

from lightbox.review.tokens import key_id, new_signing_key

CACHE_SECONDS = 60.0


class SecretSigningKeys:
    """`AWSCURRENT` signs; `AWSCURRENT` and `AWSPREVIOUS` verify (one rotation of grace).

    Keys are cached for `CACHE_SECONDS` per container, so a rotation reaches every
    authorizer within a minute."""

    def __init__(
        self,
        secret_id: str,
        client: Any | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.secret_id = secret_id
        self._sm = client or boto3.client("secretsmanager")
        self._clock = clock
        self._cached: tuple[float, dict[str, bytes]] | None = None

    def _version(self, stage: str) -> bytes | None:
        try:
            value = self._sm.get_secret_value(SecretId=self.secret_id, VersionStage=stage)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise
        text = value.get("SecretString") or ""
        return text.encode() if text else None

    def current(self) -> bytes:
        key = self._version("AWSCURRENT")
        if not key:
            raise RuntimeError(f"the signing-key secret {self.secret_id} has no current value")
        return key

    def valid(self) -> dict[str, bytes]:
        now = self._clock()
        if self._cached and now - self._cached[0] < CACHE_SECONDS:
            return self._cached[1]
        versions = (self._version("AWSCURRENT"), self._version("AWSPREVIOUS"))
        keys = {key_id(k): k for k in versions if k}
        self._cached = (now, keys)
        return keys

    def rotate(self, retire_previous: bool = False) -> str:
        """Make a new key current; the old one verifies until the next rotation (or now,
        with `retire_previous`, which invalidates every token signed before)."""
        new = new_signing_key()
        self._sm.put_secret_value(SecretId=self.secret_id, SecretString=new)
        if retire_previous:
            self._sm.put_secret_value(SecretId=self.secret_id, SecretString=new_signing_key())
        self._cached = None
        return key_id(self.current())
