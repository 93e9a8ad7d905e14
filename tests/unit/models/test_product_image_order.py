"""product.json's `image_order`: the seller's order of the SKU's photos, main first."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lightbox.models.product import ProductMetadata


def test_given_an_image_order_when_read_then_file_names_are_kept_nfc_normalised():
    product = ProductMetadata.model_validate({"image_order": ["front.jpg", "Gro\u0308sse.jpg"]})

    assert product.image_order == ["front.jpg", "Grösse.jpg"]
    assert ProductMetadata().image_order == []


@pytest.mark.parametrize(
    ("names", "problem"),
    [
        (["assets/front.jpg"], "not a photo's file name"),
        (["front.jpg", "front.jpg"], "named twice"),
        (
            [
                "..",
            ],
            "not a photo's file name",
        ),
        (["evil\u202egpj.exe"], "bidirectional"),
    ],
)
def test_given_a_bad_image_order_when_read_then_refused_naming_the_entry(names, problem):
    with pytest.raises(ValidationError, match=problem):
        ProductMetadata.model_validate({"image_order": names})
