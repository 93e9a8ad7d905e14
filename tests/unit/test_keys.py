import unicodedata

import pytest

from lightbox.keys import (
    InvalidKeyError,
    asset_key,
    execution_name,
    is_product_metadata,
    parse_photo_key,
    safe_segment,
    slug,
)
from support.names import SELLER_FILE_NAMES

SELLER_NAMES = [*SELLER_FILE_NAMES, "商品写真 正面.jpg", "产品图片（白色）.jpg", "😀 mug.jpg"]
_OUTPUT_SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._ ()+-")


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


@pytest.mark.parametrize("name", SELLER_NAMES)
def test_given_sellers_own_file_name_when_parsed_then_accepted_and_kept(name):
    key = parse_photo_key(f"incoming/acme/MUG-1/{name}")
    assert key.filename == name
    assert key.key == f"incoming/acme/MUG-1/{name}"


@pytest.mark.parametrize("name", SELLER_NAMES)
def test_given_sellers_own_file_name_when_outputs_named_then_safe_deterministic_and_distinct(
    name,
):
    key = parse_photo_key(f"incoming/Händler/Größe 42/{name}")
    prefix = key.output_prefix("renders")
    assert set(prefix.removeprefix("renders/").replace("/", "")) <= _OUTPUT_SAFE
    assert prefix == parse_photo_key(f"incoming/Händler/Größe 42/{name}").output_prefix("renders")
    assert key.safe_filename.endswith(".jpg")
    others = {parse_photo_key(f"incoming/a/b/{n}").safe_stem for n in SELLER_NAMES}
    assert len(others) == len(SELLER_NAMES)


def test_given_unicode_names_when_made_safe_then_readable_slug_and_short_hash():
    assert safe_segment("Größe").startswith("Grosse-")
    assert safe_segment("café").startswith("cafe-")
    assert safe_segment("Men's shoe").startswith("Mens-shoe-")
    assert safe_segment("name with spaces & ünïcode").startswith("name-with-spaces-and-unicode-")
    assert len(safe_segment("赤いマグカップ")) == 8  # no ASCII rendering: the hash alone
    assert safe_segment("front view") == "front view"  # plain ASCII names are kept
    assert slug("x" * 500) == "x" * 60


def test_given_nfd_name_when_parsed_then_same_photo_as_its_nfc_twin():
    nfd = unicodedata.normalize("NFD", "incoming/acme/MUG-1/café.jpg")
    key = parse_photo_key(nfd)
    assert key.key == nfd  # the object is read under its real key
    assert key.filename == "café.jpg"
    assert key.output_prefix("renders") == parse_photo_key(
        "incoming/acme/MUG-1/café.jpg"
    ).output_prefix("renders")
    assert key.product_key == nfd.rsplit("/", 1)[0] + "/product.json"


def test_given_seller_folder_when_asset_keyed_then_under_the_folder_as_uploaded():
    key = parse_photo_key("incoming/acme/Größe/a.jpg")
    assert asset_key(key.folder, "assets/logo.png") == "incoming/acme/Größe/assets/logo.png"


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("incoming/acme/../etc/passwd", "'..'"),
        ("incoming/acme/./x.jpg", "'..'"),
        ("incoming/acme//x.jpg", "empty"),
        ("incoming/acme/ /x.jpg", "empty"),
        ("incoming/acme/SKU/a\x07b.jpg", "control character (U+0007)"),
        ("incoming/acme/SKU/a\x85b.jpg", "control character (U+0085)"),
        ("incoming/acme/SKU/a\u2028b.jpg", "control character (U+2028)"),
        ("incoming/acme/SKU/photo\u202egpj.exe", "bidirectional control"),
        ("incoming\\acme\\SKU\\a.jpg", "backslash"),
        ("incoming/acme/SKU/C:\\Users\\a.jpg", "backslash"),
        ("uploads/acme/SKU/a.jpg", "incoming/"),
        ("incoming/acme/a.jpg", "path segments"),
        ("incoming/acme/SKU/extra/a.jpg", "path segments"),
        ("incoming/acme/SKU/" + "a" * 1100, "longer than 1024"),
        ("incoming/acme/SKU/" + "é" * 510, "longer than 1024"),
        ("", "empty"),
    ],
)
def test_given_unsafe_key_when_parsed_then_refused_with_reason(key, fragment):
    with pytest.raises(InvalidKeyError) as info:
        parse_photo_key(key)
    assert fragment in str(info.value)


def test_given_long_unicode_name_within_s3_limit_when_parsed_then_accepted():
    name = "é" * 490 + ".jpg"  # 984 bytes of name: the key is just under 1024
    key = parse_photo_key(f"incoming/a/b/{name}")
    assert len(key.output_prefix("published/amazon")) < 200


def test_given_same_object_version_when_named_twice_then_same_execution_name():
    first = execution_name("bucket", "incoming/acme/MUG-1/front.jpg", "v1")
    assert first == execution_name("bucket", "incoming/acme/MUG-1/front.jpg", "v1")
    assert first != execution_name("bucket", "incoming/acme/MUG-1/front.jpg", "v2")
    assert len(first) <= 80 and all(c.isalnum() or c in "-_" for c in first)


def test_given_hostile_key_when_named_then_name_is_still_valid_for_step_functions():
    name = execution_name("b", "incoming/../../" + "é" * 300, None)
    assert len(name) <= 80 and all(c.isalnum() or c in "-_" for c in name)


@pytest.mark.parametrize("name", SELLER_NAMES)
def test_given_unicode_file_name_when_execution_named_then_ascii_readable_and_distinct(name):
    execution = execution_name("b", f"incoming/acme/SKU/{name}", "v1")
    assert len(execution) <= 80 and all(
        c.isascii() and (c.isalnum() or c == "-") for c in execution
    )
    names = {execution_name("b", f"incoming/acme/SKU/{n}", "v1") for n in SELLER_NAMES}
    assert len(names) == len(SELLER_NAMES)


def test_given_german_file_name_when_execution_named_then_prefix_is_readable():
    assert execution_name("b", "incoming/acme/SKU/Größe.jpg", None).startswith(
        "acme-SKU-Grosse-jpg-"
    )


def test_given_product_json_key_when_checked_then_recognised_as_metadata():
    assert is_product_metadata("incoming/acme/MUG-1/product.json")
    assert not is_product_metadata("incoming/acme/MUG-1/product.jpg")
