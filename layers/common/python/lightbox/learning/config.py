"""Routing config versions: numbering, differences and rollback.

The stored item is `lightbox.models.config_version`.

A version holds, per category, the confidence thresholds (`auto`, `review`),
optionally a calibrated approval model with the probability at or above
which a photo auto-publishes, the category's learned render defaults, and
the spot-check share. Versions are never edited: calibration and rollback
write a new one (`v{n+1}`) whose `parent` is the version it replaced, so
every audit record's `thresholds_version` keeps meaning what it meant.
"""

from __future__ import annotations

from lightbox.models.config_version import CategoryRouting, ConfigVersion


def version_number(name: str) -> int:
    """`v12` -> 12; anything else (e.g. `builtin`) -> 0."""
    return int(name[1:]) if name.startswith("v") and name[1:].isdigit() else 0


def next_version(existing: list[str]) -> str:
    return f"v{max((version_number(v) for v in existing), default=0) + 1}"


def diff(old: ConfigVersion, new: ConfigVersion) -> list[str]:
    """One line per routing difference, e.g. `jewellery.auto: 0.9 -> 0.85`."""
    lines: list[str] = []
    for cat in sorted(set(old.thresholds) | set(new.thresholds)):
        a, b = old.thresholds.get(cat, {}), new.thresholds.get(cat, {})
        for key in ("auto", "review"):
            if a.get(key) != b.get(key):
                lines.append(f"{cat}.{key}: {a.get(key)} -> {b.get(key)}")
    for cat in sorted(set(old.routing) | set(new.routing)):
        ra, rb = old.routing.get(cat), new.routing.get(cat)
        if ra == rb:
            continue
        if ra is None or rb is None:
            was = "confidence thresholds" if ra is None else _routing_text(ra)
            now = "confidence thresholds" if rb is None else _routing_text(rb)
            lines.append(f"{cat}.routing: {was} -> {now}")
        else:
            lines.append(f"{cat}.routing: {_routing_text(ra)} -> {_routing_text(rb)}")
    for cat in sorted(set(old.defaults) | set(new.defaults)):
        a, b = old.defaults.get(cat, {}), new.defaults.get(cat, {})
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                lines.append(f"{cat}.defaults.{key}: {a.get(key)} -> {b.get(key)}")
    if old.spot_check_rate != new.spot_check_rate:
        lines.append(f"spot_check_rate: {old.spot_check_rate} -> {new.spot_check_rate}")
    return lines


def _routing_text(r: CategoryRouting) -> str:
    terms = len(r.model.terms)
    return f"p(approve) ≥ {r.auto_probability:.3f} on {', '.join(r.model.features)} ({terms} terms)"


def rollback(
    target: ConfigVersion, current: ConfigVersion, name: str, by: str, at: str
) -> ConfigVersion:
    """A new version routing exactly like `target`; `target` itself is never re-pointed to."""
    return ConfigVersion(
        version=name,
        parent=current.version,
        created_at=at,
        created_by=by,
        note=f"rollback to {target.version}",
        thresholds=target.thresholds,
        routing=target.routing,
        defaults=target.defaults,
        spot_check_rate=target.spot_check_rate,
        target_precision=target.target_precision,
        evidence=target.evidence,
    )
