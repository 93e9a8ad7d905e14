"""Words for a reviewer: the reason behind each score, and what would fix a compliance failure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

# Kept here, not imported from scoring.confidence, so the reviewer's wording does not
# move with scoring internals; a score without an entry is still shown, by value.
_SIGNALS: Mapping[str, tuple[str, str]] = {
    "segmentation": (
        "the product separates cleanly from the background",
        "the cut-out is uncertain: check its edges against the original",
    ),
    "sharpness": ("the product is in focus", "the photo is soft or shaken: check fine detail"),
    "exposure": ("the exposure is even", "the photo is too dark or has blown-out highlights"),
    "framing": (
        "the product is whole and fills the frame well",
        "the product is small in the frame or cut off at an edge",
    ),
    "compliance": (
        "every marketplace render passes its rules",
        "some marketplace renders fail their rules (see the renders)",
    ),
}
WEAK = 0.6

_FIXES: Sequence[tuple[str, str]] = (
    (
        "product fills",
        "Correct with a positive crop-margin nudge (less white margin); the renders are "
        "redone and re-checked before publishing.",
    ),
    (
        "not pure white",
        "Correct with 'cut-out too loose' so leftover background is removed, or reject and "
        "ask the seller for a plain backdrop.",
    ),
    (
        "border around it",
        "Correct with 'cut-out too loose' or a crop-margin nudge; if the photo itself is framed, "
        "reject and ask for an unframed photo.",
    ),
    ("should be square", "A render setting, not the photo: reject and report it to the team."),
    ("megapixels", "A render setting, not the photo: reject and report it to the team."),
    (
        "longest side",
        "The photo is too small for this marketplace: reject and ask for a larger one.",
    ),
    ("colour profile", "A render setting, not the photo: reject and report it to the team."),
    ("limit is", "The render cannot fit the marketplace's size cap: reject and report it."),
)


def score_reasons(
    components: Mapping[str, float], weights: Mapping[str, float]
) -> list[dict[str, object]]:
    """One entry per score component: name, value, weight (None if not weighted), reason."""
    rows = []
    for name, value in components.items():
        good, bad = _SIGNALS.get(name, (f"{name} is fine", f"{name} is low"))
        verdict = good if value >= WEAK else bad
        rows.append(
            {
                "name": name,
                "value": round(float(value), 4),
                "weight": weights.get(name),
                "reason": f"{name} {float(value):.2f}: {verdict}.",
            }
        )
    return sorted(rows, key=lambda r: (r["weight"] is None, float(r["value"])))  # type: ignore[arg-type]


def fixes_for(failures: Sequence[str]) -> list[str]:
    """What would make a failing render compliant, one line per distinct fix."""
    fixes: list[str] = []
    for failure in failures:
        text = failure.lower()
        fix = next((f for needle, f in _FIXES if needle in text), None)
        fix = fix or "Reject with the failure as the reason, or correct the photo and re-render."
        if fix not in fixes:
            fixes.append(fix)
    return fixes
