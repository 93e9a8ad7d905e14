"""The u2netp model as the build ships it: pinned file, preprocessing, plausible masks, errors."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lightbox.imaging import u2net
from support.segment_scenes import bottle_scene, product_on_cloth_scene, sweep, to_image

ROOT = Path(__file__).resolve().parents[3]


def _fetch_script():
    spec = importlib.util.spec_from_file_location("fetch_model", ROOT / "scripts/fetch_model.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_given_a_built_checkout_when_the_model_is_read_then_it_is_the_pinned_file():
    digest = hashlib.sha256(u2net.MODEL_PATH.read_bytes()).hexdigest()

    assert digest == _fetch_script().MODEL_SHA256


def test_given_the_model_when_loaded_then_it_takes_one_320_px_rgb_image():
    inputs = u2net.session().get_inputs()

    assert len(inputs) == 1
    assert inputs[0].shape == [1, 3, u2net.INPUT_SIDE, u2net.INPUT_SIDE]


def test_given_two_loads_when_compared_then_the_session_is_created_once_per_process():
    assert u2net.session() is u2net.session()


def test_given_a_white_photo_when_preprocessed_then_it_is_scaled_by_its_max_and_normalised():
    white = Image.new("RGB", (640, 480), (255, 255, 255))

    x = u2net.preprocess(white)

    assert x.shape == (1, 3, 320, 320) and x.dtype == np.float32
    expected = (1.0 - u2net.MEAN) / u2net.STD
    assert np.allclose(x[0, :, 100, 100], expected, atol=1e-5)


@pytest.mark.parametrize("scene", [bottle_scene, product_on_cloth_scene])
def test_given_a_synthetic_product_when_predicted_then_the_mask_matches_ground_truth(scene):
    photo, gt = scene()

    alpha = u2net.alpha_mask(photo)

    assert alpha.mode == "L" and alpha.size == photo.size
    m = np.asarray(alpha) >= 128
    assert (m & gt).sum() / (m | gt).sum() >= 0.85
    values = np.asarray(alpha)
    assert ((values > 10) & (values < 245)).any()  # a soft alpha, not a binary cut


def test_given_an_empty_backdrop_when_predicted_then_the_raw_peak_says_nothing_was_found():
    photo, _ = bottle_scene()
    empty = to_image(sweep(600, 800, 230, 245))

    _, product_peak = u2net.predict(photo)
    _, empty_peak = u2net.predict(empty)

    assert product_peak > 0.9
    assert empty_peak < 0.1


def test_given_a_missing_model_file_when_predicting_then_the_error_names_the_path_and_the_fix(
    tmp_path: Path,
):
    missing = tmp_path / "models" / "u2netp.onnx"

    with pytest.raises(u2net.ModelMissingError) as caught:
        u2net.predict(Image.new("RGB", (64, 64)), missing)

    assert isinstance(caught.value, FileNotFoundError)
    assert str(missing) in str(caught.value)
    assert "make install" in str(caught.value)


def test_given_a_corrupt_model_file_when_loading_then_a_model_error_is_raised(tmp_path: Path):
    broken = tmp_path / "u2netp.onnx"
    broken.write_bytes(b"this is not an onnx graph")

    with pytest.raises(u2net.SegmentationModelError, match="cannot load"):
        u2net.session(broken)
