"""The review API's credentials on the deployed stack: authorizer, revocation, key rotation.

Runs the template's TOKEN authorizer (on the emulator through the project's
authorizer plugin) and the signing-key secret's versions as deployed.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest

from lightbox_cli.review import mint_token, revoke, rotate_key

pytestmark = pytest.mark.e2e


def _get(url: str, token: str | None = None) -> tuple[int, dict]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def _until(check, what: str, timeout: float = 90) -> None:
    """Key and revocation changes reach the authorizer within its key cache (60 s)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(what)
        time.sleep(2)


def test_given_tokens_when_revoked_or_keys_rotated_then_the_api_refuses_them(deployed_stack):
    ctx = deployed_stack.ctx
    tasks = ctx.outputs["ReviewApiUrl"] + "tasks"
    token = mint_token(ctx, "auth-e2e", 0, 1)
    other = mint_token(ctx, "auth-e2e", 0, 1)

    assert _get(tasks)[0] == 401
    assert _get(tasks, "lbr1.not.a.token")[0] == 401
    status, page = _get(tasks, token)
    assert status == 200 and "items" in page
    assert _get(ctx.outputs["ReviewApiUrl"] + "openapi.json")[0] == 200  # public

    revoke(ctx, token, None, "e2e")
    assert _get(tasks, token)[0] == 401  # revocations are read on every request
    assert _get(tasks, other)[0] == 200

    rotate_key(ctx, retire_previous=False)
    fresh = mint_token(ctx, "auth-e2e", 0, 1)
    _until(lambda: _get(tasks, fresh)[0] == 200, "a token of the new key is accepted")
    assert _get(tasks, other)[0] == 200  # the previous key still verifies

    rotate_key(ctx, retire_previous=True)
    _until(lambda: _get(tasks, other)[0] == 401, "tokens of retired keys are refused")
    assert _get(tasks, mint_token(ctx, "auth-e2e", 0, 1))[0] == 200  # the keys were re-read
