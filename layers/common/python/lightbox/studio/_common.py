"""Small numeric helpers shared by the studio-suite operations (Pillow + numpy only).

Why a private module: colour conversion, blurs on float fields, masks and
soft shadows are needed by several operations and must behave identically in
all of them (a group shot and a lifestyle shot should agree on what "a soft
contact shadow" is). Nothing here is part of the public API.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from lightbox.imaging.morphology import dilate, erode
from lightbox.imaging.segment import segment_foreground

F32 = np.float32
WHITE = (255, 255, 255)

#: Rec. 709 luma weights (applied to sRGB-encoded values: a perceptual
#: brightness, which is what "looks brighter" means to a seller).
LUMA = np.array([0.2126, 0.7152, 0.0722], F32)

#: Alpha at or above this counts as "product" for boxes and statistics.
ALPHA_ON = 128

#: Two-colour matting estimates within this of 0 or 1 are snapped to 0 or 1.
MATTE_SNAP = 0.08

#: Shadow darkness below this is tapered to exactly zero (see `floor_shadow`).
TAIL = 0.03


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


def luma(rgb: np.ndarray) -> np.ndarray:
    return rgb @ LUMA


# sRGB <-> CIE Lab (D65), vectorised. Used for colour statistics where "how far
# apart do these colours look" must be perceptual, and for the look transfer.
_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ],
    F32,
)
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ).astype(F32)
_WHITE_D65 = np.array([0.95047, 1.0, 1.08883], F32)


def srgb_to_linear(v: np.ndarray) -> np.ndarray:
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4).astype(F32)


def linear_to_srgb(v: np.ndarray) -> np.ndarray:
    v = np.clip(v, 0.0, 1.0)
    return np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055).astype(F32)


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB 0..1 (... x 3) to Lab (L 0..100)."""
    xyz = srgb_to_linear(rgb) @ _RGB_TO_XYZ.T / _WHITE_D65
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16.0 / 116.0)
    lab = np.empty_like(f)
    lab[..., 0] = 116.0 * f[..., 1] - 16.0
    lab[..., 1] = 500.0 * (f[..., 0] - f[..., 1])
    lab[..., 2] = 200.0 * (f[..., 1] - f[..., 2])
    return lab.astype(F32)


def lab_to_srgb(lab: np.ndarray) -> np.ndarray:
    """Lab to sRGB 0..1 (clipped: out-of-gamut colours are clamped, not wrapped)."""
    fy = (lab[..., 0] + 16.0) / 116.0
    f = np.stack([fy + lab[..., 1] / 500.0, fy, fy - lab[..., 2] / 200.0], axis=-1)
    xyz = np.where(f > 0.206893, f**3, (f - 16.0 / 116.0) / 7.787) * _WHITE_D65
    return linear_to_srgb(xyz @ _XYZ_TO_RGB.T)


def relative_luminance(rgb255: tuple[float, float, float] | np.ndarray) -> float:
    """WCAG relative luminance of an 8-bit sRGB colour."""
    lin = srgb_to_linear(np.asarray(rgb255, F32) / 255.0)
    return float(lin @ np.array([0.2126, 0.7152, 0.0722], F32))


