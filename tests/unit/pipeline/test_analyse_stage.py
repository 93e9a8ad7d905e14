"""Analyse: segment, attributes and listing copy from the validated photo."""

from __future__ import annotations

import io

from PIL import Image

from lightbox.pipeline import analyse


def test_given_a_validated_photo_when_segmented_then_a_mask_is_stored_with_a_confidence(driver):
    state = driver.run_until("validate")

    output = analyse.segment(state, driver.deps)

    mask = Image.open(io.BytesIO(driver.fakes.objects.get_bytes(output.mask_key)))
    assert mask.mode == "L"
    assert 0.0 <= output.confidence <= 1.0
    assert 0.05 < output.coverage < 0.9  # the product is a part of the frame, not all of it
    assert output.bbox is not None


def test_given_a_red_product_when_described_then_red_is_among_its_colours(driver):
    state = driver.run_until("validate")

    output = analyse.attributes(state, driver.deps)

    names = [c.name for c in output.colours]
    assert any("red" in n for n in names), names


def test_given_product_metadata_when_copy_is_drafted_then_titles_fit_each_marketplace(driver):
    state = driver.run_until("validate")

    copy = analyse.draft(state)

    assert "Red ceramic mug" in copy.title
    assert set(copy.per_marketplace_titles) >= {"amazon", "etsy"}
    assert all(len(t) <= 200 for t in copy.per_marketplace_titles.values())


def test_given_a_validated_photo_when_segmented_then_its_transparent_cutout_is_kept(driver):
    state = driver.run_until("validate")
    working = Image.open(io.BytesIO(driver.fakes.objects.get_bytes(state.validation.working_key)))

    output = analyse.segment(state, driver.deps)

    photo = state.photo
    stem = photo.key.rsplit("/", 1)[1].rsplit(".", 1)[0]
    assert output.cutout_key == f"cutouts/{photo.seller}/{photo.sku}/{stem}.png"
    cutout = Image.open(io.BytesIO(driver.fakes.objects.get_bytes(output.cutout_key)))
    assert cutout.format == "PNG" and cutout.mode == "RGBA"
    assert cutout.size == working.size  # full frame, the working image's size
    mask = Image.open(io.BytesIO(driver.fakes.objects.get_bytes(output.mask_key)))
    assert cutout.getchannel("A").tobytes() == mask.tobytes()
    x, y = output.bbox[0] + (output.bbox[2] - output.bbox[0]) // 2, output.bbox[1] + 5
    assert cutout.getpixel((2, 2))[3] == 0  # the backdrop is transparent
    assert cutout.convert("RGB").getpixel((x, y)) == working.convert("RGB").getpixel((x, y))


def test_given_a_red_product_on_white_when_segmented_then_its_colours_come_from_the_product(
    driver,
):
    state = driver.run_until("validate")

    output = analyse.segment(state, driver.deps)
    whole_frame = analyse.attributes(state, driver.deps)

    names = [c.name for c in output.colours]
    assert names and "red" in names[0], names
    assert not any("white" in n for n in names), names  # the backdrop is not the product
    assert output.colours[0].share >= whole_frame.colours[0].share
