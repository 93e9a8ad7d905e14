"""Signing keys in Secrets Manager and revocations in the review table (moto)."""

import time

import boto3
import pytest

from lightbox.adapters.revocations import DynamoRevocations
from lightbox.adapters.signing_keys import SecretSigningKeys
from lightbox.review.tokens import TokenError, mint, peek, verify
from support.tables import create_pk_sk_table

REGION = "us-east-1"


@pytest.fixture
def aws(moto: None):
    sm = boto3.client("secretsmanager", region_name=REGION)
    arn = sm.create_secret(Name="signing", SecretString="first-key-" + "x" * 50)["ARN"]
    ddb = boto3.resource("dynamodb", region_name=REGION)
    create_pk_sk_table(ddb, "review")
    clock = [0.0]
    yield (
        SecretSigningKeys(arn, sm, clock=lambda: clock[0]),
        DynamoRevocations("review", ddb),
        clock,
    )


def test_given_a_rotation_when_verifying_then_old_tokens_last_one_rotation(aws):
    keys, _, clock = aws
    now = int(time.time())
    old = mint(keys.current(), "ana", 0, now)

    keys.rotate()
    clock[0] += 120  # past the authorizer's key cache
    new = mint(keys.current(), "ana", 0, now)
    assert verify(old, keys.valid(), now).reviewer == verify(new, keys.valid(), now).reviewer

    keys.rotate()
    clock[0] += 120
    with pytest.raises(TokenError, match="no longer valid"):
        verify(old, keys.valid(), now)
    assert verify(new, keys.valid(), now).reviewer == "ana"


def test_given_retire_previous_when_rotating_then_every_earlier_token_is_refused(aws):
    keys, _, clock = aws
    now = int(time.time())
    old = mint(keys.current(), "ana", 0, now)

    keys.rotate(retire_previous=True)
    clock[0] += 120

    with pytest.raises(TokenError):
        verify(old, keys.valid(), now)


def test_given_a_revoked_token_or_reviewer_when_verifying_then_refused(aws):
    keys, revocations, _ = aws
    now = int(time.time())
    one = mint(keys.current(), "ana", 0, now)
    other = mint(keys.current(), "ana", 1, now)
    bob = mint(keys.current(), "bob", 0, now)

    revocations.revoke_token(peek(one), "test", now)
    with pytest.raises(TokenError, match="revoked"):
        verify(one, keys.valid(), now, revocations.is_revoked)
    assert verify(other, keys.valid(), now, revocations.is_revoked).level == 1

    revocations.revoke_reviewer("ana", "test", now)
    with pytest.raises(TokenError, match="revoked"):
        verify(other, keys.valid(), now, revocations.is_revoked)
    assert verify(bob, keys.valid(), now, revocations.is_revoked).reviewer == "bob"
    later = mint(keys.current(), "ana", 0, now + 5)
    assert verify(later, keys.valid(), now + 5, revocations.is_revoked).reviewer == "ana"