def contrast_ratio(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """WCAG contrast ratio (1..21) between two 8-bit sRGB colours."""
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


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


# ------------------------------------------------------------------------ blurs


def box_blur(arr: np.ndarray, radius: int, axes: tuple[int, ...] = (0, 1)) -> np.ndarray:
    """Edge-replicated box mean of width 2r+1 along `axes` (cumulative sums, O(n)).

    Pillow's blurs refuse float images; masks and gain fields need more than
    8 bits, so they are blurred here.
    """
    if radius < 1:
        return arr.astype(F32, copy=False)
    out = arr.astype(F32, copy=False)
    width = 2 * radius + 1
    for axis in axes:
        n = out.shape[axis]
        pad = [(0, 0)] * out.ndim
        pad[axis] = (radius + 1, radius)
        # float32 sums are exact enough here: values are 0..1 and rows are
        # at most a few thousand pixels long.
        c = np.cumsum(np.pad(out, pad, mode="edge"), axis=axis, dtype=F32)
        hi = [slice(None)] * out.ndim
        lo = [slice(None)] * out.ndim
        hi[axis] = slice(width, width + n)
        lo[axis] = slice(0, n)
        out = (c[tuple(hi)] - c[tuple(lo)]) * (1.0 / width)
    return out


def gaussian(arr: np.ndarray, sigma: float) -> np.ndarray:
    """Approximate Gaussian blur: three box passes with the matching variance."""
    r = round(float(np.sqrt(4.0 * sigma * sigma + 1.0) - 1.0) / 2.0)
    out = arr
    for _ in range(3):
        out = box_blur(out, r)
    return out.astype(F32, copy=False)


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


# ---------------------------------------------------------------------- shadows


def floor_shadow(
    alpha: np.ndarray,
    *,
    light: tuple[float, float],
    contact: float = 0.42,
    cast: float = 0.22,
    softness: float = 1.0,
) -> tuple[np.ndarray, tuple[int, int]]:
    """Darkness map (0..1) of a product standing on a floor, and its origin.

    `alpha` is the product's alpha (0..1, cropped to the product). `light` is
    the horizontal and vertical direction the light comes *from* in image
    terms (x: -1 = left, +1 = right; y: -1 = from above/behind, +1 = from the
    camera side). Two layers, both derived from the silhouette so a bottle and
    a plate get differently shaped shadows:

    * contact: a tight, dark ellipse under the footprint (the part of the
      silhouette touching the floor), which is what makes a product "stand";
    * cast: the silhouette laid down on the floor away from the light —
      squashed vertically, sheared sideways, blurred more the further it
      reaches, because real shadows soften with distance from the object.

    Returns the darkness map and the offset of its top-left corner relative
    to the product crop's top-left corner.
    """
    h, w = alpha.shape
    solid = alpha >= 0.5
    rows = np.nonzero(solid.any(axis=1))[0]
    if rows.size == 0:
        return np.zeros((1, 1), F32), (0, 0)
    bottom = int(rows[-1])
    height = bottom - int(rows[0]) + 1
    foot = solid[max(0, bottom - max(2, round(0.03 * height))) : bottom + 1].any(axis=0)
    cols = np.nonzero(foot)[0]
    fx0, fx1 = int(cols[0]), int(cols[-1]) + 1
    foot_w = max(fx1 - fx0, 4)

    lx = float(np.clip(light[0], -1, 1))
    ly = float(np.clip(light[1], -1, 1))
    # The cast shadow lies on the floor, away from the light. Light from the
    # camera side (ly > 0) throws it back (up in the image); light from behind
    # throws it forward (down). Squash: the floor is seen at a grazing angle.
    squash = 0.16 + 0.10 * abs(ly)
    reach = squash * height
    shear = -lx * 1.1  # horizontal shift per unit of shadow length
    pad = int(0.12 * height + 0.25 * foot_w + abs(shear) * reach + 8 * softness) + 4
    out_h = h + 2 * pad
    out_w = w + 2 * pad
    darkness = np.zeros((out_h, out_w), F32)

    # Cast: the silhouette mirrored about its base (its top lands furthest
    # from the product), squashed, sheared, on the side opposite the light.
    cast_h = max(2, round(reach))
    silhouette = Image.fromarray(np.round(alpha * 255).astype(np.uint8), "L").resize(
        (w, cast_h), Image.Resampling.BOX
    )
    sil = np.asarray(silhouette, F32) / 255.0
    back = ly >= 0  # shadow goes up (behind) the product in the image
    if not back:
        sil = sil[::-1]
    layer = np.zeros_like(darkness)
    for i in range(cast_h):
        # distance from the base, 0..1
        t = (cast_h - i) / cast_h if back else (i + 1) / cast_h
        dy = pad + bottom - (cast_h - i) if back else pad + bottom + i
        dx = round(shear * t * reach)
        if 0 <= dy < out_h:
            row = layer[dy, pad + dx : pad + dx + w]
            np.maximum(row, sil[i] * (1.0 - 0.65 * t), out=row)
    # 8-bit Pillow blurs: shadows are smooth, and these run in C.
    near = _blur_l(layer, softness * (0.012 * height + 1.5))
    far = _blur_l(layer, softness * 0.035 * height)
    # The wide penumbra belongs to the far end of the shadow: fade it out in
    # front of the base, where it would read as a grey halo.
    rows = np.arange(out_h, dtype=F32)[:, None]
    base_y = pad + bottom
    front = np.clip(1.0 - (rows - base_y) / max(2.0, 0.02 * height), 0.0, 1.0) if back else 1.0
    darkness += cast * np.clip(0.75 * near + 0.45 * far * front, 0, 1)

    # Contact: an ellipse under the footprint, half hidden under the product.
    img = Image.new("L", (out_w, out_h), 0)
    cx = pad + (fx0 + fx1) / 2 - lx * 0.04 * foot_w
    cy = pad + bottom + 1
    rx, ry = 0.52 * foot_w, max(1.5, 0.035 * foot_w)
    ImageDraw.Draw(img).ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=255)
    img = img.filter(ImageFilter.GaussianBlur(softness * (0.012 * foot_w + 1.5)))
    darkness += contact * np.asarray(img, F32) / 255.0
    ambient = Image.new("L", (out_w, out_h), 0)
    rx2, ry2 = 0.62 * foot_w, max(2.0, 0.09 * foot_w)
    ImageDraw.Draw(ambient).ellipse((cx - rx2, cy - ry2 * 0.6, cx + rx2, cy + ry2), fill=255)
    ambient = ambient.filter(ImageFilter.GaussianBlur(softness * (0.05 * foot_w + 3)))
    darkness += 0.5 * contact * np.asarray(ambient, F32) / 255.0
    # Blur tails never quite reach zero: on a white canvas they would leave a
    # faint grey field whose edge shows once anything rounds it to white.
    # Taper them to exactly zero (continuous at TAIL, so no visible contour).
    darkness *= np.clip((darkness - 0.5 / 255.0) / TAIL, 0.0, 1.0)
    return np.clip(darkness, 0.0, 0.85), (-pad, -pad)


