"""Quarantine reason codes: the seller's sentences from the real validate stage, grouped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image, ImageFilter

from lightbox.models.stages import PipelineState, ValidationOutput
from lightbox.observability import QUARANTINE_REASONS, backlog, quarantine_reason
from lightbox.pipeline import validate
from support.images import good_jpeg, jpeg_bytes, product_photo
from support.stages import StageDriver


def _refused(
    data: bytes, filename: str = "front.jpg", product: dict | None = None
) -> PipelineState:
    driver = StageDriver(data, filename=filename, product=product)
    driver.state.validation = validate.validate(driver.state, driver.deps)
    assert not driver.state.validation.ok
    return driver.state


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("tiny", "too_small"),
        ("blurry", "blurry"),
        ("truncated", "corrupt"),
        ("text", "format"),
        ("bad_product_json", "product_json"),
    ],
)
def test_given_a_refused_upload_when_its_reason_is_coded_then_the_code_names_the_cause(
    case: str, expected: str
) -> None:
    """Given an upload the real validate stage refuses for one cause
    When its quarantine reason code is taken
    Then it names that cause (and is one of the dashboard's known codes)."""
    photo = product_photo()
    product = None
    if case == "tiny":
        data = jpeg_bytes(photo.resize((200, 150)))
    elif case == "blurry":
        data = jpeg_bytes(photo.filter(ImageFilter.GaussianBlur(25)))
    elif case == "truncated":
        data = good_jpeg()[:4000]
    elif case == "text":
        data = b"name,price\nmug,18.50\n" * 50
    else:
        data, product = good_jpeg(), {"category": "no-such-category"}
    code = quarantine_reason(_refused(data, product=product))
    assert code == expected
    assert code in QUARANTINE_REASONS


def test_given_an_unlit_photo_when_coded_then_blurry_first_and_exposure_alone() -> None:
    """Given an unlit photo (refused as blurry and as too dark, in that order)
    Then its code is the first cause, blurry; the exposure sentence alone codes exposure."""
    state = _refused(jpeg_bytes(Image.eval(product_photo(), lambda v: v // 10)))
    assert state.validation is not None
    assert quarantine_reason(state) == "blurry"
    state.validation.reasons = state.validation.reasons[1:]
    assert "too dark" in state.validation.reasons[0]
    assert quarantine_reason(state) == "exposure"


def test_given_a_key_that_broke_the_contract_when_coded_then_upload_key() -> None:
    """Given a run whose upload key broke the contract (key_error set)
    Then the code is upload_key, whatever the reasons say."""
    state = PipelineState.model_validate(
        {
            "photo": {
                "bucket": "b",
                "key": "incoming/x",
                "seller": "",
                "sku": "",
                "filename": "x",
                "key_error": "bad key",
            },
            "execution": {"id": "i", "name": "n"},
            "validation": ValidationOutput(ok=False, reasons=["bad key"]).model_dump(),
        }
    )
    assert quarantine_reason(state) == "upload_key"


def test_given_waiting_tasks_when_backlog_is_measured_then_count_and_oldest_age() -> None:
    """Given three pending tasks opened 10, 60 and 5 minutes ago
    Then the backlog is 3 and the oldest has waited an hour; none waiting is (0, 0)."""
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    opened = [(now - timedelta(minutes=m)).isoformat() for m in (10, 60, 5)]
    assert backlog(opened, now) == (3, 3600.0)
    assert backlog([], now) == (0, 0.0)
