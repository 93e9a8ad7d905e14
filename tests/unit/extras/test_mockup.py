"""apply_graphic: a print that follows the item's shape and shading."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from lightbox.extras.mockup import apply_graphic
from support.studio_images import luma

SIZE = (600, 600)
ITEM_BOX = (100, 100, 500, 500)


def _item(
    colour=(235, 235, 235), fold: bool = False, waves: bool = False
) -> tuple[Image.Image, Image.Image]:
    """A square 'garment' on white; optionally a dark fold band or soft waves."""
    w, h = SIZE
    arr = np.full((h, w, 3), 255, np.float32)
    x0, y0, x1, y1 = ITEM_BOX
    cloth = np.ones((y1 - y0, x1 - x0), np.float32)
    if fold:
        cloth[:, 180:220] = 0.55  # a vertical fold across the middle
    if waves:
        xs = np.arange(x1 - x0, dtype=np.float32)[None, :]
        ys = np.arange(y1 - y0, dtype=np.float32)[:, None]
        cloth = 0.85 + 0.15 * np.sin(xs / 23.0) * np.cos(ys / 31.0)
    arr[y0:y1, x0:x1] = np.array(colour, np.float32) * cloth[..., None]
    mask = Image.new("L", SIZE, 0)
    ImageDraw.Draw(mask).rectangle((x0, y0, x1 - 1, y1 - 1), fill=255)
    return Image.fromarray(arr.astype(np.uint8), "RGB"), mask


def _graphic(colour=(220, 30, 30), stripes: bool = False) -> Image.Image:
    g = Image.new("RGBA", (200, 200), (0, 0, 0, 0))
    d = ImageDraw.Draw(g)
    if stripes:
        for x in range(10, 200, 30):
            d.rectangle((x, 0, x + 8, 199), fill=(*colour, 255))
    else:
        d.rectangle((0, 0, 199, 199), fill=(*colour, 255))
    return g


def test_given_an_item_when_a_graphic_is_applied_then_it_appears_centred_and_nowhere_else():
    item, mask = _item()

    out = apply_graphic(item, _graphic(), mask)

    a, b = np.asarray(out, np.int16), np.asarray(item, np.int16)
    changed = np.abs(a - b).max(axis=2) > 8
    ys, xs = np.nonzero(changed)
    assert (xs.min() + xs.max()) / 2 == pytest.approx(300, abs=4)
    assert (ys.min() + ys.max()) / 2 == pytest.approx(300, abs=4)
    assert xs.max() - xs.min() == pytest.approx(0.42 * 400, abs=8)  # default coverage
    r, g, _ = a[300, 300]
    assert r > 180 and g < 80  # red ink


def test_given_a_box_reaching_past_the_item_when_applied_then_the_print_is_clipped_to_the_item():
    item, mask = _item()

    out = apply_graphic(item, _graphic(), mask, box=(400, 250, 600, 450))

    a, b = np.asarray(out), np.asarray(item)
    outside = np.asarray(mask) == 0
    assert np.array_equal(a[outside], b[outside])
    assert (np.abs(a[300:400, 420:480].astype(int) - b[300:400, 420:480]).max(axis=2) > 50).all()


def test_given_a_fold_when_applied_then_the_print_is_darker_in_the_fold_like_the_fabric():
    item, mask = _item(fold=True)

    out = apply_graphic(
        item, _graphic(colour=(240, 200, 60)), mask, box=(200, 200, 400, 400), warp=0
    )

    y = luma(np.asarray(out))
    in_fold = y[250:350, 285:315].mean()  # ITEM_BOX x0 + 180..220
    flat = y[250:350, 220:260].mean()
    assert in_fold / flat == pytest.approx(0.55, abs=0.08)


def test_given_a_dark_item_when_applied_then_the_print_stays_bright():
    light, mask = _item(colour=(235, 235, 235))
    dark, _ = _item(colour=(30, 30, 35))

    on_light = apply_graphic(light, _graphic(colour=(240, 200, 60)), mask, warp=0)
    on_dark = apply_graphic(dark, _graphic(colour=(240, 200, 60)), mask, warp=0)

    centre = (slice(280, 320), slice(280, 320))
    assert (
        luma(np.asarray(on_dark))[centre].mean() > 0.85 * luma(np.asarray(on_light))[centre].mean()
    )


def test_given_folds_when_applied_then_the_print_is_displaced_but_not_on_a_flat_item():
    wavy, mask = _item(waves=True)
    flat, _ = _item()
    stripes = _graphic(stripes=True)

    bent = np.asarray(apply_graphic(wavy, stripes, mask, opacity=1.0), np.int16)
    straight = np.asarray(apply_graphic(wavy, stripes, mask, opacity=1.0, warp=0), np.int16)
    flat_bent = np.asarray(apply_graphic(flat, stripes, mask, opacity=1.0), np.int16)
    flat_straight = np.asarray(apply_graphic(flat, stripes, mask, opacity=1.0, warp=0), np.int16)

    moved = np.abs(bent - straight).max(axis=2) > 40
    assert moved[216:384, 216:384].mean() > 0.05  # stripe edges moved inside the print
    assert np.abs(flat_bent - flat_straight).max() <= 1  # nothing to follow on a flat item


def test_given_zero_opacity_when_applied_then_the_item_is_unchanged():
    item, mask = _item()

    out = apply_graphic(item, _graphic(), mask, opacity=0.0)

    assert np.array_equal(np.asarray(out), np.asarray(item))


def test_given_an_invalid_opacity_or_empty_mask_when_applied_then_it_is_refused():
    item, mask = _item()

    with pytest.raises(ValueError, match="opacity"):
        apply_graphic(item, _graphic(), mask, opacity=1.5)
    with pytest.raises(ValueError, match="empty mask"):
        apply_graphic(item, _graphic(), Image.new("L", SIZE, 0))
