"""Property-based: any key either parses into safe, deterministic names or is refused
with InvalidKeyError; nothing else ever escapes."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from lightbox.keys import InvalidKeyError, execution_name, parse_photo_key, safe_segment

_OUTPUT_SAFE = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._ ()+-")
_SEGMENT = st.text(min_size=0, max_size=40)


@settings(max_examples=400, deadline=None)
@given(st.lists(_SEGMENT, min_size=1, max_size=5))
def test_given_any_key_when_parsed_then_safe_names_or_a_reasoned_refusal(parts: list[str]):
    key = "incoming/" + "/".join(parts)
    try:
        photo = parse_photo_key(key)
    except InvalidKeyError as exc:
        assert str(exc)
        return
    # Segments may themselves hold "/": what counts is the key's own depth.
    assert photo.key == key and len(key.split("/")) == 4
    for safe in (photo.safe_seller, photo.safe_sku, photo.safe_stem):
        assert safe and set(safe) <= _OUTPUT_SAFE and safe not in (".", "..")
        assert len(safe) <= 200
    nfd = unicodedata.normalize("NFD", key)
    assert parse_photo_key(nfd).output_prefix("renders") == photo.output_prefix("renders")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.text(max_size=60))
def test_given_two_names_when_made_safe_then_equal_only_when_the_names_are(a: str, b: str):
    same = unicodedata.normalize("NFC", a) == unicodedata.normalize("NFC", b)

    # Distinct names could only collide through their 32-bit hash: never in practice.
    assert (safe_segment(a) == safe_segment(b)) == same


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.one_of(st.none(), st.text(max_size=40)))
def test_given_any_key_and_version_when_named_then_a_valid_step_functions_name(
    key: str, version: str | None
):
    name = execution_name("bucket", key, version)

    assert 0 < len(name) <= 80
    assert all(c.isascii() and (c.isalnum() or c == "-") for c in name)
    assert name == execution_name("bucket", key, version)
