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
enough decisions carry them and they agree in direction.
"""

from __future__ import annotations

import hashlib
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from lightbox.learning.bounds import weighted_lower_bound, wilson_lower, wilson_upper
from lightbox.learning.config import CategoryEvidence, CategoryRouting, ConfigVersion
from lightbox.learning.feedback import CHOICE_CORRECTIONS, NUMERIC_CORRECTIONS, FeedbackRecord
from lightbox.learning.model import LogisticModel, fit, usable_features


@dataclass(frozen=True)
class Policy:
    target_precision: float = 0.98
    min_decisions: int = 50  # per category, before anything moves
    min_auto_evidence: float = 30.0  # effective decisions behind the auto-publish set
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
) -> tuple[float | None, float | None, float, float]:
    """(precision, its lower bound, its upper bound, review rate) of a rule on the records."""
    chosen = [(int(r.approved), r.weight) for r, p in zip(records, publishes, strict=True) if p]
    total = sum(r.weight for r in records)
    review_rate = 1.0 - sum(w for _, w in chosen) / total if total else 1.0
    if not chosen:
        return None, None, 1.0, review_rate
    labels, weights = zip(*chosen, strict=True)
    est, lower, n_eff = weighted_lower_bound(list(labels), list(weights), confidence)
    upper = wilson_upper(est * n_eff, n_eff, confidence)
    return est, lower, upper, review_rate


def _best_cut(
    eligible: list[tuple[float, FeedbackRecord, bool]], total_weight: float, policy: Policy
) -> _Cut | None:
    """The lowest cut whose newly auto-published photos clear the target on their own.

    `eligible`: (probability, record, auto-published by the current rule).
    Photos the current rule already publishes are judged by their spot checks
    (see `_calibrate_category`); a move must not add photos worse than promised.
    """
    ranked = sorted(eligible, key=lambda e: -e[0])
    best = None
    all_w = all_wy = all_w2 = 0.0
    new_w = new_wy = new_w2 = 0.0
    for i, (p, r, already) in enumerate(ranked):
        w, y = r.weight, int(r.approved)
        all_w, all_wy, all_w2 = all_w + w, all_wy + w * y, all_w2 + w * w
        if not already:
            new_w, new_wy, new_w2 = new_w + w, new_wy + w * y, new_w2 + w * w
        if i + 1 < len(ranked) and ranked[i + 1][0] == p:
            continue  # a cut cannot split equal probabilities
        if not new_w:
            continue
        n_new = new_w * new_w / new_w2
        new_est = new_wy / new_w
        new_low = wilson_lower(new_est * n_new, n_new, policy.confidence)
        est = all_wy / all_w
        if n_new >= policy.min_auto_evidence and new_low >= policy.target_precision:
            n_all = all_w * all_w / all_w2
            low = wilson_lower(est * n_all, n_all, policy.confidence)
            best = _Cut(p, est, low, new_est, new_low, n_new, 1.0 - all_w / total_weight)
    return best


@dataclass(frozen=True)
class _Cut:
    cut: float
    precision: float  # of everything the rule auto-publishes (spot checks weighted)
    lower: float
    added_precision: float  # of the photos it newly auto-publishes
    added_lower: float
    added_n: float
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

    `applied_defaults`: version -> category -> defaults, to turn relative
    corrections into absolute preferences (missing versions count as none).
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
        ev, changed = _calibrate_category(category, recs, current, policy, thresholds, routing)
        applied = {
            version: cats.get(category, {}) for version, cats in (applied_defaults or {}).items()
        }
        learned = _learn_defaults(recs, applied, policy) if recs else {}
        if learned and {**defaults.get(category, {}), **learned} != defaults.get(category, {}):
            defaults[category] = {**defaults.get(category, {}), **learned}
            changed = True
            ev = ev.model_copy(update={"defaults_learned": learned})
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
    base = {
        "n": n,
        "spot_checks": sum(r.spot_check for r in recs),
        "approvals": sum(r.approved for r in recs),
    }
    rule, review = _current_rule(current, category)
    cur_probs = [rule.model.probability(r.components) if rule.model else None for r in recs]
    cur_pub = [rule.publishes(r, review, p) for r, p in zip(recs, cur_probs, strict=True)]
    prec, lower, upper, rate = _measure(recs, cur_pub, policy.confidence)
    before = {
        "precision_before": _r(prec),
        "precision_before_lower_bound": _r(lower),
        "review_rate_before": _r(rate) if n else None,
    }
    if n < policy.min_decisions:
        reason = f"{n} decisions; at least {policy.min_decisions} needed before routing moves"
        return CategoryEvidence(**base, **before, reason=reason), False
    features = usable_features([r.components for r in recs])
    labels = [int(r.approved) for r in recs]
    if not features or len(set(labels)) < 2:
        reason = "every decision was the same, or no score component varied: nothing to learn"
        return CategoryEvidence(**base, **before, reason=reason), False
    oof = out_of_fold(recs, features, policy.folds)
    # Auto-publish measurably worse than promised: no photo counts as vouched for.
    failing = prec is not None and upper < policy.target_precision
    eligible = [
        (p, r, pub and not failing)
        for p, r, pub in zip(oof, recs, cur_pub, strict=True)
        if r.compliant and r.confidence >= review
    ]
    total = sum(r.weight for r in recs)
    found = _best_cut(eligible, total, policy)
    if found and (failing or found.review_rate < rate):
        routing[category] = CategoryRouting(
            model=fit([r.components for r in recs], labels, features),
            auto_probability=round(found.cut, 6),
        )
        reason = (
            f"auto-publish when p(approve) ≥ {found.cut:.3f}: the photos this adds were "
            f"approved {found.added_precision:.1%} of the time (≥ {found.added_lower:.1%} at "
            f"{policy.confidence:.0%}, {found.added_n:.0f} decisions)"
        )
        return CategoryEvidence(
            **base,
            **before,
            moved=True,
            reason=reason,
            estimated_precision=_r(found.precision),
            precision_lower_bound=_r(found.lower),
            added_precision_lower_bound=_r(found.added_lower),
            expected_review_rate=_r(found.review_rate),
        ), True
    if failing:
        routing.pop(category, None)
        thresholds[category] = {"auto": 1.0, "review": review}
        reason = (
            f"auto-publish precision {prec:.3f} is below the target (≤ {upper:.3f} at "
            f"{policy.confidence:.0%}) and no rule meets it: every photo goes to review"
        )
        return CategoryEvidence(
            **base, **before, moved=True, reason=reason, expected_review_rate=1.0
        ), True
    reason = "no rule reaches the target precision with enough evidence yet; nothing moved"
    return CategoryEvidence(**base, **before, reason=reason), False


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
