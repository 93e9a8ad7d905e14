"""Learn each category's auto-publish rule from reviewer feedback.

For each category with enough decisions:

1. Fit the approval model (`model.fit`) by cross-fitting: every record gets
   an out-of-fold probability from a model that never saw it.
2. Among the photos routing may auto-publish (compliant, confidence at or
   above the category's `review` threshold: below it there is no feedback),
   sort by that probability and take the largest top set whose approval
   share has a lower confidence bound (Wilson, one-sided) at or above the
   target precision, on at least `min_auto_evidence` effective decisions.
   Spot checks count 1/rate each (they sample auto-published photos), and
   the bound uses Kish's effective n of those weights.
3. Keep whichever rule — that one or the current one, if its own bound
   clears the target — sends fewer photos to a person. If neither clears it
   and the current rule's *upper* bound is below the target (auto-publish is
   measurably worse than promised), stop auto-publishing in that category.
   Otherwise change nothing.

The `review` threshold (below it: reject) is never moved: rejected photos
produce no feedback, so there is no evidence to move it with.

Corrections that repeat (`feedback.NUMERIC_CORRECTIONS`,
`feedback.CHOICE_CORRECTIONS`) become the category's render defaults when
enough decisions carry them and they agree in direction. A category whose
defaults change keeps its routing that round: its decisions judged renders
made the old way. Routing is judged only on decisions about renders made
with the defaults in force.
"""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from lightbox.learning.bounds import weighted_lower_bound, wilson_lower, wilson_upper
from lightbox.learning.feedback import CHOICE_CORRECTIONS, NUMERIC_CORRECTIONS
from lightbox.learning.model import LogisticModel, fit, usable_features
from lightbox.models.config_version import CategoryEvidence, CategoryRouting, ConfigVersion
from lightbox.models.feedback import FeedbackRecord


@dataclass(frozen=True)
class Policy:
    target_precision: float = 0.98
    min_decisions: int = 50  # per category, before anything moves
    min_auto_evidence: float = 30.0  # effective decisions behind the auto-publish set
    min_spot_checks: int = 10  # checks of auto-published photos before they are judged failing
    min_gain: float = 0.01  # a new rule must cut the review rate by at least this much
    confidence: float = 0.95  # of the one-sided bound
    max_records: int = 5000  # newest decisions per category
    folds: int = 5
    min_repeats: int = 5  # a correction must repeat this often ...
    min_share: float = 0.3  # ... in this share of the category's decisions ...
    min_agreement: float = 0.8  # ... pointing this much the same way
    max_margin: float = 0.10
    max_cutout: int = 2


@dataclass(frozen=True)
class Calibration:
    thresholds: dict[str, dict[str, float]]
    routing: dict[str, CategoryRouting]
    defaults: dict[str, dict[str, float]]
    evidence: dict[str, CategoryEvidence]
    moved: list[str] = field(default_factory=list)  # categories whose routing or defaults changed


@dataclass(frozen=True)
class _Rule:
    """An auto-publish rule: model probability (or confidence) at or above a cut."""

    model: LogisticModel | None
    cut: float
    auto: float  # the confidence threshold when there is no model

    def publishes(self, r: FeedbackRecord, review: float, prob: float | None) -> bool:
        if not r.compliant or r.confidence < review:
            return False
        if self.model is None:
            return r.confidence >= self.auto
        return prob is not None and prob >= self.cut


def _fold(task_id: str, folds: int) -> int:
    return int(hashlib.sha256(task_id.encode()).hexdigest()[:8], 16) % folds


def out_of_fold(
    records: Sequence[FeedbackRecord], features: Sequence[str], folds: int
) -> list[float]:
    """Each record's approval probability from a model fitted without its fold."""
    groups = [_fold(r.task_id, folds) for r in records]
    probs = [0.0] * len(records)
    for k in range(folds):
        train = [r for r, g in zip(records, groups, strict=True) if g != k]
        labels = [int(r.approved) for r in train]
        if not train or len(set(labels)) < 2:
            share = (sum(labels) + 0.5) / (len(labels) + 1.0)
            for i, g in enumerate(groups):
                if g == k:
                    probs[i] = share
            continue
        model = fit([r.components for r in train], labels, features)
        for i, (r, g) in enumerate(zip(records, groups, strict=True)):
            if g == k:
                probs[i] = model.probability(r.components) or 0.0
    return probs


def _measure(
    records: Sequence[FeedbackRecord], publishes: Sequence[bool], confidence: float
) -> tuple[float | None, float | None, float]:
    """(precision, its lower bound, review rate) of a rule on the records, spot checks
    weighted 1/rate: an estimate for every photo routed, not only the reviewed ones."""
    chosen = [(int(r.approved), r.weight) for r, p in zip(records, publishes, strict=True) if p]
    total = sum(r.weight for r in records)
    review_rate = 1.0 - sum(w for _, w in chosen) / total if total else 1.0
    if not chosen:
        return None, None, review_rate
    labels, weights = zip(*chosen, strict=True)
    est, lower, _ = weighted_lower_bound(list(labels), list(weights), confidence)
    return est, lower, review_rate


