"""Validate: the photo is checked, its working image written, the decision audited."""

from __future__ import annotations

from lightbox.pipeline.validate import validate
from support.fakes import Fakes
from support.stages import StageDriver


def test_given_a_good_photo_when_validated_then_it_is_accepted_with_a_working_image(driver):
    output = validate(driver.state, driver.deps)

    assert output.ok, output.reasons
    assert output.working_key and driver.fakes.objects.exists(output.working_key)
    assert output.product.title == "Red ceramic mug"
    assert output.product_source == "product.json"
    assert driver.fakes.audit_store.decisions(driver.audit_pk) == [("validate", "accepted")]


def test_given_no_product_json_when_validated_then_category_defaults_fill_in(photo):
    driver = StageDriver(photo, product=None)

    output = validate(driver.state, driver.deps)

    assert output.ok
    assert output.product_source == "defaults"
    assert output.product.marketplaces  # the general preset's marketplaces


def test_given_the_same_bytes_under_a_second_key_when_validated_then_the_first_key_is_named(
    photo,
):
    fakes = Fakes()
    first = StageDriver(photo, fakes=fakes, filename="a.jpg")
    assert validate(first.state, first.deps).ok
    second = StageDriver(photo, fakes=fakes, filename="b.jpg")

    output = validate(second.state, second.deps)

    assert not output.ok
    assert any(first.key in reason for reason in output.reasons), output.reasons
    assert fakes.content_index.first[("acme", output.sha256)] == first.key


def test_given_a_broken_product_json_when_validated_then_the_reason_names_the_file(photo):
    driver = StageDriver(photo)
    driver.fakes.objects.put_bytes("incoming/acme/mug-01/product.json", b"{not json", "text/plain")

    output = validate(driver.state, driver.deps)

    assert not output.ok
    assert any("product.json is not valid JSON" in r for r in output.reasons), output.reasons
    assert driver.fakes.audit_store.decisions(driver.audit_pk) == [("validate", "refused")]


def test_given_bytes_that_are_not_an_image_when_validated_then_refused_not_raised():
    driver = StageDriver(b"%PDF-1.7 not a photo" * 50)

    output = validate(driver.state, driver.deps)

    assert not output.ok and output.reasons
    assert output.working_key is None
