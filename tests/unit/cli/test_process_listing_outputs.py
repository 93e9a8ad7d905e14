"""`lightbox process` downloads a photo's images, not its SKU's listing documents."""

from __future__ import annotations

import json

from lightbox_cli.process import Item, _apply_terminal


def test_given_a_published_photo_when_its_result_is_read_then_listing_documents_are_no_images():
    """Given a publish result naming the photo's render and the SKU's listing.json
    When `lightbox process` reads it
    Then only the render is downloaded for the contact sheet."""
    out = {
        "status": "published",
        "outputs": {
            "amazon": "published/amazon/acme/MUG-1/front.jpg",
            "listing:amazon": "published/amazon/acme/MUG-1/listing.json",
        },
    }
    item = Item(input="front.jpg", key="incoming/acme/MUG-1/front.jpg")

    _apply_terminal(item, {"status": "SUCCEEDED", "output": json.dumps(out)})

    assert item.remote_outputs == {"amazon": "published/amazon/acme/MUG-1/front.jpg"}
