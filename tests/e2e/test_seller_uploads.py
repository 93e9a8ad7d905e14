"""Uploads as a seller's own tools make them, with a plain S3 client, on the deployed stack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lightbox.adapters.dynamodb import DynamoAuditStore, DynamoConfigStore
from lightbox.audit.trail import verify_chain
from lightbox.keys import parse_photo_key
from support.images import good_jpeg

pytestmark = pytest.mark.e2e

FOLDER = "incoming/Händler/Größe 42"


def _set_thresholds(stack, version: str, auto: float, review: float) -> None:
    store = DynamoConfigStore(stack.ctx.outputs["ConfigTableName"], stack.ctx.resource("dynamodb"))
    store.publish(version, json.dumps({"general": {"auto": auto, "review": review}}), "e2e")


@pytest.mark.reliability(
    case="file names: plain S3 client on the emulator", expected="published; listing keeps the name"
)
@pytest.mark.parametrize(
    ("name", "seed"), [("name with spaces & ünïcode.jpg", 21), ("赤いマグカップ.jpg", 22)]
)
def test_given_sellers_own_file_name_when_uploaded_with_plain_s3_client_then_published(
    deployed_stack, name, seed
):
    _set_thresholds(deployed_stack, f"v-e2e-names-{seed}", auto=0.2, review=0.1)
    key = f"{FOLDER}/{name}"

    desc = deployed_stack.wait_for_execution(deployed_stack.put(key, good_jpeg(seed=seed)))

    assert desc["status"] == "SUCCEEDED", desc
    out = deployed_stack.output(desc)
    assert out["status"] == "published", out
    photo = parse_photo_key(key)
    assert out["outputs"]["amazon"] == f"{photo.published_base('amazon')}/{photo.safe_stem}.jpg"
    s3 = deployed_stack.ctx.client("s3")
    listing = json.loads(
        s3.get_object(
            Bucket=deployed_stack.bucket,
            Key=f"{photo.published_base('amazon')}/listing.json",
        )["Body"].read()
    )
    assert listing["sku"] == "Größe 42"
    assert name in [image["file_name"] for image in listing["images"]]
    store = DynamoAuditStore(
        deployed_stack.ctx.outputs["AuditTableName"], deployed_stack.ctx.resource("dynamodb")
    )
    assert verify_chain(store.records(f"pipeline#{desc['name']}")).ok


def test_given_the_same_photo_uploaded_twice_with_plain_s3_client_when_processed_then_once(
    deployed_stack,
):
    _set_thresholds(deployed_stack, "v-e2e-repeat", auto=0.2, review=0.1)
    key = f"{FOLDER}/repeat.jpg"
    photo = good_jpeg(seed=23)
    first = deployed_stack.wait_for_execution(deployed_stack.put(key, photo))
    assert deployed_stack.output(first)["status"] == "published", first

    again = deployed_stack.wait_for_execution(deployed_stack.put(key, photo))
    other_sku = deployed_stack.wait_for_execution(
        deployed_stack.put("incoming/Händler/Größe 43/repeat.jpg", photo)
    )

    out = deployed_stack.output(again)
    assert again["name"] != first["name"]
    assert out["status"] == "unchanged" and out["outputs"]["unchanged_of"] == first["name"]
    assert deployed_stack.output(other_sku)["status"] == "published"
    store = DynamoAuditStore(
        deployed_stack.ctx.outputs["AuditTableName"], deployed_stack.ctx.resource("dynamodb")
    )
    (record,) = store.records(f"pipeline#{again['name']}")
    assert record["decision"] == "unchanged"


@pytest.mark.reliability(case="HEIC upload on the emulator", expected="processed, not refused")
def test_given_an_iphone_heic_uploaded_with_plain_s3_client_when_processed_then_not_refused(
    deployed_stack,
):
    _set_thresholds(deployed_stack, "v-e2e-heic", auto=0.2, review=0.1)
    heic = (Path(__file__).parents[1] / "support" / "heic" / "rotated.heic").read_bytes()

    desc = deployed_stack.wait_for_execution(
        deployed_stack.put(f"{FOLDER}/IMG_4032.HEIC", heic), timeout=240
    )

    out = deployed_stack.output(desc)
    assert out["status"] in ("published", "in_review", "rejected"), out
    store = DynamoAuditStore(
        deployed_stack.ctx.outputs["AuditTableName"], deployed_stack.ctx.resource("dynamodb")
    )
    validate = min(store.records(f"pipeline#{desc['name']}"), key=lambda r: r["seq"])
    assert validate["decision"] == "accepted"
    assert json.loads(validate["details"])["format"] == "HEIF"
