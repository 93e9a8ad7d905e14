"""Array, mask and matting helpers shared by the extras (Pillow + numpy only).

Conversions between Pillow images and float arrays, product masks and boxes,
premultiplied resizing, a light-direction fit and two-colour matting are used
by several extras and must behave identically in all of them. Colour science,
blurs and shadows are shared with the studio image and live in
`lightbox.imaging` (`colour`, `filters`, `shadow`). Nothing here is part of
the public API.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFilter

from lightbox.imaging.morphology import dilate, erode
from lightbox.imaging.segment import segment_foreground

F32 = np.float32
WHITE = (255, 255, 255)

#: Alpha at or above this counts as "product" for boxes and statistics.
ALPHA_ON = 128

#: Two-colour matting estimates within this of 0 or 1 are snapped to 0 or 1.
MATTE_SNAP = 0.08


# ------------------------------------------------------------------ conversions


def as_rgb(img: Image.Image, background: tuple[int, int, int] = WHITE) -> Image.Image:
    """8-bit RGB; transparency is flattened onto `background`, never black."""
    if img.mode == "RGB":
        return img
    if img.mode in ("RGBA", "LA", "PA", "RGBa") or "transparency" in img.info:
        rgba = img.convert("RGBA")
        flat = Image.new("RGB", rgba.size, background)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return img.convert("RGB")


def as_rgba(img: Image.Image) -> Image.Image:
    """RGBA; an image without alpha becomes fully opaque."""
    return img if img.mode == "RGBA" else img.convert("RGBA")


def rgb_array(img: Image.Image) -> np.ndarray:
    """float32 H x W x 3 in 0..1."""
    return np.asarray(as_rgb(img), F32) * (1.0 / 255.0)


def alpha_array(img: Image.Image) -> np.ndarray:
    """float32 H x W in 0..1 from an 'L' mask or the alpha band of an image."""
    band = img if img.mode == "L" else as_rgba(img).getchannel("A")
    return np.asarray(band, F32) * (1.0 / 255.0)


def to_image(arr: np.ndarray) -> Image.Image:
    """0..1 float (H x W x 3 or H x W) to an 8-bit RGB or L image."""
    data = np.clip(arr * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return Image.fromarray(data, "RGB" if data.ndim == 3 else "L")


# ------------------------------------------------------------------------ masks


def product_mask(img: Image.Image, mask: Image.Image | None) -> Image.Image:
    """The product's 'L' mask: the given one, the image's own alpha, or segmented."""
    if mask is not None:
        if mask.size != img.size:
            raise ValueError(f"mask size {mask.size} does not match image size {img.size}")
        return mask.convert("L")
    return segment_foreground(img).mask


def solid_bbox(mask: Image.Image, threshold: int = ALPHA_ON) -> tuple[int, int, int, int] | None:
    """Bounding box of pixels at or above `threshold` (right/bottom exclusive)."""
    box = mask.point(lambda v: 255 if v >= threshold else 0).getbbox()
    return tuple(box) if box else None  # type: ignore[return-value]


def crop_to_alpha(rgba: Image.Image) -> Image.Image:
    """Crop an RGBA cut-out to its visible pixels."""
    box = rgba.getchannel("A").point(lambda v: 255 if v >= 4 else 0).getbbox()
    if box is None:
        raise ValueError("the cut-out is fully transparent: there is no product to place")
    return rgba.crop(box)


def resize_rgba(rgba: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Premultiplied resize: colour under transparent pixels must not bleed in."""
    if rgba.size == size:
        return rgba
    method = Image.Resampling.LANCZOS if size[0] < rgba.width else Image.Resampling.BICUBIC
    return rgba.convert("RGBa").resize(size, method, reducing_gap=3.0).convert("RGBA")


def downscale(
    img: Image.Image, side: int, method: Image.Resampling = Image.Resampling.BOX
) -> Image.Image:
    scale = side / max(img.size)
    if scale >= 1.0:
        return img
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    return img.resize(size, method, reducing_gap=2.0)


def fit_plane(values: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, float, float]:
    """Least-squares plane v = c + gx*x + gy*y over coordinates in -1..1.

    The slope (gx, gy) is the direction in which the frame gets brighter, i.e.
    where the light comes from; c is the mean level.
    """
    h, w = values.shape
    y, x = np.mgrid[0:h, 0:w].astype(F32)
    x = x / max(w - 1, 1) * 2 - 1
    y = y / max(h - 1, 1) * 2 - 1
    wts = np.ones_like(values) if weights is None else weights
    keep = wts.ravel() > 0
    if keep.sum() < 3:
        return float(values.mean()), 0.0, 0.0
    sw = np.sqrt(wts.ravel()[keep])
    design = np.stack([np.ones(keep.sum(), F32), x.ravel()[keep], y.ravel()[keep]], axis=1)
    coef, *_ = np.linalg.lstsq(design * sw[:, None], values.ravel()[keep] * sw, rcond=None)
    return float(coef[0]), float(coef[1]), float(coef[2])


