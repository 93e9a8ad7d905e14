"""Product segmentation on synthetic product photos with known ground truth."""

from __future__ import annotations

from collections import deque

import numpy as np
import pytest
from PIL import Image

from lightbox.imaging.segment import SegmentResult, label, segment_foreground

# ---------------------------------------------------------------- synthetic scenes


def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    return x, y


def _sweep(h: int, w: int, top: float, bottom: float, seed: int = 0) -> np.ndarray:
    """A studio paper sweep: vertical gradient, vignette, warm cast, sensor noise."""
    x, y = _grid(h, w)
    v = top + (bottom - top) * y / h
    v -= 14 * (((x - w / 2) / (w / 2)) ** 2 + ((y - h / 2) / (h / 2)) ** 2) / 2
    img = np.repeat(v[..., None], 3, axis=2) + np.array([3, 0, -4], np.float32)
    return img + np.random.default_rng(seed).normal(0, 1.5, img.shape)


def _shaded(mask: np.ndarray, colour: tuple[int, int, int], x: np.ndarray) -> np.ndarray:
    """Cylinder shading across the mask's width: lit left, darker right edge."""
    xs = x[mask]
    t = np.clip((x - xs.min()) / max(xs.max() - xs.min(), 1), 0, 1)
    nx = 2 * t - 1
    shade = 0.62 + 0.40 * np.clip(-0.45 * nx + 0.89 * np.sqrt(np.clip(1 - nx**2, 0, 1)), 0, 1)
    return np.array(colour, np.float32) * shade[..., None]


def _to_image(arr: np.ndarray) -> Image.Image:
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def bottle_scene(w: int = 1200, h: int = 900, cx: float = 600) -> tuple[Image.Image, np.ndarray]:
    """An amber bottle with a contact shadow on a light gradient sweep."""
    x, y = _grid(h, w)
    img = _sweep(h, w, 228, 246)
    base_y = 0.85 * h
    shadow = np.clip(1 - (((x - cx) / (0.17 * w)) ** 2 + ((y - base_y) / (0.025 * h)) ** 2), 0, 1)
    img *= (1 - 0.28 * shadow**1.5)[..., None]
    body = (np.abs(x - cx) <= 0.11 * w) & (y >= 0.40 * h) & (y <= base_y)
    shoulder = ((x - cx) / (0.11 * w)) ** 2 + ((y - 0.40 * h) / (0.12 * h)) ** 2 <= 1
    neck = (np.abs(x - cx) <= 0.035 * w) & (y >= 0.12 * h) & (y <= 0.40 * h)
    gt = body | shoulder | neck
    colour = _shaded(gt, (170, 85, 25), x)
    img = np.where(gt[..., None], colour, img)
    return _to_image(img), gt


def white_mug_scene(w: int = 1200, h: int = 900) -> tuple[Image.Image, np.ndarray, np.ndarray]:
    """A white mug with a specular highlight and a handle, on a bright sweep.

    Returns the photo, the ground-truth mask (handle hole excluded) and the
    highlight's pixels.
    """
    x, y = _grid(h, w)
    img = _sweep(h, w, 248, 254)
    x0, x1, y0, y1 = 0.33 * w, 0.62 * w, 0.28 * h, 0.78 * h
    body = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    hx, hy = x1, 0.52 * h
    outer = ((x - hx) / (0.11 * w)) ** 2 + ((y - hy) / (0.15 * h)) ** 2 <= 1
    inner = ((x - hx) / (0.065 * w)) ** 2 + ((y - hy) / (0.095 * h)) ** 2 <= 1
    handle = outer & ~inner & (x > x1 - 2)
    gt = body | handle
    colour = _shaded(body, (232, 232, 228), x)
    colour = np.where(handle[..., None], np.array([200, 200, 196], np.float32), colour)
    highlight = body & (np.abs(x - (x0 + 0.3 * (x1 - x0))) <= 0.012 * w) & (y > y0 + 0.05 * h)
    highlight &= y < y1 - 0.05 * h
    colour = np.where(highlight[..., None], 255.0, colour)
    img = np.where(gt[..., None], colour, img)
    return _to_image(img), gt, highlight


