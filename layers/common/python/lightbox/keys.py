"""S3 key contract (docs/architecture.md, "S3 key layout"): parsing, validation, derived names.

Every key that reaches a stage is checked here first, so a hostile or broken
upload path can never steer a copy outside its prefix.

Sellers name things the way their tools do: `Größe.jpg`, `Men's shoe.jpg`,
`#2.jpg`, `商品 写真.jpg`. Any printable Unicode segment is accepted (compared
NFC-normalised, so a macOS NFD name and its NFC twin are the same photo);
what is refused is only what cannot be a name: control and other invisible
separator characters, bidirectional overrides (they disguise a name), a
backslash (a Windows path pasted as a key), empty, `.` or `..` segments, and
the wrong depth. Keys Lightbox *writes* never carry the seller's characters
as such: each segment becomes a safe name (`safe_segment`), the segment
itself when it is plain ASCII, else an ASCII slug plus a short hash of the
NFC name, so outputs stay deterministic, distinct and portable; the original
names travel in the state, the audit, the listing document and the feeds.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath

MAX_KEY_LENGTH = 1024
"""S3's limit on a key, in UTF-8 bytes."""
INCOMING_PREFIX = "incoming/"
PRODUCT_FILE = "product.json"
ASSETS_DIR = "assets"
SAFE_SLUG_LENGTH = 60
"""The longest ASCII slug kept in a derived name (before `-` and the hash)."""
SAFE_HASH_LENGTH = 8
"""Hex digits of SHA-256(NFC name) appended to a slug: what keeps two names apart."""
# A segment written into output keys unchanged: plain ASCII, as before Unicode names.
_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._ ()+-]{0,199}$")
_SAFE_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,10}$")
_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Unicode categories that cannot be part of a name: controls (Cc, including
# C1), surrogates (Cs), line and paragraph separators (Zl, Zp).
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
# Bidirectional embeddings, overrides and isolates: they make `gpj.exe` look like `exe.jpg`.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NAME_SAFE = re.compile(r"[^A-Za-z0-9-]+")
# Letters NFKD does not decompose into ASCII, for readable slugs.
_FOLDED = "ß=ss ẞ=SS æ=ae Æ=AE œ=oe Œ=OE ø=o Ø=O đ=d Đ=D ł=l Ł=L þ=th Þ=Th ð=d Ð=D &=and"
_TRANSLITERATE = str.maketrans(
    {pair[0]: pair[2:] for pair in _FOLDED.split()} | {"'": "", "\u2019": ""}
)


class InvalidKeyError(ValueError):
    """The object key breaks the upload contract; the message says how to fix it."""


def refused_character(text: str) -> str | None:
    """The first character a name may not contain, described; None when all are fine."""
    for char in text:
        if char == "\\":
            return "a backslash (\\)"
        if char in _BIDI_CONTROLS:
            return f"a bidirectional control character (U+{ord(char):04X})"
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            return f"a control character (U+{ord(char):04X})"
    return None


def slug(text: str) -> str:
    """An ASCII rendering of ``text`` for derived names: accents dropped, ß → ss,
    anything else outside letters, digits and `._-` collapsed to `-`. May be empty
    (a Japanese name has no ASCII rendering)."""
    folded = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATE))
    ascii_only = "".join(c for c in folded if not unicodedata.combining(c)).encode(
        "ascii", "ignore"
    )
    cleaned = _SLUG_UNSAFE.sub("-", ascii_only.decode()).strip("-._")
    return cleaned[:SAFE_SLUG_LENGTH].rstrip("-._")


def safe_segment(name: str) -> str:
    """The name Lightbox writes for a seller's segment (seller, SKU or file stem).

    A plain-ASCII name is kept as it is (`front view`, `MUG-1`); any other becomes
    `{slug}-{hash}` (`Grosse-3f2a91c0`, or only the hash when nothing of it is ASCII).
    Deterministic, and different names give different safe names.
    """
    name = unicodedata.normalize("NFC", name)
    if _SAFE_SEGMENT.match(name):
        return name
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()
    short = digest[:SAFE_HASH_LENGTH]
    readable = slug(name)
    return f"{readable}-{short}" if readable else short


