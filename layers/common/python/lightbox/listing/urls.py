"""Image URLs a marketplace can fetch, for the feeds (docs/architecture.md, "Listings").

With a public base URL (template parameter `PublicBaseUrl`: a CDN or website
endpoint serving the bucket's `published/` keys) an image's URL is
`{base}/{key}`, permanent. Without one it is a presigned S3 GET valid for
`FeedUrlExpirySeconds`: for a feed pulled at once, since the bucket stays private.
"""

from __future__ import annotations

from urllib.parse import quote

from lightbox.ports import Objects
from lightbox.settings import Settings


def image_url(key: str, objects: Objects, settings: Settings) -> str:
    """The URL of the published image at `key`."""
    if not key.startswith("published/"):
        raise ValueError(f"only published/ images get a public URL, not {key!r}")
    base = settings.public_base_url.rstrip("/")
    if base:
        return f"{base}/{quote(key, safe='/')}"
    return objects.presign_get(key, expires=settings.feed_url_expiry_seconds)
