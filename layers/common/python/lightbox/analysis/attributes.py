"""Visual attributes of a product photo: its dominant colours, in words.

Listings want "red", "navy" or "beige", not RGB triples, and they want the
colour of the *product*, not of the studio sweep behind it. With a
segmentation mask we look only inside it; without one we weight pixels
towards the centre of the frame and away from the background (a smooth
surface fitted to the frame's border), which is where product photos put the
product.

Pure numpy + Pillow, deterministic: the same image always gives the same
answer (Pillow's median-cut quantiser has no randomness).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image

from lightbox.imaging.colour import srgb_to_lab

# Longest side of the copy colours are read from: colour needs no detail, and
# at 160 px the whole analysis costs a few milliseconds.
_ANALYSIS_SIDE = 160

# Pixels less like the background than this (CIE76 ΔE) get no weight, more than
# _BG_FULL get full weight: a white sneaker on a light grey sweep (ΔE ≈ 8-10)
# still counts, the sweep itself does not.
_BG_NONE, _BG_FULL = 4.0, 16.0

# Below this CIELAB chroma a colour is treated as neutral (black/grey/white).
_CHROMATIC = 14.0
# Chromatic clusters whose hues differ by at most this are shades of one colour.
_SAME_HUE_DEG = 22.0
# Neutral clusters at least this light (CIELAB L*) are shades of one light colour.
_LIGHT_NEUTRAL_L = 55.0

# Reference colours for naming (sRGB). Chosen for what sellers and buyers call
# product colours, not for colour science; the nearest one in CIELAB wins.
_NAMED_COLOURS: dict[str, tuple[int, int, int]] = {
    "black": (22, 22, 24),
    "charcoal": (58, 58, 62),
    "grey": (128, 128, 130),
    "silver": (192, 192, 196),
    "white": (246, 246, 244),
    "cream": (240, 232, 208),
    "beige": (214, 192, 156),
    "tan": (186, 146, 104),
    "brown": (116, 74, 46),
    "maroon": (112, 22, 32),
    "red": (196, 30, 36),
    "coral": (240, 118, 98),
    "pink": (238, 168, 184),
    "magenta": (206, 48, 140),
    "orange": (236, 124, 30),
    "rust": (168, 76, 36),
    "amber": (176, 106, 30),
    "gold": (208, 168, 92),
    "yellow": (246, 214, 52),
    "olive": (112, 110, 42),
    "khaki": (189, 183, 140),
    "green": (52, 140, 62),
    "forest green": (32, 80, 46),
    "lime": (162, 210, 62),
    "mint": (170, 224, 194),
    "teal": (30, 122, 124),
    "turquoise": (64, 200, 202),
    "sky blue": (136, 190, 234),
    "blue": (42, 90, 200),
    "navy": (26, 36, 82),
    "purple": (108, 50, 140),
    "lavender": (182, 162, 214),
}


def describe_colours(
    img: Image.Image, mask: Image.Image | None = None, k: int = 3
) -> dict[str, Any]:
    """Describe the product's dominant colours, overall brightness and colourfulness.

    Args:
        img: the product photo (any mode; RGBA transparency counts as "not product").
        mask: optional product mask (mode "L" or "1", any size: it is resized to
            the image); white = product. An empty mask falls back to the
            centre-weighted estimate rather than failing.
        k: at most this many colours are returned.

    Returns:
        ``{"colours": [{"name": "red", "hex": "#b01c22", "share": 0.71}, ...],
        "brightness": 0..1, "colourfulness": 0..1, "source": "mask" | "centre"}``.
        Colours are sorted by share (the fraction of the product's weighted
        pixels, summing to ≤ 1); shades of one colour (a lit and a shadowed
        red, the light greys of a white product) are merged and named after
        the best-lit one, whose colour ``hex`` gives. ``brightness`` is the
        mean CIELAB L* / 100; ``colourfulness`` is Hasler & Süsstrunk's M / 100,
        clipped (≈ 0.15 "slightly", 0.45 "averagely", 0.8+ "highly" colourful).
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    rgba = _small_rgba(img)
    rgb = rgba[..., :3].astype(np.float32)
    alpha = rgba[..., 3].astype(np.float32) / 255.0
    lab = _srgb_to_lab(rgb)

    weights, source = None, "centre"
    if mask is not None:
        weights = _mask_weights(mask, rgba.shape[1], rgba.shape[0]) * alpha
        if weights.sum() >= 1.0:
            source = "mask"
        else:
            weights = None
    if weights is None:
        weights = _centre_weights(lab) * alpha

    selected = weights > 0.05
    if not selected.any():
        return {"colours": [], "brightness": 0.0, "colourfulness": 0.0, "source": source}
    pixels, w, lab_sel = rgb[selected], weights[selected], lab[selected]
    return {
        "colours": _dominant(pixels, w, k),
        "brightness": round(float(np.average(lab_sel[:, 0], weights=w) / 100.0), 4),
        "colourfulness": round(_colourfulness(pixels, w), 4),
        "source": source,
    }


