"""A reviewer's pixel corrections, applied when the studio image is made again.

* `crop_margin`: a nudge of the product's fill of the canvas (+0.05 = five
  points more product and less white margin); the result stays within
  `FILL_RANGE`. Publishing re-checks each marketplace's fill rule afterwards.
* `cutout`: "too_tight" grows the mask (the cut-out clipped the product),
  "too_loose" shrinks it (background was kept around the product), by
  `EDGE_SHARE` of the mask's short side (at least 2 px), keeping its soft edge.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from PIL import Image

from lightbox.imaging.morphology import max_filter

FILL_RANGE = (0.60, 0.95)
EDGE_SHARE = 0.006


def pixel_corrections(corrections: Mapping[str, Any] | None) -> dict[str, Any]:
    """The corrections that change pixels (empty: the renders stay as they are)."""
    found = {k: v for k, v in (corrections or {}).items() if k in ("crop_margin", "cutout")}
    return {k: v for k, v in found.items() if v not in (None, 0, 0.0, "")}


def corrected_fill(fill: float, crop_margin: float | None) -> float:
    low, high = FILL_RANGE
    return round(min(high, max(low, fill + float(crop_margin or 0.0))), 4)


def corrected_mask(mask: Image.Image, cutout: str | None) -> Image.Image:
    """The mask grown ("too_tight") or shrunk ("too_loose"); unchanged otherwise."""
    if cutout not in ("too_tight", "too_loose"):
        return mask
    grey = np.asarray(mask.convert("L"))
    radius = max(2, round(EDGE_SHARE * min(grey.shape)))
    if cutout == "too_tight":
        out = max_filter(grey, radius)
    else:
        out = 255 - max_filter(255 - grey, radius)
    return Image.fromarray(np.ascontiguousarray(out, dtype=np.uint8), "L")
