"""Where samples go and what they promise: ``<seller>/<sku>/<file>`` plus specs.

A ``SampleSpec`` names one upload and the route the pipeline is expected to
give it; ``SampleSet`` writes the folders (and their ``product.json``) the way
a seller lays them out for ``lightbox process`` and collects the specs.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

Expected = Literal["publish", "review", "reject", "quarantine"]


@dataclass(frozen=True)
class SampleSpec:
    """One sample upload and the route the pipeline is expected to give it."""

    path: Path
    sku: str
    expected: Expected
    note: str


def sample_rng(sku: str) -> np.random.Generator:
    """One fixed seed per SKU: samples don't change when another one is edited."""
    return np.random.default_rng(zlib.crc32(sku.encode()))


def product_json(
    title: str, category: str, attributes: dict[str, Any], marketplaces: list[str]
) -> dict[str, Any]:
    return {
        "title": title,
        "category": category,
        "attributes": attributes,
        "marketplaces": marketplaces,
    }


class SampleSet:
    """Lays files out as ``<seller>/<sku>/<file>`` and records their specs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.specs: list[SampleSpec] = []

    def folder(self, seller: str, sku: str, product: dict[str, Any] | str | None) -> Path:
        folder = self.root / seller / sku
        folder.mkdir(parents=True, exist_ok=True)
        if isinstance(product, dict):
            text = json.dumps(product, indent=2, ensure_ascii=False) + "\n"
            (folder / "product.json").write_text(text, encoding="utf-8")
        elif isinstance(product, str):
            (folder / "product.json").write_text(product, encoding="utf-8")
        return folder

    def add(self, path: Path, sku: str, expected: Expected, note: str) -> None:
        self.specs.append(SampleSpec(path=path, sku=sku, expected=expected, note=note))
