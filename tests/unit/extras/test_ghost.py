"""ghost_mannequin: the inner back shows through the front's neck opening."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from lightbox.extras.ghost import ghost_mannequin
from support.studio_images import luma, polygon_alpha, shirt_inner

W, H = 800, 900  # shirt_front's default size
# The front neck opening of shirt_front: a half-ellipse under the neck points,
# centre (0.5, 0.12) of the frame, radii 0.08.
HOLE_CENTRE = (round(0.5 * W), round(0.16 * H))
HOLE_TOP = (round(0.5 * W), round(0.15 * H))  # below the inner piece's own neck notch
HOLE_BOTTOM = (round(0.5 * W), round(0.19 * H))


def _alpha(img: Image.Image) -> np.ndarray:
    return np.asarray(img.getchannel("A"), np.float32) / 255.0


def test_given_a_front_and_an_inner_shot_when_combined_then_the_neck_opening_is_filled(
    shirt, inner
):
    front, front_mask = shirt
    back, back_mask, _ = inner
    assert np.asarray(front_mask)[HOLE_CENTRE[1], HOLE_CENTRE[0]] == 0  # a hollow before

    out = ghost_mannequin(front, back, front_mask, back_mask)

    assert out.mode == "RGBA" and out.size == front.size
    a = _alpha(out)
    assert a[HOLE_CENTRE[1], HOLE_CENTRE[0]] > 0.95


def test_given_an_inner_shot_with_a_label_when_combined_then_the_label_shows_through_the_opening(
    shirt, inner
):
    front, front_mask = shirt
    back, back_mask, _ = inner

    out = ghost_mannequin(front, back, front_mask, back_mask)

    rgb = np.asarray(out.convert("RGB"), np.float32)
    y0, y1 = round(0.125 * H), round(0.2 * H)
    x0, x1 = round(0.44 * W), round(0.56 * W)
    patch = luma(rgb[y0:y1, x0:x1])
    # The white label (dimmed as an interior) stands out from the blue cloth.
    assert (patch > 140).mean() > 0.15
    assert (patch < 110).mean() > 0.1


def test_given_the_inner_piece_when_combined_then_it_is_shaded_as_an_interior(shirt, inner):
    front, front_mask = shirt
    back, back_mask, _ = inner
    no_label = np.asarray(back).copy()
    no_label[no_label.min(axis=2) > 200] = (40, 90, 170)  # same cloth everywhere...
    plain = Image.composite(
        Image.fromarray(no_label), Image.new("RGB", back.size, "white"), back_mask
    )

    out = ghost_mannequin(front, plain, front_mask, back_mask)

    rgb = np.asarray(out.convert("RGB"), np.float32)
    inside = luma(
        rgb[HOLE_CENTRE[1] - 3 : HOLE_CENTRE[1] + 3, HOLE_CENTRE[0] - 3 : HOLE_CENTRE[0] + 3]
    ).mean()
    outside = luma(np.asarray(plain, np.float32)[200:260, 230:270]).mean()
    assert inside < 0.85 * outside  # the inside gets less light
    top = luma(rgb[HOLE_TOP[1] : HOLE_TOP[1] + 4, HOLE_TOP[0] - 2 : HOLE_TOP[0] + 2]).mean()
    deep = luma(
        rgb[HOLE_BOTTOM[1] - 6 : HOLE_BOTTOM[1] - 2, HOLE_BOTTOM[0] - 2 : HOLE_BOTTOM[0] + 2]
    ).mean()
    assert deep < top  # ... and less the deeper it goes


def test_given_the_result_when_inspected_then_outside_stays_transparent_and_the_front_unchanged(
    shirt, inner
):
    front, front_mask = shirt
    back, back_mask, _ = inner

    out = ghost_mannequin(front, back, front_mask, back_mask)

    a = _alpha(out)
    fm = np.asarray(front_mask)
    assert a[:40].max() == 0  # above the shoulders
    below_neck = np.arange(H)[:, None] > 0.3 * H
    assert a[(fm == 0) & below_neck].max() == 0  # beside the body, under the sleeves
    solid = fm == 255
    diff = np.abs(np.asarray(out.convert("RGB"), np.int16) - np.asarray(front, np.int16))[solid]
    assert diff.max() <= 2


def test_given_an_inner_shot_at_another_scale_when_combined_then_it_is_fitted_to_the_neckline(
    shirt,
):
    front, front_mask = shirt
    small, small_mask, _ = shirt_inner((500, 560))
    large, large_mask, _ = shirt_inner((1000, 1120))

    a = ghost_mannequin(front, small, front_mask, small_mask)
    b = ghost_mannequin(front, large, front_mask, large_mask)

    box = (round(0.42 * W), round(0.12 * H), round(0.58 * W), round(0.2 * H))
    pa = np.asarray(a.crop(box).convert("RGB"), np.float32)
    pb = np.asarray(b.crop(box).convert("RGB"), np.float32)
    assert np.abs(pa - pb).mean() < 6


def test_given_no_masks_when_combined_then_both_shots_are_segmented(shirt, inner):
    front, _ = shirt
    back, _, _ = inner

    out = ghost_mannequin(front, back)

    assert _alpha(out)[HOLE_CENTRE[1], HOLE_CENTRE[0]] > 0.95
    assert _alpha(out)[5, 5] == 0


def test_given_a_front_without_a_neck_opening_when_combined_then_the_seller_is_told_what_to_reshoot(
    inner,
):
    alpha = polygon_alpha((W, H), [(0.2, 0.1), (0.8, 0.1), (0.8, 0.9), (0.2, 0.9)])
    mask = Image.fromarray(np.round(alpha * 255).astype(np.uint8), "L")
    front = Image.composite(
        Image.new("RGB", (W, H), (40, 90, 170)), Image.new("RGB", (W, H), "white"), mask
    )
    back, back_mask, _ = inner

    with pytest.raises(ValueError, match="no neck opening"):
        ghost_mannequin(front, back, mask, back_mask)
