"""`lightbox faults` on moto's Lambda: a fault goes into one function's environment only
where the stack allows it, and clearing takes it out again."""

from __future__ import annotations

import json

import boto3
import pytest

from lightbox_cli.faults import FaultsError, clear_faults, faults_set, set_fault

REGION = "us-east-1"


@pytest.fixture
def lam(moto: None):
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    client = boto3.client("lambda", region_name=REGION)

    def function(name: str, allow: str) -> None:
        client.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=role,
            Handler="app.handler",
            Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
            Environment={"Variables": {"ALLOW_FAULT_INJECTION": allow, "BUCKET_NAME": "b"}},
        )

    function("lightbox-test-segment", "true")
    function("lightbox-test-publish", "true")
    function("lightbox-prod-segment", "false")
    yield client


def _env(lam, name):
    return lam.get_function_configuration(FunctionName=name)["Environment"]["Variables"]


def test_given_a_test_stack_when_a_fault_is_set_then_only_that_function_carries_it(lam):
    set_fault(lam, "test", "segment", {"kind": "transient", "times": 1, "key_contains": ""})

    assert json.loads(_env(lam, "lightbox-test-segment")["LIGHTBOX_FAULT"])["kind"] == "transient"
    assert _env(lam, "lightbox-test-segment")["BUCKET_NAME"] == "b"  # the rest is kept
    assert "LIGHTBOX_FAULT" not in _env(lam, "lightbox-test-publish")
    assert list(faults_set(lam, "test")) == ["lightbox-test-segment"]


@pytest.mark.reliability(case="fault switch on a stack without the allowance", expected="refused")
def test_given_a_stack_that_does_not_allow_faults_when_one_is_set_then_it_is_refused(lam):
    with pytest.raises(FaultsError, match="AllowFaultInjection=true"):
        set_fault(lam, "prod", "segment", {"kind": "error"})
    assert "LIGHTBOX_FAULT" not in _env(lam, "lightbox-prod-segment")


def test_given_faults_set_when_cleared_then_every_function_is_back_as_deployed(lam):
    set_fault(lam, "test", "segment", {"kind": "error"})
    set_fault(lam, "test", "publish", {"kind": "s3", "times": 2})

    cleared = clear_faults(lam, "test")

    assert sorted(cleared) == ["lightbox-test-publish", "lightbox-test-segment"]
    assert faults_set(lam, "test") == {}


def test_given_an_unknown_kind_when_set_then_the_kinds_are_named(lam):
    with pytest.raises(FaultsError, match="one of error, transient, timeout, s3, dynamodb"):
        set_fault(lam, "test", "segment", {"kind": "meteor"})
