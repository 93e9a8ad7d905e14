"""The product-page asset set, built from one studio image and its cut-out.

A product page wants more than the white main image: close-ups that show
the craftsmanship, the product in use, and an ad image. Each comes from the
suite's operations; this module decides what goes in and picks the close-ups.

Close-ups ("details") are the product's most detailed regions: squares with
the most edge energy (gradient magnitude of the luminance) *inside* the
product — the silhouette's own outline does not count, or every crop would be
an edge against the background. They must not overlap, so three crops show
three different things. They are cut from the full-resolution working photo
(not the 2000 px studio image, where a close-up would have to be blown up
3-6x), enlarged at most `MAX_ENLARGE`, and a crop without real structure (a
flat patch of the product's colour) is dropped rather than shipped
(`has_structure`). The marketplace-specific sizing is done later by
`marketplaces.render.render_for_marketplace`.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from lightbox.extras._common import (
    F32,
    alpha_array,
    as_rgb,
    as_rgba,
    crop_to_alpha,
    downscale,
    rgb_array,
)
from lightbox.extras.generative import SceneGenerator, default_generator
from lightbox.extras.poster import ad_poster
from lightbox.extras.scene import place_in_scene
from lightbox.imaging.colour import luma
from lightbox.imaging.filters import box_blur
from lightbox.imaging.morphology import erode

#: Number of close-ups and their output side.
DETAILS = 3
DETAIL_SIDE = 1600
#: Long side of the copy the detail search runs on.
WORK_SIDE = 384
#: A close-up's side as a fraction of the product's shorter side, tried in
#: order until three non-overlapping squares fit.
DETAIL_FRACTIONS = (0.42, 0.34, 0.27, 0.2)
#: Share of a close-up that must be product (not transparent background).
MIN_INSIDE = 0.75
#: A close-up is never enlarged more than this: past it a zoom shows mush.
MAX_ENLARGE = 1.5
#: A close-up shows structure when, on its product pixels (measured on a copy
#: at most `STRUCTURE_SIDE` px), the luma spread (std, levels of 255) and the
#: mean luma gradient (levels per pixel) reach these: a flat patch of glaze
#: with sensor grain measures ~2 and ~1; a label, a seam or a texture 15+ and 4+.
MIN_DETAIL_STD = 8.0
MIN_DETAIL_GRADIENT = 2.5
STRUCTURE_SIDE = 256
#: Prompt for the lifestyle backdrop when the seller gave no scene.
LIFESTYLE_PROMPT = "product on a wooden table in a softly lit room"


def product_page_assets(
    studio: Image.Image,
    cutout: Image.Image,
    *,
    headline: str,
    price: str | None,
    scene: Image.Image | None = None,
    generator: SceneGenerator | None = None,
    detail_side: int = DETAIL_SIDE,
    photo: Image.Image | None = None,
    mask: Image.Image | None = None,
) -> dict[str, Image.Image]:
    """Return {"main", "detail_1".."detail_3", "lifestyle", "poster"} RGB images.

    studio: the white main image (`imaging.compose.compose_studio(...).image`).
    cutout: the product's RGBA cut-out (`...cutout`), at canvas scale.
    scene: the seller's own lifestyle photo; else `generator` (default: the
        deterministic procedural backdrop) renders one.
    photo, mask: the full-resolution working photo and its product mask; the
        close-ups are cut from them (else from `cutout`).
    Fewer than three details are returned when the product is too small or
    too plain to give three distinct close-ups with real structure.
    """
    cut = crop_to_alpha(as_rgba(cutout))
    source = cut
    if photo is not None and mask is not None:
        full = as_rgba(photo)
        full.putalpha(mask.convert("L"))
        source = crop_to_alpha(full)
    assets: dict[str, Image.Image] = {"main": as_rgb(studio)}
    for i, detail in enumerate(detail_crops(source, detail_side), start=1):
        assets[f"detail_{i}"] = detail
    if scene is None:
        side = max(studio.size)
        scene = (generator or default_generator()).generate_scene(LIFESTYLE_PROMPT, side)
    assets["lifestyle"] = place_in_scene(cut, scene)
    assets["poster"] = ad_poster(studio, headline, price)
    return assets


def detail_crops(cutout: Image.Image, side: int = DETAIL_SIDE) -> list[Image.Image]:
    """The close-ups of an RGBA cut-out: its `detail_boxes` on white, each at
    most `side` px and enlarged at most `MAX_ENLARGE`, those without real
    structure dropped."""
    crops = []
    for box in detail_boxes(cutout):
        crop = cutout.crop(box)
        if has_structure(crop):
            crops.append(_detail(crop, min(side, round(crop.width * MAX_ENLARGE))))
    return crops


def structure(crop: Image.Image) -> tuple[float, float]:
    """(luma std, mean luma gradient) over the product pixels of an RGBA crop,
    in levels of 255, measured on a copy at most `STRUCTURE_SIDE` px."""
    small = downscale(as_rgba(crop), STRUCTURE_SIDE, Image.Resampling.BOX)
    y = luma(rgb_array(small)) * 255.0
    solid = erode(alpha_array(small) >= 0.98, 1)
    if solid.sum() < 16:
        return 0.0, 0.0
    gy, gx = np.gradient(y)
    return float(y[solid].std()), float(np.hypot(gx, gy)[solid].mean())


def has_structure(crop: Image.Image) -> bool:
    """Does a close-up show something (`MIN_DETAIL_STD`, `MIN_DETAIL_GRADIENT`)?"""
    spread, gradient = structure(crop)
    return spread >= MIN_DETAIL_STD and gradient >= MIN_DETAIL_GRADIENT


def detail_boxes(cutout: Image.Image, count: int = DETAILS) -> list[tuple[int, int, int, int]]:
    """Up to `count` non-overlapping square boxes (full-size pixels) over the
    product's most detailed regions, most detailed first."""
    small = downscale(cutout, WORK_SIDE, Image.Resampling.BOX)
    k = cutout.width / small.width
    alpha = alpha_array(small)
    solid = alpha >= 0.98
    energy = _edge_energy(rgb_array(small), solid)
    h, w = solid.shape
    for fraction in DETAIL_FRACTIONS:
        side = max(8, round(fraction * min(w, h)))
        if side > min(w, h):
            continue
        boxes = _pick(energy, alpha, side, count)
        if len(boxes) == count:
            break
    return [
        (
            round(x * k),
            round(y * k),
            min(cutout.width, round((x + s) * k)),
            min(cutout.height, round((y + s) * k)),
        )
        for x, y, s in boxes
    ]