def dark_on_dark_scene(w: int = 960, h: int = 720) -> tuple[Image.Image, np.ndarray]:
    """A black notebook on a dark blue woven cloth: the low-contrast failure case."""
    rng = np.random.default_rng(2)
    x, y = _grid(h, w)
    weave = np.sin(x * 0.9)[..., None] * np.sin(y * 0.9)[..., None]
    cloth = np.array([28, 30, 44], np.float32) + 6 * weave + rng.normal(0, 5, (h, w, 3))
    cloth += 8 * np.sin(y / 70)[..., None]
    gt = (x > 0.32 * w) & (x < 0.68 * w) & (y > 0.25 * h) & (y < 0.78 * h)
    book = np.array([26, 27, 33], np.float32) + rng.normal(0, 4, (h, w, 3))
    return _to_image(np.where(gt[..., None], book, cloth)), gt


def product_on_cloth_scene(w: int = 1200, h: int = 900) -> tuple[Image.Image, np.ndarray]:
    """A yellow tin on a blue cloth with a soft fold shading: not a white sweep."""
    rng = np.random.default_rng(3)
    x, y = _grid(h, w)
    cloth = np.array([40, 70, 150], np.float32) + 10 * np.sin(y / 150)[..., None]
    cloth = cloth + rng.normal(0, 4, (h, w, 3))
    gt = ((x - 0.5 * w) / (0.16 * w)) ** 2 + ((y - 0.5 * h) / (0.3 * h)) ** 4 <= 1
    colour = _shaded(gt, (235, 200, 60), x)
    return _to_image(np.where(gt[..., None], colour, cloth)), gt


def _iou(mask: Image.Image, gt: np.ndarray) -> float:
    m = np.asarray(mask) >= 128
    return float((m & gt).sum() / (m | gt).sum())


# ------------------------------------------------------------------------- tests


def test_given_a_coloured_bottle_on_a_gradient_sweep_when_segmented_then_mask_matches_shape():
    photo, gt = bottle_scene()

    result = segment_foreground(photo)

    assert isinstance(result, SegmentResult)
    assert result.method == "classical"
    assert result.mask.mode == "L" and result.mask.size == photo.size
    assert _iou(result.mask, gt) >= 0.9
    assert result.confidence >= 0.8


def test_given_a_product_on_a_coloured_cloth_when_segmented_then_the_cloth_is_background():
    photo, gt = product_on_cloth_scene()

    result = segment_foreground(photo)

    assert _iou(result.mask, gt) >= 0.95
    assert result.confidence >= 0.8


def test_given_a_contact_shadow_under_a_coloured_product_when_segmented_then_shadow_is_background():
    photo, gt = bottle_scene()
    h, w = gt.shape
    below_base = np.zeros_like(gt)
    below_base[int(0.855 * h) : int(0.875 * h), int(0.42 * w) : int(0.58 * w)] = True

    result = segment_foreground(photo)

    assert (np.asarray(result.mask)[below_base] < 128).mean() >= 0.95


def test_given_the_result_when_inspected_then_bbox_and_coverage_describe_the_mask():
    photo, gt = bottle_scene()

    result = segment_foreground(photo)

    ys, xs = np.nonzero(gt)
    left, top, right, bottom = result.bbox
    assert abs(left - xs.min()) <= 3 and abs(right - (xs.max() + 1)) <= 3
    assert abs(top - ys.min()) <= 3 and abs(bottom - (ys.max() + 1)) <= 3
    assert result.coverage == pytest.approx(gt.mean(), abs=0.01)


def test_given_a_product_edge_when_segmented_then_alpha_is_soft_not_binary():
    photo, _ = bottle_scene()

    values = np.asarray(segment_foreground(photo).mask)

    partial = ((values > 10) & (values < 245)).sum()
    assert partial > 0
    assert partial < 0.01 * values.size  # soft only along the outline


def test_given_a_white_mug_with_a_highlight_when_segmented_then_the_highlight_is_kept():
    photo, gt, highlight = white_mug_scene()

    result = segment_foreground(photo)

    mask = np.asarray(result.mask)
    assert (mask[highlight] >= 128).mean() >= 0.99
    assert _iou(result.mask, gt) >= 0.9


