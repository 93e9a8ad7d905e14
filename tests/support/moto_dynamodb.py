"""Moto's DynamoDB, made safe for the pipeline's concurrent writers.

Moto's `transact_write_items` snapshots every table it touches and, when any
condition fails, puts the whole snapshot back: a write another thread committed
meanwhile (another photo's listing entry, say) silently disappears. DynamoDB cancels
only the failed transaction. Holding one lock around moto's writes restores that
contract, so a test sees the product's concurrency and not moto's.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

import pytest
from moto.dynamodb.models import DynamoDBBackend

_WRITES = (
    "put_item",
    "update_item",
    "delete_item",
    "transact_write_items",
)
_LOCK = threading.RLock()


def _locked(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _LOCK:
            return method(*args, **kwargs)

    return wrapper


def serialise_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """One writer at a time in moto's DynamoDB for this test (undone by `monkeypatch`)."""
    for name in _WRITES:
        monkeypatch.setattr(DynamoDBBackend, name, _locked(getattr(DynamoDBBackend, name)))
