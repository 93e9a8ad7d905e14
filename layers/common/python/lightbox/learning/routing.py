"""The route of one scored photo under a config version, spot checks included.

`RouteByConfidence` in the ASL follows `route`; this is the one place that
decides it:

* below the category's `review` threshold → reject;
* compliant and auto-publishable (a calibrated model's p(approve) at or
  above its cut when the version has one for the category and the photo has
  every feature it needs, else confidence ≥ `auto`) → publish, except that a
  deterministic share of these (`spot_check_rate`, chosen by a hash of the
  execution name) goes to review marked as a spot check, so auto-publish
  precision is measured rather than assumed;
* anything else → review.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from lightbox.models.config_version import CategoryRouting

Route = Literal["publish", "review", "reject"]


@dataclass(frozen=True)
class RouteDecision:
    route: Route
    approval: float | None  # calibrated p(approve), when a model applied
    spot_check: bool


def is_spot_check(execution_name: str, rate: float) -> bool:
    """Deterministic: the same execution name is always chosen, or never."""
    if rate <= 0:
        return False
    digest = hashlib.sha256(f"spot-check:{execution_name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def decide_route(
    *,
    confidence: float,
    components: Mapping[str, float],
    compliant: bool,
    auto: float,
    review: float,
    routing: CategoryRouting | None,
    execution_name: str,
    spot_check_rate: float,
) -> RouteDecision:
    approval = routing.model.probability(components) if routing else None
    if confidence < review:
        return RouteDecision("reject", approval, False)
    if approval is not None and routing is not None:
        auto_ok = approval >= routing.auto_probability
    else:
        auto_ok = confidence >= auto
    if compliant and auto_ok:
        if is_spot_check(execution_name, spot_check_rate):
            return RouteDecision("review", approval, True)
        return RouteDecision("publish", approval, False)
    return RouteDecision("review", approval, False)
