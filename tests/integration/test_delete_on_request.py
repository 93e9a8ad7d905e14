"""`lightbox delete`: a SKU's data removed on request, on moto with the real ASL and handlers.

The SKU goes through the pipeline first (published photos with studio extras,
a quarantined upload, a second version of product.json), so every area the
pipeline writes for it is in the bucket; after the deletion no object version
may carry its path, which is how a new area added to the layout but not to
deletion is caught.
"""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest

from lightbox.adapters.audit_seal import DynamoAuditSeals, KmsMacSigner
from lightbox.adapters.dynamodb import DynamoAuditStore
from lightbox.audit.trail import pipeline_pk, verify_anchored
from lightbox.models.listing import listing_pk
from lightbox_cli.audit import check_run, verdict
from lightbox_cli.delete import AREAS, Scope, execute, plan
from support.images import good_jpeg
from support.template import ROOT

SKU = "incoming/gdpr/CUP-7"


def _versions(pipeline: Any) -> list[tuple[str, str]]:
    found = []
    pages = pipeline.s3.get_paginator("list_object_versions").paginate(Bucket=pipeline.bucket)
    for page in pages:
        for v in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            found.append((v["Key"], v["VersionId"]))
    return sorted(found)


def _run(pipeline: Any, key: str, data: bytes) -> str:
    started = pipeline.upload(key, data)
    desc = pipeline.wait(pipeline.execution_arn(started["execution_name"]), timeout=120)
    assert desc["status"] == "SUCCEEDED", desc
    return str(started["execution_name"])


def _chain_ok(pipeline: Any, pk: str) -> tuple[bool, list[dict[str, Any]]]:
    store = DynamoAuditStore(pipeline.tables["AuditTable"], pipeline.dynamodb)
    records = [dict(r) for r in store.records(pk)]
    return verify_anchored(records, store.head(pk)).ok, records


@pytest.fixture
def sku_with_history(moto_pipeline: Any) -> tuple[Any, list[str]]:
    """gdpr/CUP-7: two published photos with studio extras, a quarantined upload, an asset
    and two versions of product.json; gdpr/CUP-8 and keeper/CUP-7 published beside it."""
    p = moto_pipeline
    p.set_thresholds("v2", auto=0.2, review=0.1)
    product = {"title": "Stoneware mug", "marketplaces": ["amazon", "etsy"], "extras": {}}
    p.s3.put_object(Bucket=p.bucket, Key=f"{SKU}/product.json", Body=json.dumps(product))
    product["extras"] = {"scene": {}}
    p.s3.put_object(Bucket=p.bucket, Key=f"{SKU}/product.json", Body=json.dumps(product))
    p.s3.put_object(Bucket=p.bucket, Key=f"{SKU}/assets/logo.jpg", Body=good_jpeg(seed=5))
    runs = [
        _run(p, f"{SKU}/front.jpg", good_jpeg(seed=1)),
        _run(p, f"{SKU}/back.jpg", good_jpeg(seed=2)),
        _run(p, f"{SKU}/broken.jpg", b"not an image"),
    ]
    _run(p, "incoming/gdpr/CUP-8/front.jpg", good_jpeg(seed=3))
    _run(p, "incoming/keeper/CUP-7/front.jpg", good_jpeg(seed=4))
    return p, runs


def _of_scope(key: str, runs: list[str]) -> bool:
    return "gdpr/CUP-7/" in key or any(key.startswith(f"work/{name}/") for name in runs)


