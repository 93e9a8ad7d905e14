"""Publish, reject, quarantine and failure: where outputs land and what the audit says."""

from __future__ import annotations

from lightbox.models.stages import ValidationOutput
from lightbox.pipeline import outcomes


def test_given_a_compliant_scored_photo_when_published_then_listings_land_per_marketplace(
    driver,
):
    state = driver.run_until("score")

    outcome = outcomes.publish(state, driver.deps)

    assert outcome.status == "published"
    published = driver.fakes.objects.keys("published/")
    for marketplace in ("amazon", "etsy"):
        assert any(k.startswith(f"published/{marketplace}/acme/mug-01/") for k in published)
    assert driver.fakes.audit_store.decisions(driver.audit_pk)[-1] == ("publish", "published")


def test_given_a_photo_routed_to_reject_when_rejected_then_the_reason_is_audited(driver):
    state = driver.run_until("score")

    outcome = outcomes.reject(state, driver.deps)

    assert outcome.status == "rejected"
    last = driver.fakes.audit_store.records(driver.audit_pk)[-1]
    assert last["decision"] == "rejected" and last["reason"]
    assert not driver.fakes.objects.keys("published/")


def test_given_a_refused_photo_when_quarantined_then_a_copy_and_its_reason_are_kept(driver):
    state = driver.state
    state.validation = ValidationOutput(ok=False, reasons=["too blurry to list (sharpness 0.01)"])

    outcome = outcomes.quarantine(state, driver.deps)

    assert outcome.status == "quarantined"
    quarantined = driver.fakes.objects.keys("quarantine/")
    assert quarantined, "the original was not kept"
    assert driver.fakes.objects.get_bytes(driver.key) == driver.fakes.objects.get_bytes(
        next(k for k in quarantined if not k.endswith(".json"))
    )
    last = driver.fakes.audit_store.records(driver.audit_pk)[-1]
    assert "too blurry" in str(last["reason"])


def test_given_a_stage_error_when_recorded_then_the_failure_is_audited_with_its_cause(driver):
    state = driver.state
    state.error = {"Error": "Lambda.Unknown", "Cause": "segment ran out of memory"}

    outcome = outcomes.record_failure(state, driver.deps)

    assert outcome.status == "failed"
    last = driver.fakes.audit_store.records(driver.audit_pk)[-1]
    assert "out of memory" in str(last["reason"]) or "Lambda.Unknown" in str(last["reason"])
