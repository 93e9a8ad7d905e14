import pytest

from lightbox.keys import InvalidKeyError, execution_name, is_product_metadata, parse_photo_key


def test_given_contract_key_when_parsed_then_seller_sku_file_extracted():
    key = parse_photo_key("incoming/acme/MUG-1/front view.jpg")
    assert (key.seller, key.sku, key.filename, key.stem) == (
        "acme",
        "MUG-1",
        "front view.jpg",
        "front view",
    )
    assert key.product_key == "incoming/acme/MUG-1/product.json"
    assert key.output_prefix("renders") == "renders/acme/MUG-1/front view"


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("incoming/acme/../etc/passwd", "'..'"),
        ("incoming/acme//x.jpg", "empty"),
        ("incoming/acme/SKU/a\x07b.jpg", "control characters"),
        ("uploads/acme/SKU/a.jpg", "incoming/"),
        ("incoming/acme/a.jpg", "path segments"),
        ("incoming/acme/SKU/-rf.jpg", "must start with a letter or digit"),
        ("incoming/acme/SKU/" + "a" * 1100, "longer than 1024"),
        ("", "empty"),
    ],
)
def test_given_unsafe_key_when_parsed_then_refused_with_reason(key, fragment):
    with pytest.raises(InvalidKeyError, match=None) as info:
        parse_photo_key(key)
    assert fragment in str(info.value)


def test_given_same_object_version_when_named_twice_then_same_execution_name():
    first = execution_name("bucket", "incoming/acme/MUG-1/front.jpg", "v1")
    assert first == execution_name("bucket", "incoming/acme/MUG-1/front.jpg", "v1")
    assert first != execution_name("bucket", "incoming/acme/MUG-1/front.jpg", "v2")
    assert len(first) <= 80 and all(c.isalnum() or c in "-_" for c in first)


def test_given_hostile_key_when_named_then_name_is_still_valid_for_step_functions():
    name = execution_name("b", "incoming/../../" + "é" * 300, None)
    assert len(name) <= 80 and all(c.isalnum() or c in "-_" for c in name)


def test_given_product_json_key_when_checked_then_recognised_as_metadata():
    assert is_product_metadata("incoming/acme/MUG-1/product.json")
    assert not is_product_metadata("incoming/acme/MUG-1/product.jpg")
