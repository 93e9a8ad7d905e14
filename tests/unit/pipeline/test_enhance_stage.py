"""Enhance and render: the studio image, then one compliant render per marketplace."""

from __future__ import annotations

import io

from PIL import Image

from lightbox.models.stages import RenderRequest
from lightbox.pipeline import enhance


def test_given_an_analysed_photo_when_enhanced_then_the_studio_image_is_white_backed(driver):
    state = driver.run_until("analyse")

    output = enhance.enhance(state, driver.deps)

    studio = Image.open(io.BytesIO(driver.fakes.objects.get_bytes(output.studio_key)))
    assert studio.getpixel((2, 2))[:3] == (255, 255, 255)
    assert output.background_purity > 0.99
    assert 0.5 < output.fill_ratio <= 1.0


def test_given_no_extras_requested_when_enhanced_then_no_cutout_is_encoded(driver):
    state = driver.run_until("analyse")
    assert state.validation is not None and not state.validation.extras

    output = enhance.enhance(state, driver.deps)

    assert output.cutout_key == ""
    assert not any(k.endswith("cutout.png") for k in driver.fakes.objects.keys("work/"))


def test_given_a_studio_image_when_rendered_for_amazon_then_the_render_complies(driver):
    state = driver.run_until("enhance")
    request = RenderRequest(
        marketplace="amazon", studio=state.studio, photo=state.photo, execution=state.execution
    )

    output = enhance.render(request, driver.deps)

    assert output.compliance.ok, output.compliance.failures
    assert output.marketplace == "amazon" and output.content_type == "image/jpeg"
    render = Image.open(io.BytesIO(driver.fakes.objects.get_bytes(output.key)))
    assert render.size == (output.width, output.height)
    assert min(render.size) >= 1000  # zoomable on Amazon
