"""Studio extras: one extra from the studio intermediate, stored, never blocking."""

from __future__ import annotations

import io

from PIL import Image

from lightbox.models.stages import ExtraRequest
from lightbox.pipeline.extras import produce_extra
from support.images import good_jpeg
from support.stages import StageDriver

PRODUCT = {
    "title": "Red ceramic mug",
    "category": "general",
    "marketplaces": ["amazon"],
    "extras": {
        "ad_poster": {"headline": "Morning mug", "price": "$12"},
        "mockup": {"graphic": "assets/print.png"},
    },
}


def test_given_a_studio_image_when_a_poster_is_made_then_it_is_stored():
    driver = StageDriver(good_jpeg(seed=3), product=PRODUCT)
    state = driver.run_until("enhance")

    output = produce_extra(ExtraRequest.for_state(state, "ad_poster"), driver.deps)

    assert output.ok, output.reason
    for key in output.outputs.values():
        image = Image.open(io.BytesIO(driver.fakes.objects.get_bytes(key)))
        assert min(image.size) > 100


def test_given_an_extra_missing_its_asset_when_made_then_it_fails_with_a_reason():
    driver = StageDriver(good_jpeg(seed=3), product=PRODUCT)  # assets/print.png never uploaded
    state = driver.run_until("enhance")

    output = produce_extra(ExtraRequest.for_state(state, "mockup"), driver.deps)

    assert not output.ok
    assert "print.png" in output.reason
    assert not driver.fakes.objects.keys("renders/acme/mug-01/front/extras/")