def colour_name(rgb: tuple[int, int, int]) -> str:
    """The everyday name of one sRGB colour: the nearest reference by CIE94 ΔE.

    CIE94 rather than plain Lab distance because it forgives differences in
    chroma for saturated colours: pure (0, 0, 128) is "navy", not "purple".
    A colour with real chroma only gets a chromatic name and a neutral one a
    neutral name, so a dull navy is never "charcoal" and a grey never "beige".
    """
    lab = _srgb_to_lab(np.asarray([rgb], dtype=np.float32))[0]
    chroma = float(np.hypot(lab[1], lab[2]))
    d_l = _NAMED_LAB[:, 0] - lab[0]
    d_c = _NAMED_CHROMA - chroma
    d_h2 = np.maximum(np.sum((_NAMED_LAB[:, 1:] - lab[1:]) ** 2, axis=1) - d_c**2, 0.0)
    distance = d_l**2 + (d_c / (1 + 0.045 * chroma)) ** 2 + d_h2 / (1 + 0.015 * chroma) ** 2
    same_kind = (_NAMED_CHROMA >= _CHROMATIC) == (chroma >= _CHROMATIC)
    return _NAMES[int(np.argmin(np.where(same_kind, distance, np.inf)))]


# --- internals ---------------------------------------------------------------------------


def _small_rgba(img: Image.Image) -> np.ndarray:
    image = img.convert("RGBA")
    scale = _ANALYSIS_SIDE / max(image.size)
    if scale < 1:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BOX)
    return np.asarray(image)


def _mask_weights(mask: Image.Image, width: int, height: int) -> np.ndarray:
    grey = mask.convert("L")
    if grey.size != (width, height):
        grey = grey.resize((width, height), Image.Resampling.BILINEAR)
    return np.asarray(grey, dtype=np.float32) / 255.0


def _centre_weights(lab: np.ndarray) -> np.ndarray:
    """Favour the centre, and pixels unlike the background.

    The background is modelled as a smooth quadratic surface fitted to the
    frame's border (a studio sweep is a gradient with a vignette, not one
    colour), so a small product off-centre on a graded sweep still stands out.
    """
    h, w = lab.shape[:2]
    ys = (np.arange(h, dtype=np.float32) + 0.5) / h - 0.5
    xs = (np.arange(w, dtype=np.float32) + 0.5) / w - 0.5
    centre: np.ndarray = np.exp(-(ys[:, None] ** 2 + xs[None, :] ** 2) / (2 * 0.28**2))
    background = _border_surface(lab, ys, xs)
    delta = np.sqrt(np.sum((lab - background) ** 2, axis=2))
    unlike = np.clip((delta - _BG_NONE) / (_BG_FULL - _BG_NONE), 0.0, 1.0)
    weights: np.ndarray = centre * unlike
    # Product indistinguishable from its background: centre weighting is all
    # we have left (better a hedged answer than none).
    if weights.sum() < 0.02 * centre.sum():
        return centre
    normalised: np.ndarray = weights / weights.max()
    return normalised


