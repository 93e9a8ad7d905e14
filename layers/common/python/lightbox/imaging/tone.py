"""Tone and colour correction for the studio image, decided once as LUTs.

`colour_plan` measures a small copy of the photo (backdrop and product
separately) and returns per-channel lookup tables: white balance from a
neutral backdrop (or the product's own near-neutral highlights), levels, the
look's warmth, midtones and contrast, and a highlight shoulder instead of a
hard clip. Specular highlights get their own table (no colour gains, their
gradation kept). Used by `imaging.compose.compose_studio`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import numpy.typing as npt
from PIL import Image

from lightbox.models.preset import Lighting, StudioLook

#: The neutral look's lighting (defined once, in `models.preset`).
DEFAULT_LIGHTING = StudioLook().lighting

#: Colour correction limits. A photo is corrected gently, never re-graded: a
#: wrong white-balance guess must not turn a cream product white.
MAX_WB_GAIN = 0.08  # per channel, from a neutral backdrop reference
MAX_WB_GAIN_PRODUCT = 0.04  # when only the product's own highlights are a reference
MAX_LEVELS_GAIN = 1.25
MAX_BLACK_POINT = 12
#: A product whose brightest part (p99.5) is darker than this is a dark product,
#: not an underexposed one: it is not brightened.
MIN_HIGHLIGHT_TO_STRETCH = 150
#: The contrast curve pivots on the product's median tone, kept in this range
#: so a very dark or very light product still gets an S, not a one-sided bend.
CONTRAST_PIVOT = (0.3, 0.7)
#: Specular highlights start rolling off this far below the exposure target,
#: leaving them room to keep their gradation (see `_sparkle_roll_off`).
SPECULAR_KNEE_DROP = 30
#: How fast a look's warmth fades out towards white (see `_colour_plan`).
WARMTH_FADE_POWER = 4
#: With specular highlights, at least this share of the tonal gap between the
#: brightest diffuse tone and white survives levels: that gap is the sparkle.
SPARKLE_KEEP = 0.9


@dataclass(frozen=True)
class ColourPlan:
    lut: list[int]  # 3 x 256 entries, for Image.point on RGB
    specular_lut: list[int]  # the same tone without white-balance gains, fully protected
    adjustments: dict[str, float | str]


def colour_plan(
    rgb: Image.Image,
    mask: Image.Image,
    lighting: Lighting = DEFAULT_LIGHTING,
    samples: np.ndarray | None = None,
    *,
    keep_sparkle: bool = False,
) -> ColourPlan:
    """Decide white balance, levels and tone from a small copy, as per-channel LUTs.

    White balance prefers the backdrop as the neutral reference: photographers
    shoot on white/grey sweeps, so a cast on the sweep is the light's cast.
    Grey-world on the product would turn a red bowl grey. Without a usable
    backdrop (a coloured cloth, a cut-out) the product's own brightest pixels
    are used, only if they are near-neutral, and with a tighter clamp.
    `samples` (N x 3) replaces the thumbnail's product pixels when given: the
    specular looks pass canvas-scale pixels with the highlights removed.
    keep_sparkle: the product has specular highlights; levels may not close
    more than a little of the gap between its brightest diffuse tone and them
    (SPARKLE_KEEP), or a lifted silver body would swallow its own sparkle.
    The look's warmth, midtones, contrast and highlight shoulder are folded
    into the same LUT, so the product is touched once.
    """
    small_rgb = _thumb(rgb, Image.Resampling.BOX)
    small_mask = np.asarray(_thumb(mask, Image.Resampling.BOX))
    px = np.asarray(small_rgb, np.float32).reshape(-1, 3)
    m = small_mask.reshape(-1)
    if samples is not None:
        product = samples
    else:
        product = px[m >= 250]
        if product.size == 0:
            product = px[m >= 128]
    backdrop = px[m == 0]

    gains = np.ones(3, np.float32)
    reference = "none"
    if len(backdrop) >= 0.05 * len(px):
        ref = np.median(backdrop, axis=0)
        if ref.min() >= 80 and ref.max() / max(ref.min(), 1) <= 1.25:
            gains = _neutralise(ref, MAX_WB_GAIN)
            reference = "backdrop"
    if reference == "none" and len(product):
        # White patch: the brightest product pixels, but only those that are
        # themselves near-neutral (a specular highlight, a white label), and
        # only if there are enough of them; a yellow mug's bright yellow is
        # not a white reference.
        luma = product @ np.array([0.299, 0.587, 0.114], np.float32)
        bright = product[luma >= max(150.0, float(np.percentile(luma, 99)))]
        spread = bright.max(axis=1) / np.maximum(bright.min(axis=1), 1.0)
        patch = bright[spread <= 1.12]
        if len(patch) >= max(3, 0.002 * len(product)):
            gains = _neutralise(patch.mean(axis=0), MAX_WB_GAIN_PRODUCT)
            reference = "product-highlights"

    target = float(lighting.exposure_target)
    black, k, median = 0.0, 1.0, 128.0
    if len(product):
        balanced = np.clip(product * gains, 0, 255)
        luma = balanced @ np.array([0.299, 0.587, 0.114], np.float32)
        lo, median, hi = (float(v) for v in np.percentile(luma, [0.5, 50, 99.5]))
        # Half of the missing black, at most MAX_BLACK_POINT: lifts haze without
        # crushing a product that simply has no black in it.
        black = float(np.clip(0.5 * (lo - 4.0), 0.0, MAX_BLACK_POINT))
        if hi >= MIN_HIGHLIGHT_TO_STRETCH and hi < target:
            k = min(MAX_LEVELS_GAIN, (target - black) / max(hi - black, 1.0))
            if keep_sparkle:
                k = max(1.0, min(k, (255.0 - SPARKLE_KEEP * (255.0 - hi)) / max(hi - black, 1.0)))
        else:
            # Keep white at white; only the black point moves.
            k = 255.0 / (255.0 - black)

    warmth = lighting.warmth
    tone = _Tone(lighting, k * (median - black))
    v = np.arange(256, dtype=np.float32)
    # Warmth tints the midtones and shadows and fades out towards white: a
    # white mug in a cosy look is still a white mug (a buyer who receives
    # white after seeing cream returns it). Rising with v for every warmth in
    # range (slope >= 1 - WARMTH_FADE_POWER * |warmth| > 0), so no LUT folds.
    tint = warmth * (1.0 - (v / 255.0) ** WARMTH_FADE_POWER)
    levels = [
        (v * g * (1.0 + sign * tint) - black) * k for g, sign in zip(gains, (1, 0, -1), strict=True)
    ]
    # One shoulder for all three channels, sized by the channel that reaches
    # highest, so the tone of a neutral stays neutral.
    knee = tone.knee(lighting.highlight_protection)
    main = partial(_roll_off, top=max(float(c[-1]) for c in levels), knee=knee)
    lut = [x for c in levels for x in tone.apply(c, main)]
    # Highlights: no colour gains, never darker at the top than the input (a
    # levels gain below white's own would dim a clipped sparkle), and a
    # shoulder that starts lower and keeps the tip's steps.
    k_spec = max(k, 255.0 / (255.0 - black))
    spec_levels = (v - black) * k_spec
    sparkle = partial(
        _sparkle_roll_off,
        top=float(spec_levels[-1]),
        knee=min(knee, lighting.exposure_target - SPECULAR_KNEE_DROP),
        end_slope=1.0 / k_spec,
    )
    spec = tone.apply(spec_levels, sparkle)
    return ColourPlan(
        lut=lut,
        specular_lut=spec * 3,
        adjustments={
            "wb_reference": reference,
            "gain_r": round(float(gains[0]), 4),
            "gain_g": round(float(gains[1]), 4),
            "gain_b": round(float(gains[2]), 4),
            "black_point": round(black, 2),
            "levels_gain": round(float(k), 4),
            "warmth": warmth,
            "midtones": lighting.midtones,
            "contrast": lighting.contrast,
            "highlight_knee": round(knee, 1),
        },
    )


@dataclass(frozen=True)
class _Tone:
    """The look's tone curve after levels: shoulder, midtone gamma, contrast S.

    pivot_level: where the product's median tone lands after levels (0-255+);
    the contrast S-curve turns around it so the product's overall brightness
    stays put while its shadows deepen and its highlights open up.
    """

    lighting: Lighting
    pivot_level: float

    def knee(self, protection: float) -> float:
        """Above this level highlights roll off instead of clipping (255 = off)."""
        return 255.0 - protection * (255.0 - self.lighting.exposure_target)

    def apply(self, levels: np.ndarray, shoulder: Callable[[np.ndarray], np.ndarray]) -> list[int]:
        y = np.clip(shoulder(levels.astype(np.float32)), 0.0, 255.0)
        midtones, contrast = self.lighting.midtones, self.lighting.contrast
        if midtones or contrast:
            # Both curves work on 0..1 and fix its ends; the neutral look
            # skips them, so its LUT is exactly the plain levels.
            t = y / 255.0
            pivot = shoulder(np.array([self.pivot_level], np.float32))
            p = float(np.clip(pivot[0] / 255.0, 0.0, 1.0))
            if midtones:
                gamma = 2.0**-midtones
                t, p = t**gamma, p**gamma
            if contrast:
                t = _s_curve(t, float(np.clip(p, *CONTRAST_PIVOT)), contrast)
            y = t * 255.0
        lut: list[int] = np.clip(np.round(y), 0, 255).astype(int).tolist()
        return lut


def _roll_off(y: np.ndarray, *, top: float, knee: float) -> np.ndarray:
    """Identity up to `knee`, then a rational roll-off that maps `top` to 255.

    y' = knee + d / (1 + a*d), d = y - knee: slope 1 at the knee (no kink),
    strictly rising (gradation inside a sheen survives), and `a` chosen so
    the brightest input lands exactly on 255. Without headroom to lose
    (top <= 255) or with protection off (knee 255) it is the identity, and
    the caller's clip is the old hard clip.
    """
    if top <= 255.0 or knee >= 255.0:
        return y
    a = (top - 255.0) / ((255.0 - knee) * (top - knee))
    d = np.maximum(y - knee, 0.0)
    return np.where(y > knee, knee + d / (1.0 + a * d), y)


def _sparkle_roll_off(y: np.ndarray, *, top: float, knee: float, end_slope: float) -> np.ndarray:
    """A roll-off for specular highlights that keeps their tip's gradation.

    `_roll_off` flattens towards 255, so after levels lifted the product the
    top few input levels all round to 255 and a highlight's clipped core
    grows. This one is a cubic Hermite from (knee, slope 1) to (top -> 255,
    slope `end_slope`): with end_slope = 1/levels gain the highlight's tip
    keeps its captured steps one for one, and the compression happens lower
    down, in the highlight's falloff. Slopes are limited (Fritsch-Carlson) so
    the curve always rises.
    """
    if top <= 255.0 or knee >= 255.0:
        return y
    span = top - knee
    secant = (255.0 - knee) / span
    a0, a1 = 1.0 / secant, end_slope / secant
    if a0 * a0 + a1 * a1 > 9.0:
        a0 = min(a0, 3.0)
        a1 = min(a1, float(np.sqrt(max(0.0, 9.0 - a0 * a0))))
    t = np.clip((y - knee) / span, 0.0, 1.0)
    t2, t3 = t * t, t * t * t
    curve = (
        knee * (2 * t3 - 3 * t2 + 1)
        + span * a0 * secant * (t3 - 2 * t2 + t)
        + 255.0 * (3 * t2 - 2 * t3)
        + span * a1 * secant * (t3 - t2)
    )
    return np.where(y > knee, curve, y)


def _s_curve(t: npt.NDArray[np.float32], pivot: float, strength: float) -> npt.NDArray[np.float32]:
    """Contrast around `pivot` (0..1): slope 1 + strength there, ends fixed.

    Below the pivot u - s*u*(1-u) (shadows deepen), above v + s*v*(1-v)
    (highlights open); both halves meet at the pivot with the same slope, and
    0 and 1 stay put, so black stays black and white stays white.
    """
    below = t < pivot
    u = np.where(below, t / max(pivot, 1e-6), 0.0)
    v = np.where(below, 0.0, (t - pivot) / max(1.0 - pivot, 1e-6))
    low = pivot * (u - strength * u * (1.0 - u))
    high = pivot + (1.0 - pivot) * (v + strength * v * (1.0 - v))
    return np.where(below, low, high)


def _neutralise(ref: npt.NDArray[np.floating], limit: float) -> npt.NDArray[np.float32]:
    """Per-channel gains that make `ref` grey at its own brightness, clamped."""
    grey = float(ref.mean())
    gains = grey / np.maximum(ref, 1.0)
    clamped: npt.NDArray[np.float32] = np.clip(gains, 1.0 - limit, 1.0 + limit).astype(np.float32)
    return clamped


def _thumb(img: Image.Image, method: Image.Resampling, side: int = 256) -> Image.Image:
    scale = side / max(img.size)
    if scale >= 1:
        return img
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    return img.resize(size, method, reducing_gap=2.0)
