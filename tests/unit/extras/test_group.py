"""group_shot: several cut-outs, one scale, one floor, one light."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from PIL import Image

from lightbox.extras.group import group_shot
from support.studio_images import cutout

CANVAS = 1000


def _products(out: Image.Image) -> list[tuple[int, int, int, int]]:
    """Bounding boxes of the saturated products, left to right (shadows are grey)."""
    a = np.asarray(out).astype(int)
    colourful = (a.max(axis=2) - a.min(axis=2)) > 40
    cols = colourful.any(axis=0)
    boxes, x = [], 0
    while x < a.shape[1]:
        if cols[x]:
            x0 = x
            while x < a.shape[1] and cols[x]:
                x += 1
            ys = np.nonzero(colourful[:, x0:x].any(axis=1))[0]
            boxes.append((x0, int(ys[0]), x, int(ys[-1]) + 1))
        x += 1
    return boxes


def test_given_cutouts_of_different_sizes_when_grouped_then_they_get_equal_height_on_one_baseline():
    items = [
        cutout((100, 300), (200, 40, 40)),
        cutout((300, 200), (40, 160, 60)),
        cutout((80, 80), (40, 60, 200)),
    ]

    out = group_shot(items, canvas=CANVAS)

    assert out.mode == "RGB" and out.size == (CANVAS, CANVAS)
    boxes = _products(out)
    assert len(boxes) == 3
    heights = [b[3] - b[1] for b in boxes]
    bottoms = [b[3] for b in boxes]
    assert max(heights) - min(heights) <= 3
    assert max(bottoms) - min(bottoms) <= 2


def test_given_real_heights_when_grouped_then_relative_sizes_are_kept():
    items = [cutout((100, 300), (200, 40, 40)), cutout((100, 300), (40, 60, 200))]

    out = group_shot(items, heights=[30, 12], canvas=CANVAS)

    (a, b) = _products(out)
    assert (b[3] - b[1]) / (a[3] - a[1]) == pytest.approx(12 / 30, abs=0.02)
    assert a[3] == pytest.approx(b[3], abs=2)


def test_given_a_group_when_grouped_then_products_fit_the_canvas_without_overlap():
    items = [cutout((300, 200), (200, 40, 40)) for _ in range(4)]

    out = group_shot(items, canvas=CANVAS, gap=0.04)

    boxes = _products(out)
    assert len(boxes) == 4
    assert all(b[0] > 0 and b[2] < CANVAS for b in boxes)
    assert all(b[0] - a[2] >= 0.04 * CANVAS - 3 for a, b in itertools.pairwise(boxes))


def test_given_one_light_when_grouped_then_every_shadow_falls_the_same_way_on_pure_white():
    items = [cutout((100, 300), (200, 40, 40)), cutout((100, 300), (40, 60, 200))]

    out = group_shot(items, canvas=CANVAS, gap=0.25, light=(-0.8, 0.3))

    a = np.asarray(out).astype(int)
    assert (a[:50] == 255).all() and (a[-50:] == 255).all()  # clean white margins
    for x0, _y0, x1, y1 in _products(out):
        w = x1 - x0
        band = a[y1 - 40 : y1 + 6]
        left = (255 - band[:, x0 - w // 2 : x0].min(axis=2)).sum()
        right = (255 - band[:, x1 : x1 + w // 2].min(axis=2)).sum()
        assert right > 2 * left > 0  # light from the left: shadow to the right
        under = a[y1 : y1 + 6, x0 + w // 4 : x1 - w // 4]
        assert under.mean() < 235  # a contact shadow under the base


def test_given_products_shot_under_different_light_when_grouped_then_they_are_equalised():
    neutral = cutout((150, 300), (60, 120, 200), highlight=(235, 235, 235))
    warm_dark = cutout((150, 300), (60, 120, 200), highlight=(220, 200, 180))

    plain = group_shot([neutral, warm_dark], canvas=CANVAS, equalise=False)
    fixed = group_shot([neutral, warm_dark], canvas=CANVAS, equalise=True)

    def label_colours(img: Image.Image) -> list[np.ndarray]:
        """Mean colour of each product's neutral label."""
        a = np.asarray(img).astype(float)
        out = []
        for x0, y0, x1, y1 in _products(img):
            h, w = y1 - y0, x1 - x0
            patch = a[y0 + int(0.5 * h) : y0 + int(0.65 * h), x0 + int(0.3 * w) : x1 - int(0.3 * w)]
            out.append(patch.reshape(-1, 3).mean(axis=0))
        return out

    before = np.abs(np.subtract(*label_colours(plain))).max()
    after = np.abs(np.subtract(*label_colours(fixed))).max()
    assert after < 0.6 * before


def test_given_bad_arguments_when_grouped_then_they_are_refused():
    with pytest.raises(ValueError, match="at least one"):
        group_shot([])
    with pytest.raises(ValueError, match="heights"):
        group_shot([cutout()], heights=[1, 2])
    with pytest.raises(ValueError, match="positive"):
        group_shot([cutout()], heights=[0])
    with pytest.raises(ValueError, match="transparent"):
        group_shot([Image.new("RGBA", (10, 10), (0, 0, 0, 0))])