def test_given_a_processed_sku_when_deleted_then_no_version_of_it_remains_and_audit_verifies(
    sku_with_history: tuple[Any, list[str]],
) -> None:
    """Given gdpr/CUP-7 processed (published, extras, quarantined) beside other SKUs
    When `lightbox delete --seller gdpr --sku CUP-7` plans (dry run), then runs with --yes
    Then the dry run changed nothing and counted per area; afterwards no object version or
    delete marker carries the SKU's path or its runs' work folders, the other SKUs are
    untouched, its content-index and listing items are gone (the same photo uploaded again
    is processed, not `unchanged`), every run's audit chain still verifies, and a
    tombstone names what, when and who. Deleting the seller then takes its other SKU only."""
    pipeline, runs = sku_with_history
    before = _versions(pipeline)
    scoped = [key for key, _ in before if _of_scope(key, runs)]
    areas = {key.split("/", 1)[0] for key in scoped}
    assert {"incoming", "work", "cutouts", "renders", "published", "quarantine"} <= areas
    assert areas <= set(AREAS), f"the pipeline writes areas deletion does not know: {areas}"

    deletion = plan(pipeline.operator_stack(), Scope("gdpr", "CUP-7"))

    assert _versions(pipeline) == before  # the dry run
    counts = deletion.counts()
    assert counts["objects.incoming"] == 6  # 3 photos, 2 product.json versions, 1 asset
    assert counts["objects.quarantine"] >= 2 and counts["objects.published"] > 0
    assert counts["executions"] == len(runs) and counts["content_index"] == 3
    assert len(scoped) == sum(len(v) for v in deletion.versions.values())

    record = execute(pipeline.operator_stack(), deletion, "human:privacy-officer")

    after = _versions(pipeline)
    assert [key for key, _ in after if _of_scope(key, runs)] == []
    assert set(after) == {v for v in before if not _of_scope(v[0], runs)}
    kept = {key for key, _ in after}
    assert "published/amazon/gdpr/CUP-8/front.jpg" in kept
    assert "published/amazon/keeper/CUP-7/front.jpg" in kept
    index = pipeline.dynamodb.Table(pipeline.tables["ContentIndexTable"])
    for name in ("front.jpg", "back.jpg", "broken.jpg"):
        assert "Item" not in index.get_item(Key={"pk": f"key#{SKU}/{name}"})
    assert "Item" in index.get_item(Key={"pk": "key#incoming/gdpr/CUP-8/front.jpg"})
    listings = pipeline.dynamodb.Table(pipeline.tables["ListingsTable"])
    gone = listings.query(
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": listing_pk("gdpr", "CUP-7")},
    )
    assert gone["Items"] == []
    kept_listing = listings.query(
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": listing_pk("gdpr", "CUP-8")},
    )
    assert kept_listing["Items"]

    for name in runs:
        ok, records = _chain_ok(pipeline, pipeline_pk(name))
        assert ok and records, name
    ok, (tomb,) = _chain_ok(pipeline, "deletion#gdpr/CUP-7")
    assert ok and tomb == record
    assert (tomb["stage"], tomb["decision"], tomb["actor"]) == (
        "deletion",
        "deleted",
        "human:privacy-officer",
    )
    details = json.loads(tomb["details"])
    assert details["scope"] == {"seller": "gdpr", "sku": "CUP-7"}
    assert details["deleted"]["objects.incoming"] == details["planned"]["objects.incoming"] == 6
    assert sorted(details["executions"]) == sorted(runs)
    kms = boto3.client("kms", region_name="us-east-1")
    seals = DynamoAuditSeals(pipeline.tables["AuditSealTable"], pipeline.dynamodb)
    signer = KmsMacSigner(kms.list_keys()["Keys"][0]["KeyId"], kms)
    store = DynamoAuditStore(pipeline.tables["AuditTable"], pipeline.dynamodb)
    for name in [*runs, "deletion#gdpr/CUP-7"]:  # what `lightbox audit verify` runs
        passes, line = verdict(check_run(store, seals, signer, name), require_seal=False)
        assert passes, (name, line)

    again = _run(pipeline, f"{SKU}/front.jpg", good_jpeg(seed=1))
    desc = pipeline.sfn.describe_execution(executionArn=pipeline.execution_arn(again))
    assert json.loads(desc["output"])["status"] == "published"

    execute(pipeline.operator_stack(), plan(pipeline.operator_stack(), Scope("gdpr")), "human:ops")

    kept = {key for key, _ in _versions(pipeline)}
    assert not any("/gdpr/" in key or key.startswith("work/gdpr-") for key in kept), kept
    assert "published/amazon/keeper/CUP-7/front.jpg" in kept
    assert _chain_ok(pipeline, "deletion#gdpr")[0]


def test_given_the_documented_key_layout_when_read_then_deletion_knows_every_area() -> None:
    """Given the S3 key layout table in docs/architecture.md
    Then every area (first path segment) it lists is one `lightbox delete` clears."""
    doc = (ROOT / "docs" / "architecture.md").read_text()
    section = doc.split("### S3 key layout", 1)[1].split("\n### ", 1)[0]
    documented = {m.group(1) for m in re.finditer(r"^\| `([a-z]+)/", section, flags=re.MULTILINE)}
    assert {"incoming", "published", "work"} <= documented
    assert documented <= set(AREAS), documented - set(AREAS)
