"""Segmentation on the demo's sample photos, prepared exactly as the pipeline does.

Regression for the demo defect: on the red mug, the classical mask kept a
light-grey patch of the cast shadow to the right of the base (under the
handle) and its confidence (0.95) did not notice.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lightbox.imaging import u2net
from lightbox.imaging.segment import SegmentResult, segment_foreground
from lightbox.validation.photo import inspect_photo
from lightbox_samples import SampleSpec
from support.samples import sample_set

#: On the 2000 x 2000 mug photo: right of the body (which ends at x ~ 1330),
#: under the handle, above the table line. The old mask covered 97% of it.
MUG_SHADOW_PATCH = (slice(1390, 1490), slice(1360, 1500))
#: Inside the mug's body, same rows: must stay product.
MUG_BODY = (slice(1390, 1490), slice(700, 1200))


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SampleSpec]:
    root = tmp_path_factory.mktemp("samples")
    return {spec.sku: spec for spec in sample_set(root)}


def _working_image(spec: SampleSpec) -> Image.Image:
    check, image = inspect_photo(spec.path.read_bytes(), spec.path.name)
    assert check.ok and image is not None, check.reasons
    return image


@pytest.mark.parametrize("with_model", [True, False], ids=["model", "fallback"])
def test_given_the_red_mug_sample_when_segmented_then_the_cast_shadow_patch_is_background(
    samples: dict[str, SampleSpec],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    with_model: bool,
):
    if not with_model:
        monkeypatch.setattr(u2net, "MODEL_PATH", tmp_path / "missing.onnx")
    photo = _working_image(samples["MUG-RED-001"])
    assert photo.size == (2000, 2000)

    result = segment_foreground(photo)

    mask = np.asarray(result.mask)
    assert (mask[MUG_SHADOW_PATCH] < 128).mean() >= 0.99
    assert (mask[MUG_BODY] >= 128).mean() >= 0.99


def test_given_the_white_sneaker_on_light_grey_when_segmented_then_low_contrast_is_no_veto(
    samples: dict[str, SampleSpec],
):
    sneaker = segment_foreground(_working_image(samples["SNK-WHITE-42"]))
    mug = segment_foreground(_working_image(samples["MUG-RED-001"]))

    assert isinstance(sneaker, SegmentResult)
    assert sneaker.method == "u2netp+classical"
    # The shoe's colours barely differ from the sweep (contrast ~0.9x the
    # backdrop's noise threshold), but the model is decisive and the plain
    # sweep's classical check agrees with its outline: measured against
    # ground truth such cut-outs are right (IoU ~0.99), so contrast alone
    # does not send it to a person.
    assert sneaker.signals["contrast_ratio"] < 1.2
    assert sneaker.signals["agreement_iou"] >= 0.85
    assert sneaker.confidence >= 0.8
    assert mug.confidence >= 0.9
    # Landscape after EXIF rotation, product found across most of the frame width.
    assert sneaker.mask.size == (2400, 1600)
    left, _, right, _ = sneaker.bbox
    assert right - left > 0.7 * 2400
