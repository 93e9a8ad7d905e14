"""Fixtures for the studio-suite tests: synthetic, deterministic images."""

from __future__ import annotations

import pytest
from PIL import Image

from support.studio_images import cutout, product_photo, shirt_front, shirt_inner


@pytest.fixture
def shirt() -> tuple[Image.Image, Image.Image]:
    """Front shot of a blue T-shirt on white with a hollow neck, and its mask."""
    return shirt_front()


@pytest.fixture
def inner() -> tuple[Image.Image, Image.Image, tuple[int, int, int, int]]:
    """Inside-back shot of the same shirt (smaller, with a neck label), mask, label box."""
    return shirt_inner()


@pytest.fixture
def photo() -> tuple[Image.Image, Image.Image]:
    """A red product on a cool grey backdrop, and its exact mask."""
    return product_photo()


@pytest.fixture
def bottle() -> Image.Image:
    """An RGBA blue bottle cut-out with a white label."""
    return cutout(highlight=(240, 240, 240))
