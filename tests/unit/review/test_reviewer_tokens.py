import pytest

from lightbox.review.tokens import TokenError, key_id, mint, peek, verify

KEY = b"k" * 64
OTHER = b"o" * 64
NOW = 1_800_000_000


def _keys(*keys: bytes) -> dict[str, bytes]:
    return {key_id(k): k for k in keys}


def test_given_a_minted_token_when_verified_then_reviewer_and_level_come_from_it():
    token = mint(KEY, "ana", 1, NOW, ttl_seconds=3600)

    claims = verify(token, _keys(KEY), NOW + 10)

    assert (claims.reviewer, claims.level, claims.expires_at) == ("ana", 1, NOW + 3600)
    assert verify("Bearer " + token, _keys(KEY), NOW).token_id == claims.token_id


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if t[-2:] != "AA" else "BB"),  # signature
        lambda t: t.replace(t.split(".")[2], t.split(".")[2][::-1]),  # payload
        lambda t: "lbr2" + t[4:],  # scheme
        lambda t: t + ".x",
        lambda t: "",
    ],
)
def test_given_a_tampered_token_when_verified_then_refused(tamper):
    with pytest.raises(TokenError):
        verify(tamper(mint(KEY, "ana", 0, NOW)), _keys(KEY), NOW)


def test_given_a_raised_level_in_the_payload_when_verified_then_signature_fails():
    import base64
    import json

    prefix, kid, payload, sig = mint(KEY, "ana", 0, NOW).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["lvl"] = 2
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")

    with pytest.raises(TokenError, match="signature"):
        verify(f"{prefix}.{kid}.{forged}.{sig}", _keys(KEY), NOW)


def test_given_an_expired_token_when_verified_then_refused():
    token = mint(KEY, "ana", 0, NOW, ttl_seconds=60)
    with pytest.raises(TokenError, match="expired"):
        verify(token, _keys(KEY), NOW + 60)


def test_given_a_rotated_key_when_verified_then_previous_key_still_works_until_retired():
    token = mint(KEY, "ana", 0, NOW)

    assert verify(token, _keys(OTHER, KEY), NOW).reviewer == "ana"  # current + previous
    with pytest.raises(TokenError, match="no longer valid"):
        verify(token, _keys(OTHER), NOW)


def test_given_a_revoked_token_when_verified_then_refused():
    token = mint(KEY, "ana", 0, NOW)
    revoked = peek(token).token_id
    with pytest.raises(TokenError, match="revoked"):
        verify(token, _keys(KEY), NOW, lambda claims: claims.token_id == revoked)


@pytest.mark.parametrize(
    ("reviewer", "level"), [("", 0), ("ana smith", 0), ("ana", 3), ("ana", -1)]
)
def test_given_a_bad_reviewer_or_level_when_minting_then_refused(reviewer, level):
    with pytest.raises(TokenError):
        mint(KEY, reviewer, level, NOW)