def _edge_energy(rgb: np.ndarray, solid: np.ndarray) -> np.ndarray:
    """Gradient magnitude of luminance, counted only well inside the product."""
    y = box_blur(luma(rgb), 1)
    gy, gx = np.gradient(y)
    inside = erode(solid, 3)
    energy: np.ndarray = (np.hypot(gx, gy) * inside).astype(F32)
    return energy


def _pick(
    energy: np.ndarray, alpha: np.ndarray, side: int, count: int
) -> list[tuple[int, int, int]]:
    """Greedy: best-scoring window, then the best one not overlapping it, ..."""
    e_int = _integral(energy)
    a_int = _integral(alpha)
    h, w = energy.shape
    stride = max(1, side // 8)
    ys = np.arange(0, h - side + 1, stride)
    xs = np.arange(0, w - side + 1, stride)
    if ys.size == 0 or xs.size == 0:
        return []
    yy, xx = np.meshgrid(ys, xs, indexing="ij")

    def window_sum(table: np.ndarray) -> np.ndarray:
        total: np.ndarray = (
            table[yy + side, xx + side]
            - table[yy, xx + side]
            - table[yy + side, xx]
            + table[yy, xx]
        )
        return total

    score = window_sum(e_int)
    inside = window_sum(a_int) / (side * side)
    score = np.where(inside >= MIN_INSIDE, score, -1.0)
    picked: list[tuple[int, int, int]] = []
    for _ in range(count):
        i = int(np.argmax(score))
        if score.flat[i] <= 0:
            break
        y, x = int(yy.flat[i]), int(xx.flat[i])
        picked.append((x, y, side))
        overlap = (np.abs(yy - y) < side) & (np.abs(xx - x) < side)
        score = np.where(overlap, -1.0, score)
    return picked


def _integral(arr: np.ndarray) -> np.ndarray:
    out = np.zeros((arr.shape[0] + 1, arr.shape[1] + 1), np.float64)
    out[1:, 1:] = arr.cumsum(0).cumsum(1)
    return out


def _detail(crop: Image.Image, side: int) -> Image.Image:
    """The crop on white at `side` square (at most `MAX_ENLARGE` its size),
    lightly sharpened when enlarged.

    Bicubic, not Lanczos, when enlarging: Lanczos rings visibly on the hard
    edges of labels.
    """
    rgb = as_rgb(crop)
    if side == rgb.width:
        return rgb
    if side < rgb.width:
        return rgb.resize((side, side), Image.Resampling.LANCZOS)
    big = rgb.resize((side, side), Image.Resampling.BICUBIC)
    return big.filter(
        ImageFilter.UnsharpMask(radius=max(1.0, side / 1000), percent=40, threshold=2)
    )
