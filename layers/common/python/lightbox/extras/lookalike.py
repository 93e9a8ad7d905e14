"""Make a product photo match a reference photo's look (colour, tone, light).

A seller with a catalogue shot over several days, or by several people, wants
every photo to look like the one they like: the same warmth, the same contrast,
light from the same side. This does that with three measured, clamped steps:

1. **Colour** — Reinhard-style transfer in CIE Lab: each channel's mean and
   spread are moved to the reference's. Lab, because a shift of the a/b means
   is a white-balance change a person sees as "warmer/cooler", while the same
   shift in RGB would also change brightness.
2. **Tone** — the lightness histogram is matched to the reference's (CDF
   matching), with the curve's slope clamped so a flat photo cannot be
   stretched into posterised bands, and blended with the Reinhard mapping.
3. **Lighting** — a plane fitted to each photo's luminance gives the
   direction the light comes from; a gentle multiplicative gradient (at most
   ``max_gradient`` at the frame edge) turns the photo's light towards the
   reference's.

Steps 1-2 depend only on a pixel's colour, so they are baked into a 33³ 3-D LUT
(Pillow's ``Color3DLUT``, interpolated in C): the expensive Lab maths runs on
36 k grid colours instead of 4 M pixels. Within the product mask a second,
gentler LUT keeps the product's identity: its hue and saturation are what the
buyer is buying, so only part of the lightness and white-balance shift is
applied there, and no chroma stretch at all.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFilter

from lightbox.extras._common import F32, alpha_array, as_rgb, downscale, fit_plane, rgb_array
from lightbox.imaging.colour import lab_to_srgb, luma, srgb_to_lab
from lightbox.imaging.segment import segment_foreground

#: Side of the 3-D LUT. 33 is the usual "smooth enough" size: interpolation
#: error stays below one 8-bit level for these gentle, smooth mappings.
LUT_SIZE = 33
#: Long side of the copies the statistics are measured on.
STATS_SIDE = 256
#: Clamp on the per-channel spread ratio (reference std / photo std).
MAX_SPREAD_RATIO = 2.0
#: Clamp on the slope of the tone curve (output L change per input L change).
TONE_SLOPE = (0.4, 2.5)
#: How much of the tone curve comes from histogram matching (the rest is the
#: Reinhard linear map): full CDF matching copies a reference's quirks.
TONE_WEIGHT = 0.6
#: Below this segmentation confidence the product is not protected at all.
MIN_SEGMENT_CONFIDENCE = 0.3
#: Width of the frame band the lighting slope is measured on.
BORDER_BAND = 0.15


def match_look(
    image: Image.Image,
    reference: Image.Image,
    mask: Image.Image | None = None,
    strength: float = 1.0,
    *,
    product_strength: float = 0.4,
    protect_product: bool = True,
    tone: bool = True,
    lighting: bool = True,
    max_gradient: float = 0.12,
) -> Image.Image:
    """Return `image` restyled towards `reference`'s colour, tone and lighting.

    mask: optional 'L' product mask (255 = product). Inside it the change is
        scaled by `product_strength` for lightness and white balance, and the
        product's chroma spread is never stretched. When None and
        `protect_product` is set, the product is segmented (an RGBA cut-out's
        own alpha is used); a segmentation it cannot trust (confidence < 0.3)
        means no protection rather than protecting the wrong pixels.
    strength: 0 returns the photo unchanged, 1 applies the full (clamped) match.
    max_gradient: the most the relighting may brighten/darken at the middle
        of a frame edge (0.12 = ±12 %; corners up to √2 times that), so the
        change reads as light, not as a vignette.

    The output has the input's size and mode family: an RGBA cut-out keeps its
    alpha.
    """
    if not 0.0 <= strength <= 1.0:
        raise ValueError(f"strength must be between 0 and 1, got {strength}")
    if mask is not None and mask.size != image.size:
        raise ValueError(f"mask size {mask.size} does not match image size {image.size}")
    alpha = image.getchannel("A") if image.mode == "RGBA" else None
    rgb = as_rgb(image)
    if strength == 0.0:
        return image.copy()
    if mask is None and protect_product:
        seg = segment_foreground(image)
        mask = seg.mask if seg.confidence >= MIN_SEGMENT_CONFIDENCE else None

    src_small = rgb_array(downscale(rgb, STATS_SIDE))
    ref_small = rgb_array(downscale(as_rgb(reference), STATS_SIDE))
    weights = None
    if alpha is not None:
        # A cut-out: only its visible pixels are "the photo".
        weights = alpha_array(downscale(alpha, STATS_SIDE)).ravel()
    src_lab = srgb_to_lab(src_small).reshape(-1, 3)
    ref_lab = srgb_to_lab(ref_small).reshape(-1, 3)
    transfer = _LabTransfer.fit(src_lab, ref_lab, weights, tone=tone)

    lut_bg = _lut(transfer, (strength, strength, strength), stretch_chroma=True)
    out = rgb.filter(lut_bg)
    product = None
    if mask is not None:
        ps = strength * product_strength
        lut_product = _lut(transfer, (ps, ps, ps), stretch_chroma=False)
        product = mask.convert("L")
        out = Image.composite(rgb.filter(lut_product), out, product)

    if lighting:
        out = _relight(out, src_small, ref_small, product, strength, product_strength, max_gradient)

    if alpha is not None:
        out = out.convert("RGBA")
        out.putalpha(alpha)
    return out


# ------------------------------------------------------------------ colour + tone


class _LabTransfer:
    """Per-channel Lab statistics of both photos and the matched tone curve."""

    def __init__(
        self,
        src_mean: np.ndarray,
        src_std: np.ndarray,
        ref_mean: np.ndarray,
        ref_std: np.ndarray,
        tone_curve: np.ndarray | None,
    ) -> None:
        self.src_mean, self.src_std = src_mean, src_std
        self.ref_mean, self.ref_std = ref_mean, ref_std
        self.tone_curve = tone_curve  # L (0..100, 101 samples) -> L

    @classmethod
    def fit(
        cls, src: np.ndarray, ref: np.ndarray, weights: np.ndarray | None, *, tone: bool
    ) -> _LabTransfer:
        if weights is not None:
            keep = weights >= 0.5
            if keep.sum() >= 16:
                src = src[keep]
        src_mean, src_std = src.mean(axis=0), src.std(axis=0)
        ref_mean, ref_std = ref.mean(axis=0), ref.std(axis=0)
        transfer = cls(src_mean, src_std, ref_mean, ref_std, None)
        if tone:
            linear_l = transfer.reinhard(src)[:, 0]
            transfer.tone_curve = _tone_curve(linear_l, ref[:, 0])
        return transfer

    def ratio(self) -> npt.NDArray[np.float32]:
        r = self.ref_std / np.maximum(self.src_std, 1e-3)
        clamped: npt.NDArray[np.float32] = np.clip(r, 1.0 / MAX_SPREAD_RATIO, MAX_SPREAD_RATIO)
        return clamped.astype(F32)

    def reinhard(self, lab: np.ndarray, *, stretch_chroma: bool = True) -> npt.NDArray[np.float32]:
        ratio = self.ratio()
        if not stretch_chroma:
            ratio = np.array([ratio[0], 1.0, 1.0], F32)
        moved: npt.NDArray[np.float32] = (lab - self.src_mean) * ratio + self.ref_mean
        return moved.astype(F32)

    def apply(self, lab: np.ndarray, *, stretch_chroma: bool) -> np.ndarray:
        out = self.reinhard(lab, stretch_chroma=stretch_chroma)
        if self.tone_curve is not None:
            matched = np.interp(np.clip(out[..., 0], 0, 100), np.arange(101), self.tone_curve)
            out[..., 0] = TONE_WEIGHT * matched + (1 - TONE_WEIGHT) * out[..., 0]
        out[..., 0] = np.clip(out[..., 0], 0, 100)
        return out


def _tone_curve(src_l: np.ndarray, ref_l: np.ndarray) -> np.ndarray:
    """Histogram-matching curve on L (0..100, 101 samples), slope-clamped.

    CDF matching maps each source lightness to the reference lightness of the
    same rank. It is built from matched quantiles (0.5 %..99.5 %) joined by
    straight lines, continued with slope 1 outside the photo's range, so two
    identical distributions give exactly the identity. The slope clamp then
    keeps it smooth and monotonic (a photo with a gap in its histogram must not
    become a staircase), re-anchored at the median so the clamp does not shift
    the overall level.
    """
    grid = np.arange(101, dtype=F32)
    q = np.linspace(0.005, 0.995, 64)
    src_q = np.quantile(np.clip(src_l, 0, 100), q)
    ref_q = np.quantile(np.clip(ref_l, 0, 100), q)
    src_q, first = np.unique(src_q, return_index=True)
    ref_q = ref_q[first]
    if src_q.size < 2:
        return grid
    curve = np.interp(grid, src_q, ref_q).astype(F32)
    curve = np.where(grid < src_q[0], ref_q[0] + (grid - src_q[0]), curve)
    curve = np.where(grid > src_q[-1], ref_q[-1] + (grid - src_q[-1]), curve)
    steps = np.clip(np.diff(curve), TONE_SLOPE[0], TONE_SLOPE[1])
    clamped = np.concatenate([[0.0], np.cumsum(steps)]).astype(F32)
    anchor = int(np.clip(round(float(np.median(src_l))), 0, 100))
    clamped += curve[anchor] - clamped[anchor]
    return np.clip(clamped, 0, 100).astype(F32)


def _lut(
    transfer: _LabTransfer, weights: tuple[float, float, float], *, stretch_chroma: bool
) -> ImageFilter.Color3DLUT:
    """Bake transfer + tone into a 3-D LUT, blended with identity by `weights` (L, a, b)."""
    axis = np.linspace(0.0, 1.0, LUT_SIZE, dtype=F32)
    b, g, r = np.meshgrid(axis, axis, axis, indexing="ij")  # r varies fastest
    grid = np.stack([r, g, b], axis=-1).reshape(-1, 3)
    lab = srgb_to_lab(grid)
    moved = transfer.apply(lab, stretch_chroma=stretch_chroma)
    blended = lab + (moved - lab) * np.asarray(weights, F32)
    table = lab_to_srgb(blended)
    return ImageFilter.Color3DLUT(LUT_SIZE, table.reshape(-1).tolist())


# ----------------------------------------------------------------------- lighting


def _light_slope(rgb: np.ndarray) -> np.ndarray:
    """Relative luminance slope (gx, gy) per half-frame: + = brighter right/bottom.

    Fitted on the outer band of the frame only: that is backdrop in nearly
    every product photo, in the photo and the reference alike, so the
    product's own shading (its shape, not the room's light) stays out of it
    without needing a mask for the reference.
    """
    h, w = rgb.shape[:2]
    band = np.zeros((h, w), F32)
    bh, bw = max(1, round(BORDER_BAND * h)), max(1, round(BORDER_BAND * w))
    band[:bh], band[-bh:], band[:, :bw], band[:, -bw:] = 1, 1, 1, 1
    c, gx, gy = fit_plane(luma(rgb), band)
    return np.array([gx, gy], F32) / max(c, 0.05)


def _relight(
    out: Image.Image,
    src_small: np.ndarray,
    ref_small: np.ndarray,
    product: Image.Image | None,
    strength: float,
    product_strength: float,
    max_gradient: float,
) -> Image.Image:
    """Tilt the photo's light towards the reference's with a clamped linear gain."""
    delta = _light_slope(ref_small) - _light_slope(src_small)
    norm = float(np.hypot(*delta))
    if norm > max_gradient:
        delta *= max_gradient / norm
    delta *= strength
    if float(np.hypot(*delta)) < 1e-3:
        return out
    w, h = out.size
    xs = np.linspace(-1.0, 1.0, w, dtype=F32)
    ys = np.linspace(-1.0, 1.0, h, dtype=F32)
    gain = 1.0 + delta[1] * ys[:, None] + delta[0] * xs[None, :]
    if product is not None:
        m = alpha_array(product)
        gain = 1.0 + (gain - 1.0) * (1.0 - (1.0 - product_strength) * m)
    arr = np.asarray(out, F32)
    arr *= gain[..., None]
    return Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8), "RGB")
