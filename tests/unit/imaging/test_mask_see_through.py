"""The hole-aware check: backdrop seen through a ring is not product.

`mask_quality.see_through` finds the pockets inside a mask that show the
backdrop (at its brightness or in shadow); `model_signals` cuts them out of
the classical cross-check's mask, so a model mask that fills a ring's hole
is no longer confirmed and its confidence falls.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from lightbox.imaging.mask_quality import PLAIN_THRESHOLD, confidence, model_signals, see_through
from lightbox.imaging.segment import _filled

H, W = 240, 320
#: The built-in auto-publish level of most categories.
AUTO_LEVEL = 0.8
#: A warm brown table, and a gold ring's colour.
BACKDROP = np.array([112.0, 74.0, 48.0])
GOLD = np.array([230.0, 185.0, 95.0])


def _ellipse(ry: float, rx: float, cy: float = 125, cx: float = 160) -> np.ndarray:
    yy, xx = np.mgrid[0:H, 0:W]
    return np.asarray(((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1.0)


OUTER = _ellipse(60, 110)
HOLE = _ellipse(40, 85)
RING = OUTER & ~HOLE


def _photo(centre: np.ndarray, seed: int = 1) -> np.ndarray:
    """A ring on a plain backdrop; `centre` paints the hole (H x W x 3).

    The sensor noise is that of a soft, clean studio shot: low enough for the
    classical method to call the backdrop plain (its threshold at the floor),
    where its mask is the reliable witness the confidence leans on.
    """
    rng = np.random.default_rng(seed)
    img = np.broadcast_to(BACKDROP, (H, W, 3)).copy()
    img[HOLE] = centre[HOLE]
    img[RING] = GOLD
    img += rng.normal(0.0, 1.0, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def _backdrop_centre(shade: float) -> np.ndarray:
    """The backdrop, darkened by a shadow the ring casts into its hole."""
    return np.broadcast_to(BACKDROP * shade, (H, W, 3)).copy()


def _share(img: np.ndarray, mask: np.ndarray) -> float:
    return float(see_through(img, mask).sum()) / float(mask.sum())


@pytest.mark.parametrize("shade", [1.0, 0.6, 0.3])
def test_given_a_ring_whose_hole_shows_the_backdrop_when_the_mask_fills_it_then_the_hole_is_found(
    shade: float,
) -> None:
    img = _photo(_backdrop_centre(shade))

    pockets = see_through(img, OUTER)

    # The hole, less a pixel or two of the smoothed edge, and nothing else.
    assert pockets.sum() > 0.9 * HOLE.sum()
    assert not (pockets & ~HOLE).any()


def test_given_a_solid_disc_when_checked_then_there_is_no_hole() -> None:
    rng = np.random.default_rng(2)
    img = np.broadcast_to(BACKDROP, (H, W, 3)).copy()
    img[OUTER] = GOLD
    img = np.clip(img + rng.normal(0.0, 1.0, img.shape), 0, 255).astype(np.uint8)

    assert _share(img, OUTER) == 0.0


def test_given_a_ring_with_a_product_coloured_centre_when_checked_then_there_is_no_hole() -> None:
    # A gold centre a little darker than the rim: a medal, a cap, not a hole.
    img = _photo(np.broadcast_to(GOLD * 0.7, (H, W, 3)).copy())

    assert _share(img, OUTER) == 0.0


def test_given_a_centre_of_another_hue_darker_than_the_backdrop_then_it_is_not_a_hole() -> None:
    # A dark blue stone set in the ring: darker than the table, but no shadow
    # turns brown into blue.
    img = _photo(np.broadcast_to(np.array([25.0, 35.0, 90.0]), (H, W, 3)).copy())

    assert _share(img, OUTER) == 0.0


def test_given_a_mask_that_already_cuts_the_hole_when_checked_then_nothing_is_left() -> None:
    img = _photo(_backdrop_centre(0.6))

    assert _share(img, RING) == 0.0


def _confidence(img: np.ndarray, mask: np.ndarray) -> tuple[float, dict[str, float]]:
    """The confidence of a decisive model map equal to `mask` on `img`."""
    prob = np.where(mask, 0.99, 0.01).astype(np.float32)
    signals = _filled({"model_peak": 0.99, **model_signals(prob, Image.fromarray(img))})
    return confidence(signals), signals


def test_given_a_shadowed_hole_when_the_model_fills_it_then_the_mask_goes_to_review() -> None:
    img = _photo(_backdrop_centre(0.5))

    filled, filled_signals = _confidence(img, OUTER)
    cut, cut_signals = _confidence(img, RING)

    assert filled_signals["threshold"] <= PLAIN_THRESHOLD  # the backdrop counts as plain
    assert filled_signals["see_through"] > 0.3
    assert filled < AUTO_LEVEL  # decisive, but the cross-check no longer confirms it
    assert cut_signals["see_through"] == 0.0
    assert cut >= AUTO_LEVEL  # the ring cut out right is confirmed
