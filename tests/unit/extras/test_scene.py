"""place_in_scene and default_scene: a product that sits in its scene."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from lightbox.extras.scene import default_scene, place_in_scene
from support.studio_images import cutout, luma

SIDE = 600


def _scene(colour=(180, 180, 180), slope: float = 0.0) -> Image.Image:
    """A plain scene; slope > 0 makes its left side brighter (a window on the left)."""
    x = np.linspace(-1, 1, SIDE, dtype=np.float32)[None, :, None]
    arr = np.array(colour, np.float32) * (1.0 - slope * x) * np.ones((SIDE, 1, 1), np.float32)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def _changed(out: Image.Image, scene: Image.Image, threshold: int = 30) -> np.ndarray:
    return np.abs(np.asarray(out, np.int16) - np.asarray(scene, np.int16)).max(axis=2) > threshold


def test_given_a_scene_when_a_product_is_placed_then_it_stands_where_asked_at_the_asked_size():
    scene = _scene()

    out = place_in_scene(cutout((100, 300), (200, 40, 40)), scene, position=(0.4, 0.85), scale=0.5)

    assert out.size == scene.size and out.mode == "RGB"
    a = np.asarray(out).astype(int)
    red = (a[..., 0] - a[..., 2]) > 60
    ys, xs = np.nonzero(red)
    assert (xs.min() + xs.max()) / 2 == pytest.approx(0.4 * SIDE, abs=4)
    assert ys.max() == pytest.approx(0.85 * SIDE, abs=3)
    assert ys.max() - ys.min() == pytest.approx(0.5 * SIDE, abs=6)


def test_given_a_product_too_big_for_the_frame_when_placed_then_it_is_shrunk_to_fit():
    wide = cutout((900, 300), (200, 40, 40))

    out = place_in_scene(wide, _scene(), scale=0.9)

    a = np.asarray(out).astype(int)
    red = (a[..., 0] - a[..., 2]) > 60
    assert not red[:, 0].any() and not red[:, -1].any() and not red[0].any()


def test_given_a_scene_lit_from_the_left_when_placed_then_the_shadow_falls_to_the_right():
    scene = _scene(slope=0.25)
    product = cutout((100, 300), (200, 40, 40))

    out = place_in_scene(product, scene, position=(0.5, 0.8), scale=0.4)

    darker = np.asarray(scene, np.float32).mean(axis=2) - np.asarray(out, np.float32).mean(axis=2)
    a = np.asarray(out).astype(int)
    red = (a[..., 0] - a[..., 2]) > 60
    ys, xs = np.nonzero(red)
    base, x0, x1 = ys.max(), xs.min(), xs.max()
    w = x1 - x0
    band = darker[base - 60 : base + 8]
    left = np.clip(band[:, x0 - w : x0 - 2], 0, None).sum()
    right = np.clip(band[:, x1 + 2 : x1 + w], 0, None).sum()
    assert right > 2 * left
    assert darker[base + 1 : base + 4, x0 + w // 4 : x1 - w // 4].mean() > 8  # contact shadow


def test_given_a_warm_scene_when_placed_then_the_product_warms_a_little():
    product = cutout((100, 300), (150, 150, 150))
    neutral = place_in_scene(product, _scene((180, 180, 180)), shadow=False)
    warm = place_in_scene(product, _scene((210, 170, 120)), shadow=False)

    centre = (slice(int(0.55 * SIDE), int(0.65 * SIDE)), slice(int(0.48 * SIDE), int(0.52 * SIDE)))
    n = np.asarray(neutral, np.float32)[centre].reshape(-1, 3).mean(axis=0)
    w = np.asarray(warm, np.float32)[centre].reshape(-1, 3).mean(axis=0)
    assert w[0] / w[2] > 1.04 * (n[0] / n[2])  # warmer
    assert w[0] / w[2] < 1.25 * (n[0] / n[2])  # ... but still the product's own grey


def test_given_a_dark_corner_when_placed_then_the_product_is_dimmed_but_not_blackened():
    product = cutout((100, 300), (150, 150, 150))
    scene = np.full((SIDE, SIDE, 3), 200, np.uint8)
    scene[:, : SIDE // 2] = 60  # the left half is in shade
    img = Image.fromarray(scene, "RGB")

    lit = place_in_scene(product, img, position=(0.75, 0.8), shadow=False)
    shaded = place_in_scene(product, img, position=(0.25, 0.8), shadow=False)

    lit_y = luma(np.asarray(lit))[int(0.6 * SIDE), int(0.75 * SIDE)]
    shade_y = luma(np.asarray(shaded))[int(0.6 * SIDE), int(0.25 * SIDE)]
    assert 0.65 * lit_y < shade_y < 0.95 * lit_y


def test_given_a_seed_when_the_default_scene_is_rendered_then_it_is_deterministic_and_plausible():
    a = default_scene(400, seed=3)
    b = default_scene(400, seed=3)
    c = default_scene(400, seed=4)

    assert a.size == (400, 400) and a.mode == "RGB"
    assert np.array_equal(np.asarray(a), np.asarray(b))
    assert not np.array_equal(np.asarray(a), np.asarray(c))
    arr = np.asarray(a).astype(float)
    wall, table = arr[40:180], arr[260:]
    assert luma(wall).mean() > luma(table).mean() + 40  # a light wall over a darker table
    assert (table[..., 0] - table[..., 2]).mean() > 40  # warm wood
    # Grain: fine lines along the planks, i.e. strong row-to-row changes; the
    # out-of-focus wall has none.
    grain = lambda part: np.abs(np.diff(luma(part), axis=0)).mean()  # noqa: E731
    assert grain(table) > 2 * grain(wall)


def test_given_bad_arguments_when_placing_then_they_are_refused():
    with pytest.raises(ValueError, match="scale"):
        place_in_scene(cutout(), _scene(), scale=0.0)
    with pytest.raises(ValueError, match="size"):
        default_scene(10)
