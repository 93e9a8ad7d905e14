from datetime import UTC, datetime

import pytest

from lightbox.keys import execution_name
from lightbox.models.stages import ReprocessItem
from lightbox.pipeline.intake import pipeline_input
from lightbox.pipeline.reprocess import (
    MAX_NAME,
    child_execution_name,
    parse_timestamp,
    plan_item,
    run_name,
    run_prefix,
    skip_reason,
)

RUN = "rp-acme-20260301T101500Z-ab12"


def _item(key: str, modified="2026-03-01T09:00:00+00:00", since=None) -> ReprocessItem:
    return ReprocessItem.model_validate(
        {
            "object": {"Key": key, "Etag": '"abc"', "Size": 1234, "LastModified": modified},
            "request": {"seller": "acme", "sku": None, "since": since},
            "bucket": "b",
            "run": RUN,
        }
    )


@pytest.mark.parametrize(
    "key",
    ["incoming/acme/MUG-1/front.jpg", "incoming/acme/MUG-1/Side.JPEG", "incoming/acme/M/x.heic"],
)
def test_given_a_photo_key_when_filtered_then_it_is_reprocessed(key):
    assert skip_reason(key) is None


@pytest.mark.parametrize(
    ("key", "why"),
    [
        ("incoming/acme/MUG-1/product.json", "product.json"),
        ("incoming/acme/MUG-1/assets/logo.png", "asset"),
        ("incoming/acme/MUG-1/notes.txt", "not a photo"),
        ("incoming/acme/MUG-1/", "folder"),
        ("incoming/acme/MUG-1/deeper/x.jpg", "photo key"),
        ("incoming/acme/front.jpg", "photo key"),
    ],
)
def test_given_a_key_that_is_not_a_photo_when_filtered_then_it_is_skipped_with_a_reason(key, why):
    assert why in skip_reason(key)


def test_given_a_photo_when_planned_then_the_upload_input_is_reused_with_the_reprocess_marker():
    plan = plan_item(_item("incoming/acme/MUG-1/front.jpg"))
    assert plan.action == "start"
    expected = pipeline_input("b", "incoming/acme/MUG-1/front.jpg", None, "abc", 1234)
    # The photo carries why it is processed even if unchanged (ContentIndex.claim, force).
    expected["photo"]["reprocess"] = f"reprocess run {RUN}"
    assert plan.input == {**expected, "reprocess": {"run": RUN}}


def test_given_a_photo_when_named_then_the_name_is_deterministic_and_never_the_uploads():
    key = "incoming/acme/MUG-1/front.jpg"
    name = child_execution_name(RUN, "b", key)
    assert name == child_execution_name(RUN, "b", key)
    assert name != child_execution_name(RUN + "x", "b", key)
    assert name.startswith(run_prefix(RUN) + "-")
    assert name not in {execution_name("b", key, v) for v in ("abc", None, "v1")}
    assert len(name) <= MAX_NAME


def test_given_a_long_key_and_run_when_named_then_the_name_fits_step_functions():
    run = "x" * 80
    name = child_execution_name(run, "b", "incoming/acme/SKU/" + "a" * 190 + ".jpg")
    assert len(name) <= MAX_NAME and name.startswith(run_prefix(run) + "-")
    assert len(run_prefix(run)) <= 40


def test_given_a_seller_when_a_run_is_named_then_the_name_is_safe_and_sortable():
    name = run_name("Acme Store", datetime(2026, 3, 1, 10, 15, tzinfo=UTC), "ab12")
    assert name == "rp-Acme-Store-20260301T101500Z-ab12"
    assert run_prefix(name) == name


@pytest.mark.parametrize(
    "value",
    [
        1772356500,
        1772356500.0,
        "2026-03-01T09:15:00Z",
        "2026-03-01T09:15:00+00:00",
        "2026-03-01 09:15:00+00:00",
        "2026-03-01T09:15:00",
    ],
)
def test_given_last_modified_in_aws_or_emulator_form_when_parsed_then_the_same_instant(value):
    assert parse_timestamp(value) == datetime(2026, 3, 1, 9, 15, tzinfo=UTC)


def test_given_since_when_planned_then_older_originals_are_skipped_and_newer_started():
    old = plan_item(_item("incoming/acme/M/a.jpg", "2026-02-27T23:59:59Z", since="2026-02-28"))
    new = plan_item(_item("incoming/acme/M/a.jpg", 1772323200, since="2026-02-28"))
    assert old.action == "skip" and "before 2026-02-28" in old.reason
    assert new.action == "start"


def test_given_a_skipped_key_when_planned_then_no_name_or_input_is_produced():
    plan = plan_item(_item("incoming/acme/MUG-1/product.json"))
    assert plan.model_dump(exclude_none=True) == {
        "action": "skip",
        "key": "incoming/acme/MUG-1/product.json",
        "reason": "product.json is read by each photo's run",
    }
