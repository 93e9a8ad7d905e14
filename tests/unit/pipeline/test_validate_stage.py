"""Validate: the photo is checked, its working image written, the decision audited."""

from __future__ import annotations

import json

from lightbox.audit.trail import pipeline_pk
from lightbox.models.stages import ExecutionRef, PipelineState
from lightbox.pipeline.validate import validate
from lightbox.scoring.thresholds import DEFAULT_THRESHOLDS
from support.fakes import Fakes
from support.images import good_jpeg
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


def test_given_the_same_bytes_under_another_sku_or_name_when_validated_then_processed_normally(
    photo,
):
    fakes = Fakes()
    first = StageDriver(photo, fakes=fakes, filename="a.jpg")
    assert validate(first.state, first.deps).ok
    for second in (
        StageDriver(photo, fakes=fakes, filename="b.jpg"),
        StageDriver(photo, fakes=fakes, sku="mug-02"),
    ):
        output = validate(second.state, second.deps)

        assert output.ok and not output.unchanged, output.reasons
        assert fakes.audit_store.decisions(second.audit_pk) == [("validate", "accepted")]


_THRESHOLDS = json.dumps(DEFAULT_THRESHOLDS)


def _upload_again(driver: StageDriver, run: str) -> PipelineState:
    """The state of a later run of the object at the driver's key (a new upload of it)."""
    return driver.state.model_copy(
        update={"execution": ExecutionRef(id=f"arn:{run}", name=run)}, deep=True
    )


def test_given_same_bytes_product_and_config_at_the_same_key_when_validated_again_then_unchanged(
    driver,
):
    first = validate(driver.state, driver.deps)
    again = _upload_again(driver, "second-run")

    output = validate(again, driver.deps)

    assert first.ok and output.unchanged and not output.ok
    assert output.unchanged_of == driver.state.execution.name
    assert driver.state.execution.name in output.reasons[0]
    (record,) = driver.fakes.audit_store.records(pipeline_pk("second-run"))
    assert record["decision"] == "unchanged"
    assert json.loads(record["details"])["unchanged_of"] == driver.state.execution.name


def test_given_new_bytes_at_the_same_key_when_validated_then_reprocessed_superseding_the_first(
    driver,
):
    assert validate(driver.state, driver.deps).ok
    driver.fakes.objects.put_bytes(driver.key, good_jpeg(seed=4), "image/jpeg")
    again = _upload_again(driver, "second-run")

    output = validate(again, driver.deps)

    assert output.ok and not output.unchanged
    assert output.supersedes == driver.state.execution.name
    (record,) = driver.fakes.audit_store.records(pipeline_pk("second-run"))
    assert json.loads(record["details"])["supersedes"] == driver.state.execution.name


def test_given_a_changed_product_json_or_config_version_when_validated_again_then_reprocessed(
    driver,
):
    assert validate(driver.state, driver.deps).ok
    driver.fakes.objects.put_json(
        "incoming/acme/mug-01/product.json", {"title": "Blue mug", "marketplaces": ["amazon"]}
    )
    new_product = validate(_upload_again(driver, "second-run"), driver.deps)
    new_config = _upload_again(driver, "third-run")
    new_config.config = {"Item": {"version": {"S": "v9"}, "thresholds": {"S": _THRESHOLDS}}}
    by_config = validate(new_config, driver.deps)

    assert new_product.ok and new_product.supersedes == driver.state.execution.name
    assert by_config.ok and by_config.supersedes == "second-run"


def test_given_a_reprocess_run_when_content_is_unchanged_then_processed_anyway(driver):
    assert validate(driver.state, driver.deps).ok
    forced = _upload_again(driver, "rp-run-child")
    forced.photo.reprocess = "reprocess run rp-1"

    output = validate(forced, driver.deps)

    assert output.ok and output.supersedes == driver.state.execution.name
    (record,) = driver.fakes.audit_store.records(pipeline_pk("rp-run-child"))
    assert json.loads(record["details"])["reprocess"] == "reprocess run rp-1"


def test_given_the_first_run_failed_when_the_same_content_is_uploaded_again_then_processed(
    driver,
):
    assert validate(driver.state, driver.deps).ok
    driver.deps.content_index.release(driver.key, driver.state.execution.name)

    output = validate(_upload_again(driver, "second-run"), driver.deps)

    assert output.ok and output.supersedes == driver.state.execution.name


def test_given_a_retried_validate_when_invoked_twice_with_the_same_event_then_same_answer(driver):
    first = validate(driver.state, driver.deps)
    retried = validate(driver.state, driver.deps)

    assert first.ok and retried.ok and not retried.unchanged
    assert retried.supersedes == first.supersedes is None


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
