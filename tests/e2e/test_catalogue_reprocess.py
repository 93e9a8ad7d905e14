"""Catalogue reprocessing on the deployed template: Distributed Map on the emulator."""

from __future__ import annotations

import time

import pytest

from lightbox.keys import execution_name
from lightbox.pipeline.reprocess import run_prefix
from lightbox_cli.reprocess import child_items, start_run, wait_for_run
from support.images import good_jpeg

pytestmark = pytest.mark.e2e

SELLER = "rp-e2e"
PHOTOS = 52
NOT_PHOTOS = {
    f"incoming/{SELLER}/SKU-0/product.json": b'{"title": "Stoneware mug"}',
    f"incoming/{SELLER}/SKU-0/assets/logo.png": b"not read by reprocessing",
    f"incoming/{SELLER}/SKU-1/notes.txt": b"reshoot in May",
}


def _wait_all(stack, names: list[list[str]], timeout: float) -> None:
    """Wait until every upload's own execution has ended (they start from the S3 event)."""
    sfn = stack.ctx.client("stepfunctions")
    deadline = time.monotonic() + timeout
    open_names = [set(n) for n in names]
    while open_names and time.monotonic() < deadline:
        statuses = {}
        for page in sfn.get_paginator("list_executions").paginate(
            stateMachineArn=stack.ctx.outputs["StateMachineArn"]
        ):
            statuses |= {e["name"]: e["status"] for e in page["executions"]}
        open_names = [
            n for n in open_names if not any(statuses.get(x, "RUNNING") != "RUNNING" for x in n)
        ]
        time.sleep(2)
    assert not open_names, f"{len(open_names)} upload runs still going"


def test_given_52_photos_and_3_other_files_when_reprocessed_then_each_photo_gets_a_run(
    deployed_stack,
):
    s3 = deployed_stack.ctx.client("s3")
    bucket = deployed_stack.bucket
    photos = [f"incoming/{SELLER}/SKU-{i % 4}/photo-{i:02d}.jpg" for i in range(PHOTOS)]
    upload_names = []
    for key, body in NOT_PHOTOS.items():
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    for i, key in enumerate(photos):
        put = s3.put_object(Bucket=bucket, Key=key, Body=good_jpeg(seed=100 + i))
        upload_names.append(
            [execution_name(bucket, key, v) for v in (put.get("VersionId"), put["ETag"].strip('"'))]
        )
    _wait_all(deployed_stack, upload_names, timeout=1800)

    run = wait_for_run(deployed_stack.ctx, start_run(deployed_stack.ctx, SELLER), timeout=600)

    assert run.status == "SUCCEEDED", run.error
    assert (run.total, run.started, run.skipped, run.failed) == (PHOTOS + 3, PHOTOS, 3, 0)
    assert all(name.startswith(run_prefix(run.run) + "-") for name in run.children)
    items = child_items(deployed_stack.ctx, run)
    assert sorted(i.key for i in items) == sorted(photos)
    own_names = {n for names in upload_names for n in names}
    assert not own_names & set(run.children)
    assert run.results_key.startswith("reports/reprocess/")
    assert s3.head_object(Bucket=bucket, Key=run.results_key)["ContentLength"] > 0

    sfn = deployed_stack.ctx.client("stepfunctions")
    prefix = deployed_stack.ctx.outputs["StateMachineArn"].replace(":stateMachine:", ":execution:")
    for name in run.children:  # the re-runs are not under test here; free the emulator
        sfn.stop_execution(executionArn=f"{prefix}:{name}")