def _best_cut(
    eligible: list[tuple[float, FeedbackRecord]], total_weight: float, policy: Policy
) -> _Cut | None:
    """The lowest cut on p(approve) that passes both tests, or None.

    * Full reviews: of the photos a person reviewed in full that the cut would
      publish (at least `min_auto_evidence`), the share approved has a lower
      bound at or above the target.
    * Spot checks: the spot-checked photos it would publish are not measurably
      worse than the target (upper bound at or above it, once there are
      `min_spot_checks`). Spot checks are not pooled with full reviews: each
      stands for 1/rate photos, and weighting them in would let a handful of
      them swamp the evidence.
    """
    ranked = sorted(eligible, key=lambda e: -e[0])
    best = None
    full_n = full_y = spot_n = spot_y = 0
    w_sum = wy_sum = 0.0
    for i, (p, r) in enumerate(ranked):
        y = int(r.approved)
        w_sum, wy_sum = w_sum + r.weight, wy_sum + r.weight * y
        if r.spot_check:
            spot_n, spot_y = spot_n + 1, spot_y + y
        else:
            full_n, full_y = full_n + 1, full_y + y
        if i + 1 < len(ranked) and ranked[i + 1][0] == p:
            continue  # a cut cannot split equal probabilities
        if full_n < policy.min_auto_evidence:
            continue
        lower = wilson_lower(full_y, full_n, policy.confidence)
        if lower < policy.target_precision:
            continue
        if (
            spot_n >= policy.min_spot_checks
            and wilson_upper(spot_y, spot_n, policy.confidence) < policy.target_precision
        ):
            continue
        best = _Cut(
            p, wy_sum / w_sum, full_y / full_n, lower, full_n, spot_n, 1 - w_sum / total_weight
        )
    return best


@dataclass(frozen=True)
class _Cut:
    cut: float
    precision: float  # of everything it auto-publishes, spot checks weighted 1/rate
    reviewed_precision: float  # of the fully reviewed photos it would publish
    lower: float  # the one-sided lower bound of that
    reviewed_n: int
    spot_checks: int
    review_rate: float


def _current_rule(current: ConfigVersion, category: str) -> tuple[_Rule, float]:
    th = current.thresholds.get(category) or current.thresholds["general"]
    routing = current.routing.get(category)
    if routing is None:
        return _Rule(None, 0.0, th["auto"]), th["review"]
    return _Rule(routing.model, routing.auto_probability, th["auto"]), th["review"]


def _learn_defaults(
    records: Sequence[FeedbackRecord],
    applied: Mapping[str, Mapping[str, float]],
    policy: Policy,
) -> dict[str, float]:
    """Render defaults from repeated corrections; `applied`: version -> defaults in force."""
    learned: dict[str, float] = {}
    n = len(records)
    for key in NUMERIC_CORRECTIONS:
        targets, nudges = [], []
        for r in records:
            raw = r.corrections.get(key)
            try:
                nudge = float(raw) if raw not in (None, "") else None
            except (TypeError, ValueError):
                nudge = None
            if nudge is None or nudge == 0:
                continue
            nudges.append(nudge)
            targets.append(applied.get(r.config_version, {}).get(key, 0.0) + nudge)
        if _repeats(len(nudges), n, policy) and _agree([x > 0 for x in nudges], policy):
            value = round(statistics.median(targets) / 0.005) * 0.005
            learned[key] = round(max(-policy.max_margin, min(policy.max_margin, value)), 3)
    for key, (grow, shrink) in CHOICE_CORRECTIONS.items():
        # "too_tight": the cut-out clips the product, grow it (+1 step); "too_loose": shrink.
        steps = []
        for r in records:
            raw = r.corrections.get(key)
            if raw in (grow, shrink):
                step = 1 if raw == grow else -1
                steps.append(applied.get(r.config_version, {}).get(key, 0) + step)
        if _repeats(len(steps), n, policy) and _agree([s > 0 for s in steps], policy):
            value = round(statistics.median(steps))
            learned[key] = float(max(-policy.max_cutout, min(policy.max_cutout, value)))
    return learned


def _repeats(count: int, n: int, policy: Policy) -> bool:
    return count >= policy.min_repeats and n > 0 and count / n >= policy.min_share


def _agree(signs: list[bool], policy: Policy) -> bool:
    if not signs:
        return False
    ups = sum(signs)
    return max(ups, len(signs) - ups) / len(signs) >= policy.min_agreement


