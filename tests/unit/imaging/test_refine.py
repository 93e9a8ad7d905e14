"""Edge placement: a coarse decision becomes a full-size soft alpha on the photo's own edge."""

from __future__ import annotations

import numpy as np
from PIL import Image

from lightbox.imaging.refine import BAND, matte


def _disc_photo(size: int = 1200, radius: float = 400.0) -> tuple[Image.Image, np.ndarray]:
    """A red disc on light grey with a 1 px antialiased edge; returns photo and coverage."""
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    r = np.hypot(x - size / 2, y - size / 2)
    cover = np.clip(radius + 0.5 - r, 0.0, 1.0)
    grey, red = np.array([215, 215, 212], np.float32), np.array([180, 30, 40], np.float32)
    rng = np.random.default_rng(5)
    pixels = grey + cover[..., None] * (red - grey) + rng.normal(0, 1.5, (size, size, 3))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB"), cover


def _decision(small: Image.Image, radius: float) -> np.ndarray:
    h, w = small.height, small.width
    y, x = np.mgrid[0:h, 0:w].astype(np.float32) + 0.5
    return np.hypot(x - w / 2, y - h / 2) <= radius


def test_given_a_decision_a_pixel_too_wide_when_matted_then_the_edge_lands_on_the_photo_edge():
    photo, cover = _disc_photo()
    small = photo.resize((400, 400), Image.Resampling.BILINEAR)
    # True radius at work scale is 400/3 = 133.3 px; the decision is 1.5 px too wide,
    # as an upsampled 320 px model map can be.
    decision = _decision(small, 133.3 + 1.5)

    alpha = np.asarray(matte(photo, small, decision), np.float32) / 255.0

    solid = alpha >= 0.5
    truth = cover >= 0.5
    assert (solid ^ truth).sum() / truth.sum() < 0.004  # within about a pixel all round
    assert abs(alpha.sum() - cover.sum()) / cover.sum() < 0.004


def test_given_a_sharp_photo_edge_when_matted_then_the_ramp_is_short_and_there_is_no_halo():
    photo, _ = _disc_photo()
    small = photo.resize((400, 400), Image.Resampling.BILINEAR)

    alpha = np.asarray(matte(photo, small, _decision(small, 133.3)))

    partial = (alpha > 8) & (alpha < 247)
    outline = 2 * np.pi * 400
    assert partial.sum() / outline < 4  # a ~2-3 px edge, not a blurred rim
    y, x = np.mgrid[0:1200, 0:1200] + 0.5
    far = np.hypot(x - 600, y - 600) > 400 + 3 * BAND
    assert alpha[far].max() == 0  # nothing leaks into the backdrop


def test_given_a_photo_at_work_scale_when_matted_then_the_size_is_kept():
    photo, _ = _disc_photo(size=300, radius=100)

    mask = matte(photo, photo, _decision(photo, 100))

    assert mask.mode == "L" and mask.size == photo.size
