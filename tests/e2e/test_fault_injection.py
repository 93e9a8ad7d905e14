"""Faults injected into the deployed stack's stages (`lightbox faults`): transient ones
recover through Retry, permanent ones end quarantined with the real reason and are
replayed once fixed, and every upload reaches a terminal status."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest

from lightbox.adapters.dynamodb import DynamoAuditStore, DynamoConfigStore
from lightbox.audit.trail import AuditTrail
from lightbox.keys import parse_photo_key
from lightbox_cli.executions import replay_execution
from lightbox_cli.faults import FaultsError, clear_faults, set_fault, throttle
from support.images import good_jpeg

pytestmark = pytest.mark.e2e

TERMINAL = {"published", "in_review", "rejected", "quarantined", "failed"}


@pytest.fixture
def stack(deployed_stack) -> Iterator:
    store = DynamoConfigStore(
        deployed_stack.ctx.outputs["ConfigTableName"], deployed_stack.ctx.resource("dynamodb")
    )
    # Low thresholds: a good photo publishes, so a fault's effect is the only variable.
    store.publish("v-e2e-faults", json.dumps({"general": {"auto": 0.2, "review": 0.1}}), "e2e")
    lam = deployed_stack.ctx.client("lambda")
    yield deployed_stack
    clear_faults(lam, deployed_stack.ctx.env)


def _upload(stack, key: str, seed: int) -> dict:
    return stack.wait_for_execution(stack.put(key, good_jpeg(seed=seed)), timeout=300)


def _failure(stack, desc: dict) -> dict:
    """A run that ended in RecordFailure: the execution fails with Lightbox.PipelineFailed
    and the run's last audit record names the stage's real error."""
    assert desc["status"] == "FAILED", desc
    audit = DynamoAuditStore(stack.ctx.outputs["AuditTableName"], stack.ctx.resource("dynamodb"))
    last = max(audit.records(f"pipeline#{desc['name']}"), key=lambda r: int(r["seq"]))
    assert last["decision"] == "failed", last
    return json.loads(last["details"])


def _failed_attempts(stack, desc: dict, error: str) -> int:
    sfn = stack.ctx.client("stepfunctions")
    events = sfn.get_execution_history(executionArn=desc["executionArn"], maxResults=1000)["events"]
    return sum(
        1
        for e in events
        if e["type"] in ("TaskFailed", "LambdaFunctionFailed")
        and error
        in json.dumps(
            e.get("taskFailedEventDetails") or e.get("lambdaFunctionFailedEventDetails") or {}
        )
    )


@pytest.mark.reliability(case="fault: transient in a stage", expected="Retry recovers; published")
@pytest.mark.parametrize(
    ("stage", "kind", "times", "error", "seed"),
    [
        ("segment", "transient", 1, "TransientStageError", 301),
        ("publish", "s3", 2, None, 303),  # recovered by the SDK's own retries, inside the stage
        ("score", "dynamodb", 2, None, 304),
    ],
)
def test_given_a_transient_fault_in_a_stage_when_a_photo_runs_then_retry_recovers_and_it_publishes(
    stack, stage, kind, times, error, seed, observed
):
    lam = stack.ctx.client("lambda")
    set_fault(
        lam, stack.ctx.env, stage, {"kind": kind, "times": times, "key_contains": f"tr-{stage}"}
    )

    desc = _upload(stack, f"incoming/faults/transient/tr-{stage}.jpg", seed=seed)

    assert desc["status"] == "SUCCEEDED", desc
    assert stack.output(desc)["status"] == "published", stack.output(desc)
    failed = _failed_attempts(stack, desc, error) if error else 0
    if error:
        assert failed >= 1, f"no {error} was retried"
    observed(f"published; {failed} failed attempt(s) retried" if error else "published")


@pytest.mark.reliability(
    case="fault: permanent in a stage",
    expected="quarantined with the real reason; replay publishes",
)
def test_given_a_permanent_fault_when_run_then_quarantined_with_the_reason_and_replay_publishes(
    stack, observed
):
    lam = stack.ctx.client("lambda")
    set_fault(lam, stack.ctx.env, "enhance", {"kind": "error", "times": 0, "key_contains": "perm"})

    desc = _upload(stack, "incoming/faults/permanent/perm.jpg", seed=401)

    failure = _failure(stack, desc)
    assert failure["error"] == "InjectedFault", failure
    s3 = stack.ctx.client("s3")
    prefix = parse_photo_key("incoming/faults/permanent/perm.jpg").output_prefix("quarantine")
    reason = json.loads(
        s3.get_object(Bucket=stack.bucket, Key=f"{prefix}/reason.json")["Body"].read()
    )
    assert any("injected error fault in enhance" in r for r in reason["reasons"]), reason
    audit = DynamoAuditStore(stack.ctx.outputs["AuditTableName"], stack.ctx.resource("dynamodb"))

    clear_faults(lam, stack.ctx.env, "enhance")
    sfn = stack.ctx.client("stepfunctions")
    started = replay_execution(sfn, AuditTrail(audit), desc["executionArn"], "human:e2e")
    replayed = stack.wait_for_execution([started["name"]], timeout=300)

    assert stack.output(replayed)["status"] == "published", stack.output(replayed)
    observed(f"quarantined ({failure['error']}); replay {replayed['name']} published")


@pytest.mark.reliability(
    case="fault: a stage that always times out",
    expected="retried, then quarantined with the timeout as the reason",
)
def test_given_a_stage_that_always_times_out_when_run_then_retried_and_quarantined_with_why(
    stack, observed
):
    lam = stack.ctx.client("lambda")
    set_fault(lam, stack.ctx.env, "draft_copy", {"kind": "timeout", "key_contains": "slow"})

    desc = _upload(stack, "incoming/faults/timeout/slow.jpg", seed=302)

    failure = _failure(stack, desc)
    assert failure["error"] == "Sandbox.Timedout", failure
    attempts = _failed_attempts(stack, desc, "Sandbox.Timedout")
    assert attempts >= 3, f"{attempts} timed-out attempts: the Retry did not run it twice more"
    observed(f"{attempts} timed-out attempts, then quarantined ({failure['error']})")


@pytest.mark.reliability(case="fault: stage throttled", expected="refused, retried, all published")
def test_given_a_throttled_stage_when_photos_arrive_then_they_wait_and_all_end_terminal(
    stack, observed
):
    lam = stack.ctx.client("lambda")
    throttling = threading.Thread(target=throttle, args=(lam, stack.ctx.env, "validate", 8))
    throttling.start()
    try:
        results = [
            _upload(stack, f"incoming/faults/throttled/p{i}.jpg", seed=500 + i) for i in range(2)
        ]
    finally:
        throttling.join()

    assert [stack.output(d)["status"] for d in results] == ["published", "published"]
    refused = sum(_failed_attempts(stack, d, "TooManyRequestsException") for d in results)
    assert refused, "validate was never refused while throttled"
    observed(f"{refused} throttled attempt(s) retried; 2 of 2 published")


def test_given_an_unknown_stage_when_a_fault_is_set_then_the_error_names_the_function(stack):
    lam = stack.ctx.client("lambda")
    with pytest.raises(FaultsError, match="no function"):
        set_fault(lam, stack.ctx.env, "no_such_stage", {"kind": "error"})