def calibrate(
    records: Sequence[FeedbackRecord],
    current: ConfigVersion,
    policy: Policy,
    applied_defaults: Mapping[str, Mapping[str, Mapping[str, float]]] | None = None,
) -> Calibration:
    """Propose routing and defaults for every category; see the module docstring.

    `applied_defaults`: version -> category -> defaults in force, to turn relative
    corrections into absolute preferences and to judge routing only on renders made
    with today's defaults (missing versions count as none; None: no such filtering).
    """
    by_cat: dict[str, list[FeedbackRecord]] = {}
    for r in sorted(records, key=lambda r: (r.decided_at, r.task_id)):
        by_cat.setdefault(r.category, []).append(r)
    thresholds = {k: dict(v) for k, v in current.thresholds.items()}
    routing = dict(current.routing)
    defaults = {k: dict(v) for k, v in current.defaults.items()}
    evidence: dict[str, CategoryEvidence] = {}
    moved: list[str] = []
    for category in sorted(set(by_cat) | set(current.thresholds)):
        recs = by_cat.get(category, [])[-policy.max_records :]
        applied = {
            version: cats.get(category, {}) for version, cats in (applied_defaults or {}).items()
        }
        learned = _learn_defaults(recs, applied, policy) if recs else {}
        in_force = current.defaults.get(category, {})
        if learned and {**in_force, **learned} != in_force:
            # New render defaults: the decisions so far judged renders that will not be
            # made any more, so routing waits for decisions on the new ones.
            defaults[category] = {**in_force, **learned}
            evidence[category] = CategoryEvidence(
                n=len(recs),
                spot_checks=sum(r.spot_check for r in recs),
                approvals=sum(r.approved for r in recs),
                moved=True,
                reason="repeated corrections became render defaults; routing waits for "
                "decisions on renders made with them",
                defaults_learned=learned,
            )
            moved.append(category)
            continue
        if applied_defaults is not None:
            # Judge routing only on renders made with the defaults now in force.
            recs = [r for r in recs if applied.get(r.config_version, {}) == in_force]
        ev, changed = _calibrate_category(category, recs, current, policy, thresholds, routing)
        evidence[category] = ev
        if changed:
            moved.append(category)
    return Calibration(thresholds, routing, defaults, evidence, moved)


def _calibrate_category(
    category: str,
    recs: list[FeedbackRecord],
    current: ConfigVersion,
    policy: Policy,
    thresholds: dict[str, dict[str, float]],
    routing: dict[str, CategoryRouting],
) -> tuple[CategoryEvidence, bool]:
    n = len(recs)
    rule, review = _current_rule(current, category)
    cur_probs = [rule.model.probability(r.components) if rule.model else None for r in recs]
    cur_pub = [rule.publishes(r, review, p) for r, p in zip(recs, cur_probs, strict=True)]
    prec, lower, rate = _measure(recs, cur_pub, policy.confidence)
    seen = CategoryEvidence(
        n=n,
        spot_checks=sum(r.spot_check for r in recs),
        approvals=sum(r.approved for r in recs),
        precision_before=_r(prec),
        precision_before_lower_bound=_r(lower),
        review_rate_before=_r(rate) if n else None,
    )
    if n < policy.min_decisions:
        reason = f"{n} decisions; at least {policy.min_decisions} needed before routing moves"
        return seen.model_copy(update={"reason": reason}), False
    features = usable_features([r.components for r in recs])
    labels = [int(r.approved) for r in recs]
    if not features or len(set(labels)) < 2:
        reason = "every decision was the same, or no score component varied: nothing to learn"
        return seen.model_copy(update={"reason": reason}), False
    oof = out_of_fold(recs, features, policy.folds)
    # The current rule measurably misses the target: it no longer counts as a baseline.
    published = [int(r.approved) for r, pub in zip(recs, cur_pub, strict=True) if pub]
    failing = len(published) >= policy.min_spot_checks and (
        wilson_upper(sum(published), len(published), policy.confidence) < policy.target_precision
    )
    eligible = [
        (p, r) for p, r in zip(oof, recs, strict=True) if r.compliant and r.confidence >= review
    ]
    total = sum(r.weight for r in recs)
    found = _best_cut(eligible, total, policy)
    if found and (failing or found.review_rate <= rate - policy.min_gain):
        routing[category] = CategoryRouting(
            model=fit([r.components for r in recs], labels, features),
            auto_probability=round(found.cut, 6),
        )
        reason = (
            f"auto-publish when p(approve) ≥ {found.cut:.3f}: {found.reviewed_n} fully reviewed "
            f"photos it would publish were approved {found.reviewed_precision:.1%} of the time "
            f"(≥ {found.lower:.1%} at {policy.confidence:.0%}); {found.spot_checks} spot checks"
        )
        return seen.model_copy(
            update={
                "moved": True,
                "reason": reason,
                "estimated_precision": _r(found.precision),
                "precision_lower_bound": _r(found.lower),
                "evidence_n": found.reviewed_n,
                "expected_review_rate": _r(found.review_rate),
            }
        ), True
    if failing:
        routing.pop(category, None)
        thresholds[category] = {"auto": 1.0, "review": review}
        share = sum(published) / len(published)
        reason = (
            f"auto-publish was approved {share:.1%} of the time over {len(published)} checks, "
            f"measurably below the target, and no rule meets it: every photo goes to review"
        )
        return seen.model_copy(
            update={"moved": True, "reason": reason, "expected_review_rate": 1.0}
        ), True
    reason = "no rule reaches the target precision with enough evidence yet; nothing moved"
    return seen.model_copy(update={"reason": reason}), False


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