@dataclass(frozen=True)
class PhotoKey:
    """A validated `incoming/{seller}/{sku}/{file}` key.

    ``key`` is the object's real key, byte for byte; ``seller``, ``sku`` and
    ``filename`` are the seller's names, NFC-normalised (what people read and
    what identifies them). Output keys use the ``safe_*`` names.
    """

    key: str
    seller: str
    sku: str
    filename: str

    @property
    def stem(self) -> str:
        """The file name without its extension, as the seller wrote it."""
        return PurePosixPath(self.filename).stem

    @property
    def safe_seller(self) -> str:
        return safe_segment(self.seller)

    @property
    def safe_sku(self) -> str:
        return safe_segment(self.sku)

    @property
    def safe_stem(self) -> str:
        return safe_segment(self.stem)

    @property
    def safe_filename(self) -> str:
        """The safe stem plus the extension when that is plain ASCII (`.jpg`, `.heic`)."""
        suffix = PurePosixPath(self.filename).suffix
        return self.safe_stem + (suffix if _SAFE_SUFFIX.match(suffix) else "")

    @property
    def folder(self) -> str:
        """The SKU's folder in the bucket as uploaded: `incoming/{seller}/{sku}`."""
        return self.key.rsplit("/", 1)[0]

    @property
    def product_key(self) -> str:
        return f"{self.folder}/{PRODUCT_FILE}"

    def output_prefix(self, area: str) -> str:
        """Where outputs for this photo live in another area (renders/, quarantine/ ...)."""
        return f"{area}/{self.safe_seller}/{self.safe_sku}/{self.safe_stem}"

    def published_base(self, marketplace: str) -> str:
        """`published/{marketplace}/{seller}/{sku}` with safe names."""
        return f"published/{marketplace}/{self.safe_seller}/{self.safe_sku}"


def check_key(key: str) -> str:
    """Reject keys that are too long, contain refused characters or path tricks."""
    if not key:
        raise InvalidKeyError("The object key is empty.")
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_LENGTH:
        raise InvalidKeyError(f"The object key is longer than {MAX_KEY_LENGTH} bytes.")
    problem = refused_character(key)
    if problem and "backslash" in problem:
        raise InvalidKeyError(
            "The object key contains a backslash (\\), as a Windows path does; "
            "upload to incoming/<seller>/<sku>/<file> with / between the parts."
        )
    if problem:
        raise InvalidKeyError(
            f"The object key contains {problem}, which cannot be part of a name; rename the file."
        )
    parts = key.split("/")
    if any(part.strip() in ("", ".", "..") for part in parts):
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
    seller, sku, filename = (unicodedata.normalize("NFC", part) for part in parts)
    return PhotoKey(key=key, seller=seller, sku=sku, filename=filename)


def is_product_metadata(key: str) -> bool:
    return key.startswith(INCOMING_PREFIX) and key.rsplit("/", 1)[-1] == PRODUCT_FILE


def is_supporting_asset(key: str) -> bool:
    """incoming/<seller>/<sku>/assets/<file>: inputs for studio extras, not listing photos."""
    parts = key.split("/")
    return len(parts) == 5 and parts[0] == "incoming" and parts[3] == ASSETS_DIR


def asset_key(folder: str, asset: str) -> str:
    """The S3 key of a product.json asset reference (already pattern-checked there),
    in the SKU's folder as uploaded (`PhotoKey.folder`)."""
    return check_key(f"{folder}/{asset}")


def execution_name(bucket: str, key: str, version: str | None) -> str:
    """Deterministic Step Functions execution name for one uploaded object version.

    The same upload delivered twice (S3/EventBridge deliver at least once) maps
    to the same name, so Step Functions itself refuses the duplicate. The
    readable prefix (ASCII, from `slug`) helps operators in the console; the
    hash carries identity. Always at most 80 characters of `[A-Za-z0-9-]`.
    """
    raw = f"{bucket}\n{key}\n{version or ''}".encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(raw).hexdigest()
    rest = key.removeprefix(INCOMING_PREFIX)
    readable = _NAME_SAFE.sub("-", "/".join(slug(part) for part in rest.split("/")))
    return f"{readable.strip('-')[:40]}-{digest[:32]}".lstrip("-")