def _border_surface(lab: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """Least-squares quadratic (in x, y) fit of the border pixels, per Lab channel."""
    h, w = lab.shape[:2]
    band = max(1, min(h, w) // 20)
    yy, xx = np.meshgrid(ys, xs, indexing="ij")
    terms = np.stack([np.ones_like(yy), xx, yy, xx * yy, xx * xx, yy * yy], axis=-1)
    on_border = np.zeros((h, w), dtype=bool)
    on_border[:band] = on_border[-band:] = True
    on_border[:, :band] = on_border[:, -band:] = True
    coeffs, *_ = np.linalg.lstsq(terms[on_border], lab[on_border], rcond=None)
    surface: np.ndarray = terms @ coeffs
    return surface


def _dominant(pixels: np.ndarray, weights: np.ndarray, k: int) -> list[dict[str, Any]]:
    """Median-cut the product pixels into clusters, then group clusters by colour.

    Shading makes one red mug into several clusters (lit red, shadowed
    maroon, pinkish highlights). Chromatic clusters of similar hue are
    therefore grouped and named after their most saturated member — the
    product's colour where the light shows it best — while neutral clusters
    (black, greys, white) are grouped by name.
    """
    strip = Image.fromarray(np.rint(pixels).astype(np.uint8).reshape(1, -1, 3))
    quantised = strip.quantize(
        colors=max(2 * k, 8), method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    index = np.asarray(quantised).reshape(-1)
    clusters = []
    for cluster in np.unique(index):
        members = index == cluster
        w = weights[members]
        mean = np.average(pixels[members], axis=0, weights=w)
        lab = _srgb_to_lab(mean[None, :])[0]
        clusters.append((float(w.sum()), mean, lab))
    groups = _group_by_colour(clusters)
    total = float(weights.sum())
    merged: dict[str, dict[str, Any]] = {}
    for group in sorted(groups, key=lambda g: (-g["share"], g["name"])):
        # Two groups can still end up with one name (two hues both "red"): merge.
        if group["name"] in merged:
            merged[group["name"]]["share"] += group["share"]
        else:
            merged[group["name"]] = group
    top = sorted(merged.values(), key=lambda g: (-g["share"], g["name"]))[:k]
    return [
        {"name": g["name"], "hex": _hex(g["rgb"]), "share": round(g["share"] / total, 4)}
        for g in top
    ]


Cluster = tuple[float, np.ndarray, np.ndarray]  # (weight, mean sRGB, mean Lab)


def _group_by_colour(clusters: list[Cluster]) -> list[dict[str, Any]]:
    """Group quantised clusters into the colours a person would name.

    - Chromatic clusters within ``_SAME_HUE_DEG`` of hue are one colour, named
      after the most saturated member (where the light shows the product's
      colour best).
    - Light neutrals (L* ≥ ``_LIGHT_NEUTRAL_L``) are one colour too: a white
      sneaker is mostly light grey in its own shade. It is named after the
      lightest member.
    - Dark neutrals are grouped by name (black, charcoal, grey).

    Only members holding ≥ 15 % of their group can name it, so a specular
    glint never does.
    """
    chromatic: list[tuple[float, list[Cluster]]] = []  # (hue, members)
    light: list[Cluster] = []
    dark: dict[str, list[Cluster]] = {}
    for cluster in clusters:
        _, rgb, lab = cluster
        if _chroma(lab) >= _CHROMATIC:
            hue = float(np.degrees(np.arctan2(lab[2], lab[1])))
            for group_hue, members in chromatic:
                if abs((hue - group_hue + 180.0) % 360.0 - 180.0) <= _SAME_HUE_DEG:
                    members.append(cluster)
                    break
            else:
                chromatic.append((hue, [cluster]))
        elif lab[0] >= _LIGHT_NEUTRAL_L:
            light.append(cluster)
        else:
            dark.setdefault(colour_name(_rgb_tuple(rgb)), []).append(cluster)
    groups = [_face(members, key=lambda c: _chroma(c[2])) for _, members in chromatic]
    groups += [_face(members, key=lambda c: c[0]) for members in dark.values()]
    if light:
        groups.append(_face(light, key=lambda c: float(c[2][0])))
    return groups


def _face(members: list[Cluster], key: Callable[[Cluster], float]) -> dict[str, Any]:
    """Name a group after its best member (by ``key``) among the substantial ones."""
    total = sum(share for share, _, _ in members)
    substantial = [c for c in members if c[0] >= 0.15 * total] or members
    _, rgb, _ = max(substantial, key=key)
    return {"name": colour_name(_rgb_tuple(rgb)), "rgb": rgb, "share": total}


def _chroma(lab: np.ndarray) -> float:
    return float(np.hypot(lab[1], lab[2]))


def _rgb_tuple(rgb: np.ndarray) -> tuple[int, int, int]:
    r, g, b = (round(min(max(float(c), 0.0), 255.0)) for c in rgb)
    return r, g, b


def _hex(rgb: np.ndarray) -> str:
    r, g, b = _rgb_tuple(rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


def _colourfulness(pixels: np.ndarray, weights: np.ndarray) -> float:
    """Hasler & Süsstrunk (2003) colourfulness M, weighted, scaled to 0..1."""
    r, g, b = pixels[:, 0], pixels[:, 1], pixels[:, 2]
    rg = r - g
    yb = 0.5 * (r + g) - b
    mean_rg, mean_yb = np.average(rg, weights=weights), np.average(yb, weights=weights)
    std_rg = np.sqrt(np.average((rg - mean_rg) ** 2, weights=weights))
    std_yb = np.sqrt(np.average((yb - mean_yb) ** 2, weights=weights))
    m = np.hypot(std_rg, std_yb) + 0.3 * np.hypot(mean_rg, mean_yb)
    return float(np.clip(m / 100.0, 0.0, 1.0))


def _srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB (0..255, any leading shape) to CIELAB (D65)."""
    return srgb_to_lab(np.asarray(rgb, dtype=np.float32) / 255.0)


_NAMES = list(_NAMED_COLOURS)
_NAMED_LAB = _srgb_to_lab(np.asarray(list(_NAMED_COLOURS.values()), dtype=np.float32))
_NAMED_CHROMA = np.hypot(_NAMED_LAB[:, 1], _NAMED_LAB[:, 2])
