"""`mask_quality.boundary_contrast`: does the image change where the mask ends?"""

from __future__ import annotations

import numpy as np

from lightbox.imaging.mask_quality import boundary_contrast

H, W = 120, 160


def _disc(cy: float, cx: float, radius: float) -> np.ndarray:
    yy, xx = np.mgrid[0:H, 0:W]
    return np.asarray((yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2)


def _woven_table_with_product(seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """A flat red product disc on a strongly textured (woven, noisy) table."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:H, 0:W]
    weave = ((yy // 4 + xx // 4) % 2).astype(np.float64)
    table = np.stack([150 + 60 * weave, 110 + 50 * weave, 60 + 30 * weave], axis=-1)
    table += rng.normal(0.0, 12.0, table.shape)
    product = _disc(60, 80, 30)
    img = table.copy()
    img[product] = np.array([200.0, 30.0, 40.0]) + rng.normal(0.0, 4.0, (int(product.sum()), 3))
    return np.clip(img, 0, 255).astype(np.uint8), product


def test_given_texture_when_the_outline_runs_through_the_table_then_it_scores_lower() -> None:
    img, truth = _woven_table_with_product()
    # The same product plus a ring of table around it: the outline now sits
    # in the weave, 8 px outside the product's real edge.
    too_big = _disc(60, 80, 38)

    true_score = boundary_contrast(img, truth)
    wrong_score = boundary_contrast(img, too_big)

    assert true_score > 1.0
    assert wrong_score < 0.5 * true_score


def test_given_a_flat_product_when_the_outline_cuts_through_it_then_it_scores_lower() -> None:
    img, truth = _woven_table_with_product()
    # A mask that stops short of the product's edge: both sides are product.
    too_small = _disc(60, 80, 20)

    assert boundary_contrast(img, too_small) < 0.5 * boundary_contrast(img, truth)


def test_given_a_mask_shifted_off_the_product_then_it_scores_lower_than_the_true_one() -> None:
    img, truth = _woven_table_with_product()
    shifted = _disc(60, 95, 30)

    assert boundary_contrast(img, shifted) < boundary_contrast(img, truth)


def test_given_no_outline_then_the_contrast_is_zero() -> None:
    img, _truth = _woven_table_with_product()

    assert boundary_contrast(img, np.zeros((H, W), bool)) == 0.0
    assert boundary_contrast(img, np.ones((H, W), bool)) == 0.0


def test_given_a_mask_at_the_frame_edge_then_windows_are_clipped_not_wrapped() -> None:
    """A product cut off by the frame: the windows at the edge are clipped
    and the result stays finite and the same as for the uncropped outline."""
    img, truth = _woven_table_with_product()
    corner = _disc(0, 0, 30)
    img[corner] = (200, 30, 40)

    score = boundary_contrast(img, corner | truth)

    assert np.isfinite(score)
    assert score > 1.0
