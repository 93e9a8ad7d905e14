"""The demo's samples get the routes they declare, through the real ASL on moto.

`generate_samples` declares for each upload what the pipeline should do with
it (publish, review, reject, quarantine); `make demo` shows those routes to a
reader. Here every sample goes through the pipeline exactly as `lightbox
process` sends it (its SKU's product.json and assets/ first, then the photo),
at the thresholds a new stack is seeded with, and the real route must be the
declared one.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from lightbox.adapters.dynamodb import DynamoConfigStore
from lightbox.scoring.thresholds import DEFAULT_THRESHOLDS
from lightbox_cli.process import collect_inputs, supporting_files
from lightbox_samples import SampleSpec
from support.samples import sample_set

#: The pipeline's result status for each declared route.
ROUTES = {
    "published": "publish",
    "in_review": "review",
    "rejected": "reject",
    "quarantined": "quarantine",
}


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[SampleSpec]]:
    root = tmp_path_factory.mktemp("samples")
    return root, sample_set(root)


def _route(pipeline: Any, name: str, timeout: float = 180.0) -> str:
    """The sample's route: its result, or "review" once a reviewer task waits for it."""
    arn, deadline = pipeline.execution_arn(name), time.monotonic() + timeout
    while (desc := pipeline.sfn.describe_execution(executionArn=arn))["status"] == "RUNNING":
        if name in {t["execution_name"] for t in pipeline.pending_tasks()}:
            return "review"
        if time.monotonic() > deadline:
            return "running"
        time.sleep(0.25)
    if desc["status"] != "SUCCEEDED":
        return f"failed: {desc.get('error')} {desc.get('cause', '')[:300]}"
    status = json.loads(desc["output"]).get("status", "")
    return ROUTES.get(status, status)


def test_given_demo_samples_when_processed_then_each_gets_its_declared_route(
    moto_pipeline, samples
):
    root, specs = samples
    store = DynamoConfigStore(moto_pipeline.tables["ConfigTable"], moto_pipeline.dynamodb)
    store.publish("v1", json.dumps(DEFAULT_THRESHOLDS, sort_keys=True), "initial defaults")
    pairs = collect_inputs([root], None)
    assert sorted(str(f) for f, _ in pairs) == sorted(str(s.path) for s in specs)
    keys = dict(pairs)

    actual: dict[str, str] = {}
    sent: set[str] = set()
    for spec in specs:
        key = keys[spec.path]
        folder_key = key.rsplit("/", 1)[0]
        for file, support_key in supporting_files(spec.path.parent, folder_key):
            if support_key not in sent:
                moto_pipeline.s3.put_object(
                    Bucket=moto_pipeline.bucket, Key=support_key, Body=file.read_bytes()
                )
                sent.add(support_key)
        started = moto_pipeline.upload(key, spec.path.read_bytes())
        actual[key] = _route(moto_pipeline, started["execution_name"])

    declared = {keys[spec.path]: spec.expected for spec in specs}
    assert actual == declared