def test_given_a_mug_handle_when_segmented_then_the_hole_inside_it_is_background():
    photo, gt, _ = white_mug_scene()
    h, w = gt.shape
    hole = np.zeros_like(gt)
    hole[int(0.49 * h) : int(0.55 * h), int(0.635 * w) : int(0.66 * w)] = True
    assert not gt[hole].any()  # the probe really is inside the handle's hole

    result = segment_foreground(photo)

    assert (np.asarray(result.mask)[hole] < 128).mean() >= 0.95


def test_given_a_dark_product_on_dark_cloth_when_segmented_then_confidence_is_low():
    easy, _ = bottle_scene()
    hard, _ = dark_on_dark_scene()

    easy_result = segment_foreground(easy)
    hard_result = segment_foreground(hard)

    assert hard_result.confidence <= 0.3
    assert hard_result.confidence < easy_result.confidence - 0.5
    assert hard_result.signals["contrast_ratio"] < 1.5


def test_given_a_product_cut_off_by_the_frame_when_segmented_then_confidence_drops():
    centred, _ = bottle_scene()
    cut, _ = bottle_scene(cx=40)  # half the bottle is outside the frame

    centred_result = segment_foreground(centred)
    cut_result = segment_foreground(cut)

    assert cut_result.signals["edge_touch"] > 0
    assert cut_result.confidence < centred_result.confidence


def test_given_an_empty_backdrop_when_segmented_then_there_is_no_product():
    photo = _to_image(_sweep(600, 800, 230, 245))

    result = segment_foreground(photo)

    assert result.bbox is None
    assert result.coverage == 0.0
    assert result.confidence == 0.0
    assert np.asarray(result.mask).max() == 0


def test_given_an_rgba_cutout_when_segmented_then_its_alpha_is_the_mask():
    photo, gt = bottle_scene(w=600, h=450, cx=300)
    alpha = Image.fromarray((gt * 255).astype(np.uint8), "L")
    cutout = photo.convert("RGBA")
    cutout.putalpha(alpha)

    result = segment_foreground(cutout)

    assert result.method == "alpha"
    assert np.array_equal(np.asarray(result.mask), np.asarray(alpha))
    assert result.confidence >= 0.9


def test_given_an_rgba_file_that_is_fully_opaque_when_segmented_then_the_pixels_decide():
    photo, gt = bottle_scene()
    opaque = photo.convert("RGBA")  # alpha 255 everywhere: not a cut-out

    result = segment_foreground(opaque)

    assert result.method == "classical"
    assert _iou(result.mask, gt) >= 0.9


def test_given_a_greyscale_photo_when_segmented_then_it_still_works():
    photo, gt = bottle_scene()

    result = segment_foreground(photo.convert("L"))

    assert _iou(result.mask, gt) >= 0.85


# ---------------------------------------------------------------- labelling helper


def _reference_labels(mask: np.ndarray, eight: bool) -> int:
    """Breadth-first flood fill: slow, obviously right."""
    h, w = mask.shape
    seen = np.zeros_like(mask)
    steps = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    if eight:
        steps += [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    count = 0
    for sy, sx in zip(*np.nonzero(mask), strict=True):
        if seen[sy, sx]:
            continue
        count += 1
        seen[sy, sx] = True
        queue = deque([(sy, sx)])
        while queue:
            cy, cx = queue.popleft()
            for dy, dx in steps:
                ny, nx = cy + dy, cx + dx
                if 0 <= ny < h and 0 <= nx < w and mask[ny, nx] and not seen[ny, nx]:
                    seen[ny, nx] = True
                    queue.append((ny, nx))
    return count


@pytest.mark.parametrize("eight", [True, False])
def test_given_random_masks_when_labelled_then_components_match_a_flood_fill(eight: bool):
    rng = np.random.default_rng(7)
    for _ in range(60):
        mask = rng.random((rng.integers(1, 25), rng.integers(1, 25))) < rng.uniform(0.2, 0.7)

        labels, n = label(mask, eight=eight)

        assert n == _reference_labels(mask, eight)
        assert np.array_equal(labels > 0, mask)
        # Same partition: each label maps to exactly one component and back.
        assert len(np.unique(labels[mask])) == n


def test_given_a_diagonal_gap_when_labelled_then_connectivity_decides():
    mask = np.array([[1, 0], [0, 1]], bool)

    assert label(mask, eight=True)[1] == 1
    assert label(mask, eight=False)[1] == 2
