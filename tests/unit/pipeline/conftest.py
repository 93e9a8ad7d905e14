"""Stage tests: the real stage functions over the in-memory fakes (tests/support/fakes.py)."""

from __future__ import annotations

import pytest

from support.images import good_jpeg
from support.stages import StageDriver

PRODUCT = {"title": "Red ceramic mug", "category": "general", "marketplaces": ["amazon", "etsy"]}


@pytest.fixture(scope="module")
def photo() -> bytes:
    return good_jpeg(seed=3)


@pytest.fixture
def driver(photo: bytes) -> StageDriver:
    return StageDriver(photo, product=PRODUCT)
