"""Shadows: the studio image's contact shadow (`cast_shadow`) and the floor
shadow the extras set products on (`floor_shadow`, `darken`)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from lightbox.imaging.filters import blur_l
from lightbox.models.preset import Shadow as ShadowLook
from lightbox.models.preset import StudioLook

#: The neutral look's contact shadow (defined once, in `models.preset`).
DEFAULT_SHADOW = StudioLook().shadow

#: The wide ambient penumbra's opacity relative to the contact core's.
AMBIENT_SHARE = 0.16 / 0.34

#: Shadow darkness below this is tapered to exactly zero (see `floor_shadow`).
TAIL = 0.03

F32 = np.float32


def cast_shadow(
    canvas: Image.Image,
    alpha: Image.Image,
    offset: tuple[int, int],
    look: ShadowLook = DEFAULT_SHADOW,
) -> Image.Image | None:
    """Darken the canvas under the product's base with a soft contact shadow.

    Two blurred, squashed ellipses under the footprint: a tight, darker contact
    core and a wide, faint ambient one. Width follows the bottom slice of the
    silhouette (the part that stands on the floor), not the widest part, so a
    mug's handle does not widen its shadow. The shadow is kept clear of the
    canvas edge so the border stays exactly white. `look.opacity` sets the
    core's darkness (the penumbra follows), `look.softness` scales blur and
    spread. Returns the darkness as a canvas-sized 'L' map (for re-setting the
    product on another background), or None if there was no room for one.
    """
    a = np.asarray(alpha) >= 128
    rows = np.nonzero(a.any(axis=1))[0]
    if rows.size == 0:
        return None
    top, bottom = int(rows[0]), int(rows[-1])
    height = bottom - top + 1
    foot = a[max(top, bottom - max(2, round(0.04 * height))) : bottom + 1].any(axis=0)
    cols = np.nonzero(foot)[0]
    x0, x1 = int(cols[0]), int(cols[-1]) + 1
    base_w = max(x1 - x0, 0.2 * a.shape[1])
    cx = offset[0] + (x0 + x1) / 2
    cy = offset[1] + bottom + 1

    size = canvas.width
    lim = max(2, round(0.012 * size))  # the shadow stays this far from every edge
    avail_down = max(4.0, size - lim - cy)
    avail_side = max(4.0, min(cx - lim, size - lim - cx))
    soft = look.softness
    layers = []
    # (half width, half height, blur radius, opacity, centre below the base):
    # a tight dark core whose top half hides under the product, so it reads as
    # contact rather than a floating smudge, and a wide faint penumbra that
    # lies mostly on the floor in front. Shrunk if the canvas edge is close.
    for half_w, half_h, blur, opacity, drop in (
        (0.50 * base_w, 0.030 * base_w, (0.012 * base_w + 2) * soft, look.opacity, -0.3),
        (
            (0.50 + 0.08 * soft) * base_w,
            0.070 * soft * base_w,
            (0.045 * base_w + 3) * soft,
            look.opacity * AMBIENT_SHARE,
            0.35,
        ),
    ):
        blur = min(blur, 0.2 * avail_down)
        half_h = min(half_h, 0.3 * avail_down)
        half_w = min(half_w, avail_side - 2.5 * blur)
        if half_w > 0 and opacity > 0:
            layers.append((half_w, half_h, blur, opacity, cy + drop * half_h))
    if not layers:
        return None
    left = max(lim, int(cx - avail_side))
    right = min(size - lim, int(cx + avail_side) + 1)
    upper = max(lim, int(min(y - ry - 3 * r for _, ry, r, _, y in layers)) - 2)
    lower = min(size - lim, int(cy + avail_down) + 1)
    if right <= left or lower <= upper:
        return None

    darkness = np.zeros((lower - upper, right - left), np.float32)
    for rx, ry, r, opacity, y in layers:
        layer = Image.new("L", (right - left, lower - upper), 0)
        ox, oy = cx - left, y - upper
        ImageDraw.Draw(layer).ellipse((ox - rx, oy - ry, ox + rx, oy + ry), fill=255)
        layer = layer.filter(ImageFilter.GaussianBlur(r))
        darkness += np.asarray(layer, np.float32) / 255.0 * opacity
    # Blur tails are long: fade them out inside the region so nothing reaches
    # the canvas border, which must stay exactly white.
    darkness *= _edge_fade(lower - upper, max(4.0, 0.25 * avail_down))[:, None]
    darkness *= _edge_fade(right - left, max(4.0, 0.1 * avail_side))[None, :]
    darkness = np.clip(darkness, 0, 0.9)
    region = np.asarray(canvas.crop((left, upper, right, lower)), np.float32)
    shaded = np.round(region * (1.0 - darkness)[..., None]).astype(np.uint8)
    canvas.paste(Image.fromarray(shaded, "RGB"), (left, upper))
    shadow_map = Image.new("L", canvas.size, 0)
    shadow_map.paste(Image.fromarray(np.round(darkness * 255).astype(np.uint8), "L"), (left, upper))
    return shadow_map


def _edge_fade(n: int, width: float) -> np.ndarray:
    """1 in the middle, falling linearly to 0 at both ends over `width` px."""
    i = np.arange(n, dtype=np.float32)
    return np.clip(np.minimum(i + 1, n - i) / width, 0.0, 1.0)


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
    near = blur_l(layer, softness * (0.012 * height + 1.5))
    far = blur_l(layer, softness * 0.035 * height)
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
