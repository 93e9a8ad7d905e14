"""match_look: colour, tone and lighting transfer from a reference photo."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from lightbox.extras.lookalike import match_look
from lightbox.imaging.colour import srgb_to_lab
from support.studio_images import luma, product_photo


def _lab(img: Image.Image) -> np.ndarray:
    return srgb_to_lab(np.asarray(img.convert("RGB"), np.float32) / 255.0)


def _reference(size=(600, 500), warm=True, contrast=1.0, slope=0.0) -> Image.Image:
    """A warm, optionally contrasty / side-lit reference (a product on a beige sweep)."""
    photo, _ = product_photo(
        size, product=(170, 120, 60), backdrop=(225, 200, 160) if warm else (200, 205, 215)
    )
    arr = np.asarray(photo, np.float32)
    arr = (arr - arr.mean()) * contrast + arr.mean()
    x = np.linspace(-1, 1, size[0], dtype=np.float32)[None, :, None]
    arr = arr * (1.0 - slope * x)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def test_given_a_cool_photo_and_a_warm_reference_when_matched_then_the_backdrop_takes_the_warmth(
    photo,
):
    img, mask = photo
    ref = _reference()
    bg = np.asarray(mask) == 0

    out = match_look(img, ref, mask)

    before = _lab(img)[bg][:, 1:].mean(axis=0)
    after = _lab(out)[bg][:, 1:].mean(axis=0)
    target = _lab(ref)[:, :, 1:].reshape(-1, 2).mean(axis=0)
    assert np.linalg.norm(after - target) < 0.4 * np.linalg.norm(before - target)
    assert after[1] > before[1] + 5  # b* up: visibly warmer


def test_given_a_flat_photo_and_a_contrasty_reference_when_matched_then_the_tone_spread_follows():
    flat, _ = product_photo(product=(150, 110, 110), backdrop=(170, 170, 175))
    ref = _reference(warm=False, contrast=1.6)
    ref_std = _lab(ref)[..., 0].std()
    assert _lab(flat)[..., 0].std() < 0.6 * ref_std

    out = match_look(flat, ref, protect_product=False)

    assert _lab(out)[..., 0].std() == pytest.approx(ref_std, rel=0.25)


def test_given_a_product_mask_when_matched_then_the_product_keeps_its_colour_more_than_the_backdrop(
    photo,
):
    img, mask = photo
    ref = _reference()
    m = np.asarray(mask)

    out = match_look(img, ref, mask)

    delta = np.linalg.norm(_lab(out) - _lab(img), axis=2)
    assert delta[m == 255].mean() < 0.5 * delta[m == 0].mean()
    hue_before = np.degrees(np.arctan2(*_lab(img)[m == 255][:, [2, 1]].mean(axis=0)))
    hue_after = np.degrees(np.arctan2(*_lab(out)[m == 255][:, [2, 1]].mean(axis=0)))
    assert abs(hue_after - hue_before) < 10  # still the same red


def test_given_no_mask_when_matched_then_the_product_is_found_and_protected(photo):
    img, mask = photo
    m = np.asarray(mask)

    protected = match_look(img, _reference())
    unprotected = match_look(img, _reference(), protect_product=False)

    shift = lambda out: np.linalg.norm(_lab(out) - _lab(img), axis=2)[m == 255].mean()  # noqa: E731
    assert shift(protected) < 0.6 * shift(unprotected)


def test_given_a_reference_lit_from_the_left_when_matched_then_the_photo_brightens_left_gently(
    photo,
):
    img, mask = photo
    ref = _reference(warm=False, slope=0.25)
    w = img.width

    out = match_look(img, ref, mask, max_gradient=0.12)

    y_in, y_out = luma(img), luma(out)
    ratio_left = y_out[:, : w // 10].mean() / y_in[:, : w // 10].mean()
    ratio_right = y_out[:, -w // 10 :].mean() / y_in[:, -w // 10 :].mean()
    assert ratio_left > ratio_right + 0.08  # the light now comes from the left
    assert ratio_left / ratio_right < 1.30  # ... but never more than the clamp allows


def test_given_strength_zero_when_matched_then_the_photo_is_unchanged(photo):
    img, mask = photo

    out = match_look(img, _reference(), mask, strength=0.0)

    assert np.array_equal(np.asarray(out), np.asarray(img))


def test_given_the_photo_as_its_own_reference_when_matched_then_it_barely_changes(photo):
    img, mask = photo

    out = match_look(img, img, mask)

    assert np.abs(np.asarray(out, np.int16) - np.asarray(img, np.int16)).mean() < 2.0


def test_given_an_rgba_cutout_when_matched_then_its_alpha_is_kept(bottle):
    out = match_look(bottle, _reference())

    assert out.mode == "RGBA"
    assert np.array_equal(np.asarray(out.getchannel("A")), np.asarray(bottle.getchannel("A")))


def test_given_a_mask_of_another_size_when_matched_then_it_is_refused(photo):
    img, _ = photo

    with pytest.raises(ValueError, match="mask size"):
        match_look(img, _reference(), Image.new("L", (10, 10), 255))
