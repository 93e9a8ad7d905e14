"""Photo-quality metrics (sharpness, exposure) measured on a small greyscale copy.

All metrics are computed on a copy of the working image whose longest side is
``METRICS_LONG_SIDE`` (512 px): the numbers are then comparable between a 1 MP
and a 24 MP upload and cost a few milliseconds of numpy.

Keys and ranges (the scoring stage and the thresholds in ``lightbox.limits``
rely on them):

- ``laplacian_var`` (≥ 0): variance of the Laplacian (of a lightly smoothed
  copy) over the most detailed tenth of the frame (see ``_laplacian_var``).
  Higher = crisper; ~150+ for crisp studio shots, < 5 for very blurry ones.
- ``sharpness`` (0..1): ``laplacian_var`` on a log scale between
  ``LAPLACIAN_VAR_BLURRY`` (0) and ``LAPLACIAN_VAR_CRISP`` (1).
- ``mean_luma`` (0..255): mean Rec. 601 luma.
- ``clipped_highlights`` / ``clipped_shadows`` (0..1): fraction of pixels at
  or above ``CLIP_HIGH_LUMA`` / at or below ``CLIP_LOW_LUMA``.
- ``contrast`` (0..~128): standard deviation of luma.
- ``exposure`` (0..1): 1 = well exposed; penalises a frame with nothing bright
  in it (under-exposed), a frame with nothing dark in it (washed out) and a
  product — not its background — blown out to white or crushed to black.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from lightbox.limits import (
    CLIP_HIGH_LUMA,
    CLIP_LOW_LUMA,
    LAPLACIAN_VAR_BLURRY,
    LAPLACIAN_VAR_CRISP,
    METRICS_LONG_SIDE,
)

METRIC_KEYS: tuple[str, ...] = (
    "laplacian_var",
    "sharpness",
    "mean_luma",
    "clipped_highlights",
    "clipped_shadows",
    "contrast",
    "exposure",
)

# Tiles for the sharpness measure: 16 x 16 px on the 512 px copy.
_TILE = 16
# Fraction of tiles (the most detailed ones) the Laplacian variance is taken over.
_DETAIL_FRACTION = 0.1


def measure_quality(image: Image.Image) -> dict[str, float]:
    """Quality metrics of an RGB/RGBA working image (see the module docstring)."""
    luma = _metrics_luma(image)
    return {
        "laplacian_var": (lap := _laplacian_var(luma)),
        "sharpness": sharpness_from_laplacian_var(lap),
        "mean_luma": float(luma.mean()),
        "clipped_highlights": float(np.mean(luma >= CLIP_HIGH_LUMA)),
        "clipped_shadows": float(np.mean(luma <= CLIP_LOW_LUMA)),
        "contrast": float(luma.std()),
        "exposure": _exposure(luma),
    }


def sharpness_from_laplacian_var(value: float) -> float:
    """Map a Laplacian variance to 0..1 on a log scale (detail is multiplicative)."""
    lo, hi = np.log10(LAPLACIAN_VAR_BLURRY), np.log10(LAPLACIAN_VAR_CRISP)
    return float(np.clip((np.log10(max(value, 1e-6)) - lo) / (hi - lo), 0.0, 1.0))


def _metrics_luma(image: Image.Image) -> np.ndarray:
    """A ≤ 512 px float luma copy; transparency is composited onto white.

    White because that is what a marketplace shows behind a transparent
    product, and what our renders will put there. BOX (area-average) resampling
    neither invents nor sharpens edges, so it does not bias the blur measure.
    """
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        flat.alpha_composite(rgba)
        image = flat
    grey = image.convert("L")
    scale = METRICS_LONG_SIDE / max(grey.size)
    if scale < 1:
        size = (max(1, round(grey.width * scale)), max(1, round(grey.height * scale)))
        grey = grey.resize(size, Image.Resampling.BOX)
    return np.asarray(grey, dtype=np.float32)


def _laplacian_var(luma: np.ndarray) -> float:
    """Variance of the Laplacian over the most detailed tenth of the frame.

    Two choices make this usable on product photos:

    - The Laplacian is taken of a lightly smoothed copy (3 x 3 binomial), i.e.
      a small Laplacian-of-Gaussian. Plain Laplacian variance is dominated by
      sensor noise: a very blurry, noisy (dark) photo then scores as crisp.
      Measured on our samples, the smoothed version moves < 2 % with heavy
      noise while still separating 1 px blur steps at 512 px.
    - The whole-frame variance depends on how much plain background there is:
      a crisp mug filling 20 % of a white frame would score like a soft photo
      filling it. Measuring per 16 px tile and averaging the most detailed
      10 % of tiles asks "are the edges that exist crisp?", which is what a
      buyer zooming in asks.
    """
    if min(luma.shape) < 5:
        return 0.0
    smooth = (luma[:-2] + 2.0 * luma[1:-1] + luma[2:]) * 0.25
    smooth = (smooth[:, :-2] + 2.0 * smooth[:, 1:-1] + smooth[:, 2:]) * 0.25
    lap = (
        smooth[:-2, 1:-1]
        + smooth[2:, 1:-1]
        + smooth[1:-1, :-2]
        + smooth[1:-1, 2:]
        - 4.0 * smooth[1:-1, 1:-1]
    )
    h, w = (lap.shape[0] // _TILE) * _TILE, (lap.shape[1] // _TILE) * _TILE
    if h == 0 or w == 0:
        return float(lap.var())
    tiles = lap[:h, :w].reshape(h // _TILE, _TILE, w // _TILE, _TILE).swapaxes(1, 2)
    per_tile = tiles.reshape(-1, _TILE * _TILE).var(axis=1)
    count = max(1, round(per_tile.size * _DETAIL_FRACTION))
    return float(np.sort(per_tile)[-count:].mean())


def _exposure(luma: np.ndarray) -> float:
    """0..1 exposure score that does not punish a white studio background.

    - Under-exposed: even the brightest 1 % of the frame is dim (a correctly
      exposed photo has a light background or at least specular highlights),
      and, more mildly, the median sits far below the mid-grey a camera's
      metering aims for. A low-key shot (jewellery on black velvet) therefore
      lands mid-scale — for review — rather than at 0.
    - Washed out: even the darkest 1 % of the frame is light (no real shadow).
    - Blown or crushed product: the share of *product* pixels clipped. The
      background is estimated from the frame's border and excluded, so a pure
      white (255) sweep — what Amazon asks for — costs nothing.
    """
    p1, median, p99 = np.percentile(luma, [1, 50, 99])
    under = _smooth(35.0, 190.0, float(p99)) * (0.4 + 0.6 * _smooth(15.0, 90.0, float(median)))
    washed = 1.0 - _smooth(170.0, 235.0, float(p1))
    subject = _subject_pixels(luma)
    blown = float(np.mean(subject >= CLIP_HIGH_LUMA))
    crushed = float(np.mean(subject <= CLIP_LOW_LUMA))
    clip_penalty = (1.0 - _smooth(0.1, 0.5, blown)) * (1.0 - _smooth(0.25, 0.75, crushed))
    return float(np.clip(under * washed * clip_penalty, 0.0, 1.0))


def _subject_pixels(luma: np.ndarray) -> np.ndarray:
    """Pixels that differ from the background (the median of the frame border).

    Falls back to the whole frame when the "subject" would be tiny: then the
    frame has no separable background and every pixel counts.
    """
    h, w = luma.shape
    band = max(1, min(h, w) // 25)
    border = np.concatenate(
        [luma[:band].ravel(), luma[-band:].ravel(), luma[:, :band].ravel(), luma[:, -band:].ravel()]
    )
    background = float(np.median(border))
    subject = luma[np.abs(luma - background) > 12.0]
    return subject if subject.size >= 0.02 * luma.size else luma.ravel()


def _smooth(edge0: float, edge1: float, x: float) -> float:
    t = min(max((x - edge0) / (edge1 - edge0), 0.0), 1.0)
    return t * t * (3.0 - 2.0 * t)
