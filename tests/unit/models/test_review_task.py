"""The review table's task item: one contract for what is written and read back."""

from __future__ import annotations

from decimal import Decimal

from lightbox.models.review_task import ReviewTask, task_pk


def _task(**fields) -> ReviewTask:
    return ReviewTask(
        task_id="exec-1.L0",
        token="secret-token",
        seller="acme",
        sku="mug-01",
        key="incoming/acme/mug-01/side.jpg",
        confidence=0.71,
        renders={"etsy": "renders/acme/mug-01/side/etsy.jpg"},
        **fields,
    )


def test_given_a_task_when_stored_and_read_back_then_it_is_the_same_task():
    task = _task()
    item = task.item()
    assert item["pk"] == task_pk("exec-1.L0") and item["sk"] == "task"
    assert ReviewTask.from_item(item) == task


def test_given_a_task_when_made_public_then_the_token_is_gone_and_the_rest_stays():
    public = _task().public()
    assert "token" not in public
    assert public["renders"] == {"etsy": "renders/acme/mug-01/side/etsy.jpg"}


def test_given_a_pending_task_when_stored_then_unset_decision_fields_are_left_out():
    item = _task().item()
    assert not {"decision", "reviewer", "decided_at"} & set(item)


def test_given_an_item_from_dynamodb_with_a_newer_field_when_read_then_it_still_parses():
    item = {**_task().item(), "confidence": Decimal("0.71"), "added_later": "x"}
    task = ReviewTask.from_item(item)
    assert task.confidence == 0.71
    assert task.status == "pending"
