"""Mask helpers checked against slow, obviously-right references."""

from __future__ import annotations

import numpy as np

from lightbox.imaging.morphology import box_mean, fill_small_holes


def test_given_random_values_when_box_averaged_then_each_pixel_is_its_clipped_window_mean():
    rng = np.random.default_rng(3)
    arr = rng.random((9, 13))

    out = box_mean(arr, 2)

    for y in range(9):
        for x in range(13):
            window = arr[max(0, y - 2) : y + 3, max(0, x - 2) : x + 3]
            assert np.isclose(out[y, x], window.mean())


def test_given_a_ring_with_a_pinhole_when_filled_then_only_the_small_hole_closes():
    mask = np.zeros((40, 40), bool)
    mask[5:35, 5:35] = True
    mask[10:20, 10:20] = False  # a real hole: 100 px
    mask[27, 27] = False  # a pinhole

    out = fill_small_holes(mask, max_area=10)

    assert out[27, 27]
    assert not out[10:20, 10:20].any()
    assert not out[0].any()  # the outside is never a hole
