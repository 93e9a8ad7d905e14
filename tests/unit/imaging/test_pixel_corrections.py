import numpy as np
from PIL import Image

from lightbox.imaging.corrections import (
    FILL_RANGE,
    corrected_fill,
    corrected_mask,
    pixel_corrections,
)


def _mask() -> Image.Image:
    grey = np.zeros((400, 300), np.uint8)
    grey[100:300, 100:200] = 255
    return Image.fromarray(grey, "L")


def _area(mask: Image.Image) -> int:
    return int((np.asarray(mask) >= 128).sum())


def test_given_text_only_corrections_when_filtered_then_nothing_changes_pixels():
    assert pixel_corrections({"title": "Mug", "category": "general"}) == {}
    assert pixel_corrections({"crop_margin": 0.0, "cutout": None}) == {}
    assert pixel_corrections({"crop_margin": 0.04, "title": "x"}) == {"crop_margin": 0.04}


def test_given_a_margin_nudge_when_applied_then_fill_moves_within_range():
    assert corrected_fill(0.88, 0.05) == 0.93
    assert corrected_fill(0.88, -0.04) == 0.84
    assert corrected_fill(0.9, 0.1) == FILL_RANGE[1]
    assert corrected_fill(0.88, None) == 0.88


def test_given_a_tight_or_loose_cutout_when_corrected_then_mask_grows_or_shrinks():
    mask = _mask()
    assert _area(corrected_mask(mask, "too_tight")) > _area(mask)
    assert _area(corrected_mask(mask, "too_loose")) < _area(mask)
    assert corrected_mask(mask, None) is mask
