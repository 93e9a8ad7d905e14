"""Revoked reviewer tokens, kept in the review table.

* ``pk = revoked#token#{token id}``: that one token;
* ``pk = revoked#reviewer#{name}``: every token of that reviewer issued before
  ``before`` (epoch seconds).

Both have ``sk = revoked``. The authorizer only reads these items (its IAM policy
limits GetItem to keys starting with ``revoked#``); the CLI writes them.
"""

from __future__ import annotations

from typing import Any

from lightbox.adapters.dynamodb import _plain, _table
from lightbox.review.tokens import ReviewerClaims


def _token_pk(token_id: str) -> str:
    return f"revoked#token#{token_id}"


def _reviewer_pk(reviewer: str) -> str:
    return f"revoked#reviewer#{reviewer.lower()}"


class DynamoRevocations:
    def __init__(self, table_name: str, resource: Any | None = None) -> None:
        self._table = _table(table_name, resource)

    def _get(self, pk: str) -> dict[str, Any] | None:
        found = self._table.get_item(Key={"pk": pk, "sk": "revoked"}, ConsistentRead=True)
        return _plain(found["Item"]) if "Item" in found else None

    def is_revoked(self, claims: ReviewerClaims) -> bool:
        if self._get(_token_pk(claims.token_id)) is not None:
            return True
        reviewer = self._get(_reviewer_pk(claims.reviewer))
        return reviewer is not None and claims.issued_at <= int(reviewer.get("before", 0))

    def revoke_token(self, claims: ReviewerClaims, revoked_by: str, at: int) -> None:
        self._table.put_item(
            Item={
                "pk": _token_pk(claims.token_id),
                "sk": "revoked",
                "reviewer": claims.reviewer,
                "revoked_at": at,
                "revoked_by": revoked_by,
                "token_expires_at": claims.expires_at,
            }
        )

    def revoke_reviewer(self, reviewer: str, revoked_by: str, at: int) -> None:
        self._table.put_item(
            Item={
                "pk": _reviewer_pk(reviewer),
                "sk": "revoked",
                "reviewer": reviewer,
                "before": at,
                "revoked_by": revoked_by,
            }
        )