def hull_fill(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """The filled convex hull of a boolean mask (same shape).

    Only each row's leftmost and rightmost pixel corners can be hull vertices,
    so the hull is built from at most 4 points per row (monotone chain).
    """
    rows = np.nonzero(mask.any(axis=1))[0]
    out = Image.new("L", (mask.shape[1], mask.shape[0]), 0)
    if rows.size == 0:
        return np.zeros(mask.shape, bool)
    sub = mask[rows]
    left = sub.argmax(axis=1)
    right = sub.shape[1] - 1 - sub[:, ::-1].argmax(axis=1)
    pts = np.unique(
        np.concatenate(
            [
                np.stack([left, rows], 1),
                np.stack([left, rows + 1], 1),
                np.stack([right + 1, rows], 1),
                np.stack([right + 1, rows + 1], 1),
            ]
        ).astype(np.float64),
        axis=0,
    )

    def chain(points: np.ndarray) -> list[np.ndarray]:
        hull: list[np.ndarray] = []
        for p in points:
            while len(hull) >= 2:
                (ax, ay), (bx, by) = hull[-2], hull[-1]
                if (bx - ax) * (p[1] - ay) - (by - ay) * (p[0] - ax) > 0:
                    break
                hull.pop()
            hull.append(p)
        return hull

    poly = chain(pts)[:-1] + chain(pts[::-1])[:-1]
    if len(poly) >= 3:
        # vertices are pixel corners; ImageDraw addresses pixel centres
        ImageDraw.Draw(out).polygon([(float(x) - 0.5, float(y) - 0.5) for x, y in poly], fill=255)
    return np.asarray(out) > 0


def decontaminate(rgb: np.ndarray, alpha: np.ndarray, backdrop: np.ndarray) -> np.ndarray:
    """Remove a known backdrop colour from semi-transparent edge pixels.

    An edge pixel is a*F + (1-a)*B; composited over anything else it would
    keep (1-a)*B, the light fringe around a product shot on white. Solving for
    F on the edge band (0 < a < 1) removes it. `backdrop` is one RGB colour
    (0..1): the products here come from a clean studio backdrop.
    """
    out = rgb.copy()
    band = (alpha > 0.02) & (alpha < 0.98)
    if not band.any():
        return out
    a = alpha[band][:, None]
    out[band] = np.clip((rgb[band] - (1.0 - a) * backdrop) / a, 0.0, 1.0)
    return out


def refine_alpha(rgb: np.ndarray, alpha: np.ndarray, backdrop: np.ndarray) -> np.ndarray:
    """Re-estimate alpha along the outline from colour (two-colour matting).

    A segmentation edge that sits a pixel off the true outline marks backdrop
    pixels as product (a light seam once composited on anything darker) and
    product pixels as half-transparent (a dark line after decontamination).
    Each pixel of the edge band is projected onto the line between the
    backdrop colour and the local product colour (the product's solid
    interior, blurred); where the two colours are too alike for that to mean
    anything, the mask's own alpha is kept. Only the edge band changes, so a
    light print inside the product cannot be made transparent.
    """
    solid = erode(alpha >= 0.97, 2)
    if not solid.any():
        return alpha
    radius = 4.0
    weight_img = Image.fromarray(solid.astype(np.uint8) * 255, "L").filter(
        ImageFilter.GaussianBlur(radius)
    )
    weight = np.asarray(weight_img, F32) / 255.0
    colour_img = to_image(rgb * solid[..., None]).filter(ImageFilter.GaussianBlur(radius))
    edge = ((alpha > 0.0) & (alpha < 1.0)) | (dilate(alpha < 0.5, 2) & (alpha >= 0.5))
    edge &= weight > 0.05
    if not edge.any():
        return alpha
    garment = np.asarray(colour_img, F32)[edge] / 255.0 / weight[edge][:, None]
    d = garment - backdrop
    est = np.einsum("ij,ij->i", rgb[edge] - backdrop, d) / np.maximum(
        np.einsum("ij,ij->i", d, d), 1e-4
    )
    trust = np.linalg.norm(d, axis=1) > 0.15
    out = alpha.copy()
    # Shading inside the product (folds, a gradient) moves the projection by
    # several per cent; snapping the ends keeps solid pixels solid and clean
    # backdrop clean, so only true mixtures stay partial.
    est = np.clip((est - MATTE_SNAP) / (1.0 - 2.0 * MATTE_SNAP), 0.0, 1.0)
    out[edge] = np.where(trust, est, alpha[edge])
    return out


def backdrop_colour(
    rgb: npt.NDArray[np.float32], alpha: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """Median colour of the clearly-backdrop pixels (white if there are none)."""
    bg = rgb[alpha < 0.02]
    if bg.shape[0] < 16:
        return np.ones(3, F32)
    colour: npt.NDArray[np.float32] = np.median(bg[:: max(1, bg.shape[0] // 20000)], axis=0)
    return colour.astype(F32)
