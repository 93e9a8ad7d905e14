"""The busy-backdrop gate: on texture or clutter a crisp mask needs confirmation.

`mask_quality.backdrop_busy` measures how much of the backdrop is crossed by
strong colour edges; `busy_cap` lowers the confidence's ceiling there unless
the classical method confirms the model's mask.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from lightbox.imaging import classical
from lightbox.imaging.mask_quality import (
    BUSY_GATE,
    BusyGate,
    backdrop_busy,
    busy_cap,
    confidence,
)

H, W = 240, 320
#: The built-in auto-publish level of most categories.
AUTO_LEVEL = 0.8


def _disc(cy: float, cx: float, radius: float) -> np.ndarray:
    yy, xx = np.mgrid[0:H, 0:W]
    return np.asarray((yy - cy) ** 2 + (xx - cx) ** 2 <= radius**2)


def _with_product(backdrop: np.ndarray, product: np.ndarray, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = backdrop.copy()
    img[product] = np.array([200.0, 30.0, 40.0]) + rng.normal(0.0, 3.0, (int(product.sum()), 3))
    return np.clip(img, 0, 255).astype(np.uint8)


def _plain_sweep(seed: int = 3) -> np.ndarray:
    """A light grey paper sweep: a soft vertical falloff and sensor noise."""
    rng = np.random.default_rng(seed)
    yy = np.mgrid[0:H, 0:W][0]
    grey = 235.0 - 25.0 * yy / H
    sweep = np.repeat(grey[..., None], 3, axis=-1)
    return sweep + rng.normal(0.0, 3.0, sweep.shape)


def _woven_table(seed: int = 7) -> np.ndarray:
    """A strongly textured table: a brown two-tone weave with some noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:H, 0:W]
    weave = ((yy // 6 + xx // 6) % 2).astype(np.float64)
    table = np.stack([150 + 60 * weave, 110 + 50 * weave, 60 + 30 * weave], axis=-1)
    return table + rng.normal(0.0, 4.0, table.shape)


def _busy(img: np.ndarray, mask: np.ndarray) -> float:
    return backdrop_busy(classical.measure(Image.fromarray(img)).grad, mask)


def _signals(busy: float, agreement: float) -> dict[str, float]:
    """A decisive, whole model mask (the signature of the crisp misses)."""
    return {
        "model_used": 1.0,
        "unsure_share": 0.05,
        "fragmentation": 0.0,
        "agreement_iou": agreement,
        "backdrop_busy": busy,
        "threshold": 25.0,  # not a plain backdrop: that gate stays out
        "coverage": 0.3,
    }


def test_given_a_plain_sweep_when_measured_then_the_backdrop_is_not_busy() -> None:
    product = _disc(120, 160, 60)
    img = _with_product(_plain_sweep(), product, seed=1)

    # The product's own strong outline is not backdrop: it is left out.
    assert _busy(img, product) < 0.01


def test_given_a_woven_table_when_measured_then_the_backdrop_is_busy() -> None:
    product = _disc(120, 160, 60)
    img = _with_product(_woven_table(), product, seed=1)

    assert _busy(img, product) > BUSY_GATE.full


def test_given_clutter_on_a_plain_sweep_when_measured_then_it_counts_as_some_busyness() -> None:
    product = _disc(120, 160, 50)
    sweep = _plain_sweep()
    for cy, cx in ((40, 40), (200, 280), (50, 270)):
        sweep[_disc(cy, cx, 25)] = (40.0, 90.0, 200.0)  # other objects beside the product
    img = _with_product(sweep, product, seed=1)

    busy = _busy(img, product)

    assert 0.01 < busy < _busy(_with_product(_woven_table(), product, seed=1), product)


def test_given_a_mask_that_fills_the_frame_when_measured_then_there_is_no_backdrop_to_judge() -> (
    None
):
    img = _with_product(_woven_table(), np.zeros((H, W), bool), seed=1)

    assert _busy(img, np.ones((H, W), bool)) == 0.0


@pytest.mark.parametrize("agreement", [0.0, 0.5, 0.9, 1.0])
def test_given_a_plain_backdrop_when_capped_then_the_gate_stays_out(agreement: float) -> None:
    assert busy_cap(0.0, agreement) == 1.0


def test_given_a_busy_backdrop_when_capped_then_only_confirmation_lifts_the_ceiling() -> None:
    gate = BusyGate(full=0.4, agreement_lo=0.6)

    assert busy_cap(0.8, 1.0, gate) == 1.0  # the classical mask confirms it entirely
    assert busy_cap(0.8, 0.6, gate) == 0.0  # no confirmation on a fully busy backdrop
    assert busy_cap(0.8, 0.2, gate) == 0.0
    # Half as busy, the same missing confirmation costs half as much.
    assert busy_cap(0.2, 0.6, gate) == pytest.approx(0.5)
    ceilings = [busy_cap(0.8, a, gate) for a in (0.65, 0.75, 0.85, 0.95)]
    assert ceilings == sorted(ceilings)


def test_given_a_decisive_mask_the_classical_method_half_confirms_then_busy_means_review() -> None:
    plain = confidence(_signals(busy=0.0, agreement=0.85))
    busy = confidence(_signals(busy=0.5, agreement=0.85))

    assert plain >= AUTO_LEVEL  # on a plain backdrop the model's decisiveness is enough
    assert busy < AUTO_LEVEL  # on texture or clutter the same mask goes to a person


def test_given_a_decisive_mask_the_classical_method_confirms_then_busy_costs_nothing() -> None:
    assert confidence(_signals(busy=0.5, agreement=1.0)) == confidence(
        _signals(busy=0.0, agreement=1.0)
    )
