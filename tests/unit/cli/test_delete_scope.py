"""`lightbox delete`'s scope: which folders and which audit chain a seller or SKU maps to."""

from __future__ import annotations

import unicodedata

import pytest

from lightbox.keys import safe_segment
from lightbox_cli.delete import Scope


def test_given_a_sku_when_its_folders_are_named_then_outputs_use_safe_names_uploads_raw() -> None:
    """Given a seller and SKU with non-ASCII names
    Then output areas use the safe names the pipeline writes, the upload folder the names
    as uploaded, in both NFC and NFD spellings, and the tombstone chain the safe names."""
    scope = Scope("Händler", "Größe 42")
    seller, sku = safe_segment("Händler"), safe_segment("Größe 42")
    assert scope.folder("renders") == f"renders/{seller}/{sku}/"
    nfc = unicodedata.normalize("NFC", "incoming/Händler/Größe 42/")
    nfd = unicodedata.normalize("NFD", nfc)
    assert set(scope.incoming()) == {nfc, nfd}
    assert scope.chain == f"deletion#{seller}/{sku}"


def test_given_a_seller_only_when_named_then_every_sku_folder_is_under_its_prefix() -> None:
    scope = Scope("acme")
    assert scope.folder("published/amazon") == "published/amazon/acme/"
    assert scope.incoming() == ["incoming/acme/"]
    assert scope.chain == "deletion#acme"
    assert scope.label == "acme (every SKU)"


@pytest.mark.parametrize(
    ("seller", "sku"), [("", None), ("acme/x", None), ("acme", ".."), (" ", "A")]
)
def test_given_a_name_that_is_no_folder_when_scoped_then_it_is_refused(
    seller: str, sku: str | None
) -> None:
    """A name with a slash or an empty one would widen the prefix to other sellers' data."""
    with pytest.raises(ValueError, match="not a seller or SKU name"):
        Scope(seller, sku)
