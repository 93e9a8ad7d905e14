"""A burst of uploads on the deployed template: nothing lost, the emulator stays bounded."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from lightbox_cli.process import collect_inputs, follow, upload
from lightbox_infra.deploy import LOCAL_PARAMETERS
from lightbox_infra.emulator import find_workers
from support.images import good_jpeg
from support.template import load_template, resources_of_type

pytestmark = pytest.mark.e2e

# 24 in `make test`; `make test-reliability` runs 200 (LIGHTBOX_BURST).
BURST = int(os.environ.get("LIGHTBOX_BURST", "24"))
RESULTS = {"published", "in_review", "rejected", "quarantined"}


def _worker_cap() -> int:
    functions = resources_of_type(load_template(), "AWS::Serverless::Function")
    image = sum("ImageStageConcurrency" in str(f["Properties"]) for f in functions.values())
    return image * int(LOCAL_PARAMETERS["ImageStageConcurrency"]) + (len(functions) - image) * int(
        LOCAL_PARAMETERS["TaskStageConcurrency"]
    )


@pytest.mark.reliability(
    case="burst (LIGHTBOX_BURST photos)",
    expected="every photo has a terminal result; workers within the cap",
)
def test_given_a_burst_of_uploads_when_drained_then_every_photo_has_a_result_within_the_cap(
    deployed_stack, tmp_path: Path, observed
):
    for i in range(BURST):
        photo = tmp_path / "burst-seller" / f"SKU-{i % 6}" / f"photo-{i}.jpg"
        photo.parent.mkdir(parents=True, exist_ok=True)
        photo.write_bytes(good_jpeg(seed=100 + i))
    root = Path(deployed_stack.emulator_root)
    peak = 0
    stop = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not stop.wait(0.2):
            peak = max(peak, len(find_workers(root)))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        items = upload(deployed_stack.ctx, collect_inputs([tmp_path], None), jobs=8)
        follow(deployed_stack.ctx, items, timeout=max(600, BURST * 6))
    finally:
        stop.set()
        watcher.join()

    statuses = {item.key: (item.status, item.reason) for item in items}
    assert len(statuses) == BURST
    assert {key: s for key, s in statuses.items() if s[0] not in RESULTS} == {}
    assert 0 < peak <= _worker_cap()
    routes = sorted({s[0] for s in statuses.values()})
    observed(f"{len(statuses)} of {BURST} terminal ({', '.join(routes)}); peak {peak} workers")
