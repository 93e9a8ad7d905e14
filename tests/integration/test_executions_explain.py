"""`lightbox executions show|list` against a run of the real ASL on moto."""

from __future__ import annotations

from types import SimpleNamespace

from lightbox_cli.executions import explanation, find_runs, resolve
from support.images import good_jpeg

KEY = "incoming/acme/MUG-1/front.jpg"


def _ctx(pipeline):
    """The CLI's stack context, over the moto pipeline's clients and names."""
    return SimpleNamespace(
        client=lambda service: {"stepfunctions": pipeline.sfn, "s3": pipeline.s3}[service],
        resource=lambda service: pipeline.dynamodb,
        outputs={
            "StateMachineArn": pipeline.state_machine_arn,
            "AuditTableName": pipeline.tables["AuditTable"],
        },
    )


def test_given_a_reviewed_photo_when_shown_by_key_then_one_screen_says_what_and_why(
    moto_pipeline,
):
    _, arn, task = moto_pipeline.upload_to_review(KEY, good_jpeg(), "v7")
    service = moto_pipeline.review_service()
    service.decide(task["task_id"], "rejected", "rita", reason="handle is cropped")
    moto_pipeline.wait(arn)
    ctx = _ctx(moto_pipeline)

    (resolved,) = resolve(ctx, KEY)
    shown = explanation(ctx, resolved)

    assert resolved == arn
    data, text = shown["json"], "\n".join(shown["lines"])
    route = [v["name"] for v in data["route"]]
    assert route[:2] == ["ReadUpload", "LoadThresholds"]
    assert "WaitForReview" in route and route[-1] == "Rejected"
    assert data["score"]["config_version"] == "v7"
    assert set(data["score"]["components"]) >= {"segmentation", "sharpness", "exposure"}
    assert data["review"]["reviewer"] == "rita"
    assert data["outcome"]["status"] == "rejected"
    assert data["chain_ok"] and len(data["audit"]) >= 4
    assert "handle is cropped" in text
    assert "chain verified" in text
    assert "config v7" in text


def test_given_runs_of_two_skus_when_listed_by_seller_and_sku_then_only_that_sku(
    moto_pipeline,
):
    a = moto_pipeline.upload(KEY, good_jpeg(seed=1))
    b = moto_pipeline.upload("incoming/acme/BOWL-2/top.jpg", good_jpeg(seed=2))
    for started in (a, b):
        moto_pipeline.wait(moto_pipeline.execution_arn(started["execution_name"]))

    runs = find_runs(moto_pipeline.sfn, moto_pipeline.state_machine_arn, seller="acme", sku="MUG-1")
    everything = find_runs(moto_pipeline.sfn, moto_pipeline.state_machine_arn)

    assert [r.photo["key"] for r in runs] == [KEY]
    assert runs[0].route in ("published", "in_review", "rejected")
    assert {r.name for r in everything} == {a["execution_name"], b["execution_name"]}
