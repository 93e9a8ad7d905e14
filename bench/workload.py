"""What every benchmark variant shares: the product, the marketplaces and the timed `Run`.

A variant is a function from the input file's bytes to a `Run`: wall and CPU
time per named phase of one repetition (CPU time too, because the machine may
be shared), the files it wrote per marketplace and some facts about the work.
The constants here fix the work they all do (the four marketplaces, the
product and its category, the bucket and keys the stage run uses), and
`canvases`, `fit` and `shrink_on_load` give the references the same geometry
as Lightbox's renderer. Imported by `bench.variants` (Lightbox's own variants
and the registry) and `bench.references` (pyvips, Pillow, minimal work).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

MARKETPLACES: tuple[str, ...] = ("amazon", "etsy", "shopify", "ebay")
INPUT_NAME = "product.jpg"
#: The product the stage run lists (its category picks the studio look). No
#: studio extras (home_decor would default to a scene): the publish path the
#: cost prices, and the four renders the minimal-work row also makes.
PRODUCT: dict[str, Any] = {
    "title": "Red mug",
    "category": "home_decor",
    "marketplaces": list(MARKETPLACES),
    "extras": {},
}
BUCKET = "lightbox-bench"
SELLER, SKU = "bench-seller", "SKU-1"
WHITE = (255, 255, 255)

#: Phases of one render that make up the headline, per variant family.
HEADLINE_PARTS = {
    "lightbox-render": ("decode", "render"),
    "reference": ("decode", "resize+pad", "encode"),
}


@dataclass
class Run:
    """One repetition: wall and CPU time per phase, plus outputs/info.

    CPU time is kept next to wall time because the machine may be shared: on
    a pinned, otherwise idle core they agree, and when another process takes
    the core, CPU time still measures the work while wall time also counts
    the waiting.
    """

    phases: dict[str, float] = field(default_factory=dict)
    phases_cpu: dict[str, float] = field(default_factory=dict)
    outputs: dict[str, bytes] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.phases[name] = self.phases.get(name, 0.0) + time.perf_counter() - wall
            self.phases_cpu[name] = self.phases_cpu.get(name, 0.0) + time.process_time() - cpu

    def total(self, name: str, parts: tuple[str, ...], minus: tuple[str, ...] = ()) -> None:
        """Record ``name`` as the sum of phases ``parts`` less ``minus`` (per
        repetition, so its median is a median of sums, not a sum of medians)."""
        for clock in (self.phases, self.phases_cpu):
            clock[name] = sum(clock.get(p, 0.0) for p in parts) - sum(
                clock.get(p, 0.0) for p in minus
            )

    def render_totals(self, parts: tuple[str, ...]) -> None:
        """Per marketplace and overall: ``headline`` (the sum of ``parts``) and
        ``no-encode`` (the headline without the JPEG encode)."""
        for m in MARKETPLACES:
            self.total(f"{m}:headline", tuple(f"{m}:{p}" for p in parts))
            self.total(f"{m}:no-encode", (f"{m}:headline",), (f"{m}:encode",))
        self.total("headline", tuple(f"{m}:headline" for m in MARKETPLACES))
        self.total("no-encode", tuple(f"{m}:no-encode" for m in MARKETPLACES))


Variant = Callable[[bytes], Run]


def canvases() -> dict[str, tuple[int, int]]:
    """Canvas size per marketplace, from the same specs the renderer reads."""
    from lightbox.marketplaces.specs import get_spec

    return {m: get_spec(m).canvas for m in MARKETPLACES}


def fit(size: tuple[int, int], canvas: tuple[int, int]) -> tuple[int, int]:
    """Content size inside ``canvas``: the same rounding as the renderer."""
    w, h = size
    scale = min(canvas[0] / w, canvas[1] / h)
    side = max(1, round(max(w, h) * scale))
    s = side / max(w, h)
    return max(1, round(w * s)), max(1, round(h * s))


def shrink_on_load(size: tuple[int, int], target: tuple[int, int]) -> int:
    """The largest JPEG DCT shrink (1, 2, 4, 8) that stays at or above ``target``
    (1 when the target is an upscale)."""
    fits = (f for f in (2, 4, 8) if size[0] / f >= target[0] and size[1] / f >= target[1])
    return max(fits, default=1)
