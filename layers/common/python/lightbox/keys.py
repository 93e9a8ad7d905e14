"""S3 key contract (docs/architecture.md, "S3 key layout"): parsing, validation, derived names.

Every key that reaches a stage is checked here first, so a hostile or broken
upload path can never steer a copy outside its prefix.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

MAX_KEY_LENGTH = 1024
INCOMING_PREFIX = "incoming/"
PRODUCT_FILE = "product.json"
ASSETS_DIR = "assets"
# Segments a seller chooses (seller id, SKU, file name) — conservative on
# purpose: these end up in S3 keys, marketplace feeds and execution names.
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ ()+-]{0,199}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NAME_SAFE = re.compile(r"[^A-Za-z0-9-]+")


class InvalidKeyError(ValueError):
    """The object key breaks the upload contract; the message says how to fix it."""


@dataclass(frozen=True)
class PhotoKey:
    """A validated `incoming/{seller}/{sku}/{file}` key."""

    key: str
    seller: str
    sku: str
    filename: str

    @property
    def stem(self) -> str:
        return PurePosixPath(self.filename).stem

    @property
    def product_key(self) -> str:
        return f"{INCOMING_PREFIX}{self.seller}/{self.sku}/{PRODUCT_FILE}"

    def output_prefix(self, area: str) -> str:
        """Where outputs for this photo live in another area (renders/, quarantine/ ...)."""
        return f"{area}/{self.seller}/{self.sku}/{self.stem}"


def check_key(key: str) -> str:
    """Reject keys that are too long, contain control characters or path tricks."""
    if not key:
        raise InvalidKeyError("The object key is empty.")
    if len(key.encode()) > MAX_KEY_LENGTH:
        raise InvalidKeyError(f"The object key is longer than {MAX_KEY_LENGTH} bytes.")
    if _CONTROL.search(key):
        raise InvalidKeyError("The object key contains control characters; rename the file.")
    if unicodedata.normalize("NFC", key) != key:
        raise InvalidKeyError("The object key is not NFC-normalised Unicode; rename the file.")
    parts = key.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise InvalidKeyError(
            "The object key contains an empty, '.' or '..' path segment; "
            "upload to incoming/<seller>/<sku>/<file>."
        )
    return key


def parse_photo_key(key: str) -> PhotoKey:
    """Parse an upload key; raise InvalidKeyError with a seller-actionable message."""
    check_key(key)
    if not key.startswith(INCOMING_PREFIX):
        raise InvalidKeyError(f"Uploads must be under {INCOMING_PREFIX}<seller>/<sku>/<file>.")
    parts = key[len(INCOMING_PREFIX) :].split("/")
    if len(parts) != 3:
        raise InvalidKeyError(
            f"Expected {INCOMING_PREFIX}<seller>/<sku>/<file>, got {len(parts)} path segments "
            "after incoming/."
        )
    seller, sku, filename = parts
    for label, value in (("seller id", seller), ("SKU", sku), ("file name", filename)):
        if not _SEGMENT.match(value):
            raise InvalidKeyError(
                f"The {label} {value!r} may only use letters, digits, spaces and . _ - ( ) + "
                "and must start with a letter or digit."
            )
    return PhotoKey(key=key, seller=seller, sku=sku, filename=filename)


def is_product_metadata(key: str) -> bool:
    return key.startswith(INCOMING_PREFIX) and key.rsplit("/", 1)[-1] == PRODUCT_FILE


def is_supporting_asset(key: str) -> bool:
    """incoming/<seller>/<sku>/assets/<file>: inputs for studio extras, not listing photos."""
    parts = key.split("/")
    return len(parts) == 5 and parts[0] == "incoming" and parts[3] == ASSETS_DIR


def asset_key(seller: str, sku: str, asset: str) -> str:
    """The S3 key of a product.json asset reference (already pattern-checked there)."""
    check_key(f"{INCOMING_PREFIX}{seller}/{sku}/{asset}")
    return f"{INCOMING_PREFIX}{seller}/{sku}/{asset}"


def execution_name(bucket: str, key: str, version: str | None) -> str:
    """Deterministic Step Functions execution name for one uploaded object version.

    The same upload delivered twice (S3/EventBridge deliver at least once) maps
    to the same name, so Step Functions itself refuses the duplicate. The
    readable prefix helps operators in the console; the hash carries identity.
    """
    digest = hashlib.sha256(f"{bucket}\n{key}\n{version or ''}".encode()).hexdigest()
    readable = _NAME_SAFE.sub("-", key.removeprefix(INCOMING_PREFIX)).strip("-")[:40]
    return f"{readable}-{digest[:32]}".lstrip("-")
