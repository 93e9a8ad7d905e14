"""Fault injection: which faults a stage honours, and what each one raises."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lightbox import faults
from lightbox.faults import (
    Fault,
    FaultConfigError,
    FaultSwitch,
    InjectedFault,
    TransientStageError,
    install_sdk_hook,
    parse_fault,
)
from lightbox.handler import is_transient, stage_handler
from support.handlers import FakeLambdaContext

KEY = "incoming/acme/mug-01/side.jpg"


@pytest.fixture(autouse=True)
def _fresh_switch():
    faults.switch.cache_clear()
    yield
    faults.switch.cache_clear()


def test_given_no_fault_variable_when_a_stage_runs_then_nothing_is_injected(monkeypatch):
    monkeypatch.delenv(faults.FAULT_VARIABLE, raising=False)
    faults.switch().before_invocation("segment", KEY, 1000)


def test_given_a_fault_on_a_stack_that_does_not_allow_it_when_run_then_it_is_ignored(
    monkeypatch,
):
    monkeypatch.setenv(faults.FAULT_VARIABLE, '{"kind": "error"}')
    monkeypatch.delenv(faults.ALLOW_VARIABLE, raising=False)
    assert faults.switch().fault is None
    faults.switch().before_invocation("segment", KEY, 1000)


def test_given_an_allowed_permanent_error_when_run_then_every_invocation_raises(monkeypatch):
    monkeypatch.setenv(faults.FAULT_VARIABLE, '{"kind": "error"}')
    monkeypatch.setenv(faults.ALLOW_VARIABLE, "true")
    for _ in range(3):
        with pytest.raises(InjectedFault, match="injected error fault in segment"):
            faults.switch().before_invocation("segment", KEY, 1000)


def test_given_a_transient_fault_for_one_invocation_when_retried_then_the_retry_runs():
    switch = FaultSwitch(Fault(kind="transient", times=1))
    with pytest.raises(TransientStageError):
        switch.before_invocation("render", KEY, 1000)
    switch.before_invocation("render", KEY, 1000)


def test_given_a_fault_for_one_key_when_another_photo_runs_then_it_is_untouched():
    switch = FaultSwitch(Fault(kind="error", key_contains="broken"))
    switch.before_invocation("validate", KEY, 1000)
    with pytest.raises(InjectedFault):
        switch.before_invocation("validate", "incoming/acme/mug-01/broken.jpg", 1000)


def test_given_a_malformed_fault_when_parsed_then_the_error_names_the_variable():
    with pytest.raises(FaultConfigError, match=faults.FAULT_VARIABLE):
        parse_fault('{"kind": "meteor"}')


def test_given_an_s3_fault_when_a_client_calls_then_it_gets_slowdown_and_it_is_transient():
    switch = FaultSwitch(Fault(kind="s3"))
    session = boto3.session.Session(
        aws_access_key_id="x", aws_secret_access_key="y", region_name="us-east-1"
    )
    install_sdk_hook(switch, "s3", session)
    switch.before_invocation("publish", KEY, 1000)  # arms the hook for this invocation
    # Nothing listens on port 9: only the injected answer can reach the client.
    s3 = session.client(
        "s3",
        endpoint_url="http://127.0.0.1:9",
        config=Config(retries={"mode": "standard", "max_attempts": 2}),
    )
    with pytest.raises(ClientError) as raised:
        s3.get_object(Bucket="b", Key="k")
    assert raised.value.response["Error"]["Code"] == "SlowDown"
    assert is_transient(raised.value)


def test_given_a_dynamodb_fault_for_two_requests_when_counted_then_the_third_goes_through():
    switch = FaultSwitch(Fault(kind="dynamodb", times=2))
    switch.before_invocation("score", KEY, 1000)
    assert [switch.take_request("dynamodb") for _ in range(3)] == [True, True, False]
    assert not switch.take_request("s3")


def test_given_a_stage_whose_aws_call_is_throttled_when_it_fails_then_it_raises_transient():
    throttled = ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "PutItem"
    )

    @stage_handler("fault_probe")
    def handler(event, context):
        raise throttled

    with pytest.raises(TransientStageError, match="fault_probe"):
        handler({}, FakeLambdaContext("lightbox-test-probe"))


def test_given_a_stage_denied_access_when_it_fails_then_the_error_is_not_retried():
    denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "GetObject")

    @stage_handler("fault_probe")
    def handler(event, context):
        raise denied

    with pytest.raises(ClientError):
        handler({}, FakeLambdaContext("lightbox-test-probe"))


def test_given_a_timeout_limited_to_a_number_of_times_when_parsed_then_refused_with_why():
    with pytest.raises(FaultConfigError, match="timed-out instance is replaced"):
        parse_fault('{"kind": "timeout", "times": 1}')