def _blur_l(arr: np.ndarray, radius: float) -> np.ndarray:
    """Gaussian blur of a 0..1 field through an 8-bit 'L' image.

    Large radii run on a downscaled copy: the result is smooth anyway, and
    Pillow's blur cost grows with the image, not the radius.
    """
    img = Image.fromarray(np.round(np.clip(arr, 0, 1) * 255).astype(np.uint8), "L")
    factor = max(1, int(radius // 6))
    if factor > 1:
        small = img.resize(
            (max(1, img.width // factor), max(1, img.height // factor)), Image.Resampling.BOX
        )
        small = small.filter(ImageFilter.GaussianBlur(radius / factor))
        img = small.resize(img.size, Image.Resampling.BILINEAR)
    else:
        img = img.filter(ImageFilter.GaussianBlur(radius))
    return np.asarray(img, F32) / 255.0


def darken(canvas: np.ndarray, darkness: np.ndarray, origin: tuple[int, int]) -> None:
    """Multiply `canvas` (float RGB, in place) by (1 - darkness) placed at `origin`.

    A multiply keeps the surface's hue: a shadow on a warm table is a darker
    warm brown, not a grey smear.
    """
    h, w = canvas.shape[:2]
    x0, y0 = origin
    dh, dw = darkness.shape
    cx0, cy0 = max(0, x0), max(0, y0)
    cx1, cy1 = min(w, x0 + dw), min(h, y0 + dh)
    if cx1 <= cx0 or cy1 <= cy0:
        return
    d = darkness[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0][..., None]
    canvas[cy0:cy1, cx0:cx1] *= 1.0 - d


# ---------------------------------------------------------------------- geometry


def hull_fill(mask: np.ndarray) -> np.ndarray:
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


def backdrop_colour(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Median colour of the clearly-backdrop pixels (white if there are none)."""
    bg = rgb[alpha < 0.02]
    if bg.shape[0] < 16:
        return np.ones(3, F32)
    return np.median(bg[:: max(1, bg.shape[0] // 20000)], axis=0).astype(F32)
