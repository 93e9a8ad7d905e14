"""``make eval-segmentation``: the pipeline's segmentation and confidence against
ground truth.

Every case (see `dataset`) goes through the production code path: the JPEG
bytes through `validation.photo.inspect_photo` (the Validate stage: working
image, sharpness and exposure), `imaging.segment.segment_foreground` on the
working image (the Segment stage), and `scoring.confidence.score_listing`
with the Score stage's signals. The u2netp model alone (rembg's standard
pre- and post-processing: the photo squashed to 320², the map stretched back
and cut at 0.5) is the reference row.

A photo "auto-publishes" when validation accepts it and its listing
confidence reaches the category's built-in `auto` level (renders are assumed
compliant: compliance can only block). Confidence is judged on the
``holdout`` split; ``calibration`` is the half its constants may be tuned on.

Writes ``OUT/results.json``, ``OUT/report.md``, ``OUT/reliability.png`` and
``OUT/cases/<name>.png`` (photo | truth | pipeline | model alone).

    python bench/eval_segmentation/run.py [--out out/eval-segmentation] [--no-samples]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.eval_segmentation import dataset, fetch  # noqa: E402
from bench.eval_segmentation.metrics import (  # noqa: E402
    auroc,
    boundary_f,
    iou,
    reliability,
    spearman,
)
from lightbox.imaging import mask_quality, u2net  # noqa: E402
from lightbox.imaging.segment import ALPHA_ON, SegmentResult, segment_foreground  # noqa: E402
from lightbox.pipeline.decide import _touches_edge  # noqa: E402
from lightbox.scoring.confidence import (  # noqa: E402
    ComplianceSummary,
    Score,
    framing_signal,
    score_listing,
)
from lightbox.scoring.thresholds import builtin_config  # noqa: E402
from lightbox.validation.photo import PhotoCheck, inspect_photo  # noqa: E402

#: A cut-out below this IoU must never auto-publish.
BAD_IOU = 0.9
#: A cut-out at or above this IoU should not need a person.
GOOD_IOU = 0.97


@dataclass
class Row:
    name: str
    tags: tuple[str, ...]
    split: str
    iou: float
    bf: float
    model_iou: float
    model_bf: float
    seg_seconds: float
    model_seconds: float
    seg_confidence: float
    listing_confidence: float
    validated: bool
    auto: bool
    method: str
    reasons: list[str] = field(default_factory=list)
    signals: dict[str, float] = field(default_factory=dict)
    components: dict[str, float] = field(default_factory=dict)


def _truth_at(truth: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    if truth.shape == (size[1], size[0]):
        return truth
    img = Image.fromarray(truth.astype(np.uint8) * 255, "L").resize(size, Image.Resampling.BOX)
    return np.asarray(img) >= 128


def evaluate(case: dataset.Case, out: Path) -> Row:
    data = case.jpeg()
    check, working = inspect_photo(data, f"{case.name}.jpg")
    assert working is not None, f"{case.name} did not decode"
    working = working.convert("RGB")
    truth = _truth_at(case.truth, working.size)

    start = time.perf_counter()
    result = segment_foreground(working)
    seg_seconds = time.perf_counter() - start
    pred = np.asarray(result.mask) >= ALPHA_ON

    start = time.perf_counter()
    model = np.asarray(u2net.alpha_mask(working)) >= ALPHA_ON
    model_seconds = time.perf_counter() - start

    score, auto = listing_route(case, check, working, result, result.confidence)
    row = Row(
        name=case.name,
        tags=case.tags,
        split=case.split,
        iou=iou(pred, truth),
        bf=boundary_f(pred, truth),
        model_iou=iou(model, truth),
        model_bf=boundary_f(model, truth),
        seg_seconds=seg_seconds,
        model_seconds=model_seconds,
        seg_confidence=result.confidence,
        listing_confidence=score.confidence,
        validated=check.ok,
        auto=auto,
        method=result.method,
        reasons=list(check.reasons if not check.ok else score.reasons),
        signals={k: round(float(v), 4) for k, v in result.signals.items()},
        components={k: round(float(v), 4) for k, v in score.components.items()},
    )
    _save_strip(out / "cases" / f"{case.name}.png", working, truth, pred, model)
    return row


def listing_route(
    case: dataset.Case,
    check: PhotoCheck,
    working: Image.Image,
    result: SegmentResult,
    segmentation: float,
) -> tuple[Score, bool]:
    """The Score stage's listing score with `segmentation` as the cut-out's
    confidence, and whether it auto-publishes (category's built-in level)."""
    metrics = check.metrics
    signals = {
        "segmentation": segmentation,
        "sharpness": metrics.get("sharpness", 0.0),
        "exposure": metrics.get("exposure", 0.0),
        "framing": framing_signal(
            result.coverage, _touches_edge(list(result.bbox or []), *working.size)
        ),
    }
    score = score_listing(signals, [ComplianceSummary("amazon", True)])
    level = builtin_config().for_category(case.category).auto
    return score, check.ok and score.compliant and score.confidence >= level


def _save_strip(
    path: Path, photo: Image.Image, truth: np.ndarray, pred: np.ndarray, model: np.ndarray
) -> None:
    """Photo | truth | pipeline | model alone (errors: red = extra, blue = missed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    small = photo.copy()
    small.thumbnail((320, 320))
    size = small.size

    def panel(mask: np.ndarray) -> Image.Image:
        m = np.asarray(Image.fromarray(mask.astype(np.uint8) * 255).resize(size)) >= 128
        t = np.asarray(Image.fromarray(truth.astype(np.uint8) * 255).resize(size)) >= 128
        arr = np.full((*m.shape, 3), 235, np.uint8)
        arr[m & t] = (40, 40, 40)
        arr[m & ~t] = (220, 40, 40)
        arr[~m & t] = (40, 90, 230)
        return Image.fromarray(arr)

    strip = Image.new("RGB", (size[0] * 4 + 12, size[1]), "white")
    for i, img in enumerate((small, panel(truth), panel(pred), panel(model))):
        strip.paste(img, (i * (size[0] + 4), 0))
    strip.save(path)


# -------------------------------------------------------------------- report


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def summarise(rows: list[Row]) -> dict:
    hold = [r for r in rows if r.split == "holdout"]
    good = [r for r in hold if r.iou >= GOOD_IOU]
    dangerous = [r for r in rows if r.auto and r.iou < BAD_IOU]
    worse = [r for r in rows if r.iou < r.model_iou - 0.02]

    def conf_stats(sel: list[Row]) -> dict:
        return {
            name: {
                "spearman": round(
                    spearman([getattr(r, attr) for r in sel], [r.iou for r in sel]), 3
                ),
                "auroc_iou_below_0_9": round(
                    auroc([-getattr(r, attr) for r in sel], [r.iou < BAD_IOU for r in sel]), 3
                ),
            }
            for name, attr in (
                ("segmentation", "seg_confidence"),
                ("listing", "listing_confidence"),
            )
        }

    holdout_stats = conf_stats(hold)
    return {
        "cases": len(rows),
        "holdout_cases": len(hold),
        "mean_iou": round(_mean([r.iou for r in rows]), 4),
        "model_alone_mean_iou": round(_mean([r.model_iou for r in rows]), 4),
        "worst_iou": round(min(r.iou for r in rows), 4),
        "model_alone_worst_iou": round(min(r.model_iou for r in rows), 4),
        "boundary_f": round(_mean([r.bf for r in rows]), 4),
        "model_alone_boundary_f": round(_mean([r.model_bf for r in rows]), 4),
        "segment_seconds_mean": round(_mean([r.seg_seconds for r in rows]), 3),
        "model_seconds_mean": round(_mean([r.model_seconds for r in rows]), 3),
        "worse_than_model_by_0_02": [r.name for r in worse],
        # Judged on the held-out split (the calibration split tuned the constants).
        "auroc_iou_below_0_9": holdout_stats["segmentation"]["auroc_iou_below_0_9"],
        "spearman": holdout_stats["segmentation"]["spearman"],
        "confidence_holdout": holdout_stats,
        "confidence_all": conf_stats(rows),
        "dangerous": [
            {"name": r.name, "iou": round(r.iou, 4), "listing_confidence": r.listing_confidence}
            for r in dangerous
        ],
        "needless_review_share": round(sum(1 for r in good if not r.auto) / len(good), 4)
        if good
        else 0.0,
        "needless_review": [r.name for r in good if not r.auto],
        "needless_review_share_all": round(
            sum(1 for r in rows if r.iou >= GOOD_IOU and not r.auto)
            / max(1, sum(1 for r in rows if r.iou >= GOOD_IOU)),
            4,
        ),
        "auto_published": sum(1 for r in rows if r.auto),
        "lowered_by_busy_backdrop": lowered_by_busy_backdrop(rows),
        "quarantined": [r.name for r in rows if not r.validated],
        "by_tag": by_tag(rows),
        "signal_screen": signal_screen(rows),
        "rows": [row.__dict__ for row in rows],
    }


#: Signals screened for how well each alone tracks the mask's error, with the
#: direction in which it means "better" (+1) or "worse" (-1).
SCREENED_SIGNALS = {
    "unsure_share": -1,
    "fragmentation": -1,
    "agreement_iou": 1,
    "backdrop_busy": -1,
    "see_through": -1,
    "boundary_contrast": 1,
    "contrast_ratio": 1,
    "edge_ratio": 1,
}


def signal_screen(rows: list[Row]) -> dict[str, dict[str, dict[str, float]]]:
    """Per split, each screened signal alone: Spearman with IoU and AUROC for
    IoU < 0.9 (oriented so 1.0 is perfect), model-path photos only."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for split in ("calibration", "holdout"):
        sel = [r for r in rows if r.split == split and r.signals.get("model_used")]
        out[split] = {}
        for name, sign in SCREENED_SIGNALS.items():
            values = [sign * r.signals.get(name, 0.0) for r in sel]
            out[split][name] = {
                "spearman": round(spearman(values, [r.iou for r in sel]), 3),
                "auroc_iou_below_0_9": round(
                    auroc([-v for v in values], [r.iou < BAD_IOU for r in sel]), 3
                ),
            }
    return out


def lowered_by_busy_backdrop(rows: list[Row]) -> list[dict[str, float | str]]:
    """Photos whose segmentation confidence the busy-backdrop gate lowered:
    texture or clutter around a mask the classical method does not confirm."""
    no_gate = mask_quality.BusyGate(full=math.inf, agreement_lo=0.0)
    out: list[dict[str, float | str]] = []
    for r in rows:
        if not r.signals.get("model_used"):
            continue
        without = round(mask_quality.confidence(r.signals, no_gate), 4)
        if without > r.seg_confidence + 1e-3:
            row = {"name": r.name, "iou": round(r.iou, 4), "without": without}
            out.append({**row, "with": r.seg_confidence})
    return out


def by_tag(rows: list[Row]) -> dict[str, dict[str, float]]:
    tags = sorted({t for r in rows for t in r.tags})
    out = {}
    for tag in tags:
        sel = [r for r in rows if tag in r.tags]
        out[tag] = {
            "n": len(sel),
            "mean_iou": round(_mean([r.iou for r in sel]), 4),
            "model_mean_iou": round(_mean([r.model_iou for r in sel]), 4),
            "worst_iou": round(min(r.iou for r in sel), 4),
            "boundary_f": round(_mean([r.bf for r in sel]), 4),
            "model_boundary_f": round(_mean([r.model_bf for r in sel]), 4),
            "auto": sum(1 for r in sel if r.auto),
        }
    return out


def markdown(summary: dict) -> str:
    s = summary
    lines = [
        "# Segmentation against ground truth",
        "",
        f"{s['cases']} photos ({s['holdout_cases']} held out for judging the confidence).",
        "",
        "| | mean IoU | worst IoU | boundary F | time (s) |",
        "|---|---|---|---|---|",
        f"| Lightbox segmentation | {s['mean_iou']:.3f} | {s['worst_iou']:.3f} "
        f"| {s['boundary_f']:.3f} | {s['segment_seconds_mean']:.2f} |",
        f"| u2netp alone | {s['model_alone_mean_iou']:.3f} | {s['model_alone_worst_iou']:.3f} "
        f"| {s['model_alone_boundary_f']:.3f} | {s['model_seconds_mean']:.2f} |",
        "",
        "## By difficulty",
        "",
        "| tag | n | mean IoU | model IoU | worst | boundary F | model BF | auto |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for tag, t in s["by_tag"].items():
        lines.append(
            f"| {tag} | {t['n']} | {t['mean_iou']:.3f} | {t['model_mean_iou']:.3f} "
            f"| {t['worst_iou']:.3f} | {t['boundary_f']:.3f} | {t['model_boundary_f']:.3f} "
            f"| {t['auto']} |"
        )
    lines += [
        "",
        "## Confidence (held-out split)",
        "",
        "| confidence | Spearman with IoU | AUROC for IoU < 0.9 |",
        "|---|---|---|",
    ]
    for name, st in s["confidence_holdout"].items():
        lines.append(f"| {name} | {st['spearman']:.3f} | {st['auroc_iou_below_0_9']:.3f} |")
    lines += [
        "",
        "Each signal alone (oriented so higher means a better mask; AUROC for IoU < 0.9):",
        "",
        "| signal | Spearman (calibration) | AUROC (calibration) | Spearman (held out) "
        "| AUROC (held out) |",
        "|---|---|---|---|---|",
    ]
    screen = s["signal_screen"]
    for name in screen["holdout"]:
        cal, hold = screen["calibration"][name], screen["holdout"][name]
        lines.append(
            f"| {name} | {cal['spearman']:.3f} | {cal['auroc_iou_below_0_9']:.3f} "
            f"| {hold['spearman']:.3f} | {hold['auroc_iou_below_0_9']:.3f} |"
        )
    lines += [
        "",
        f"Auto-published: {s['auto_published']} of {s['cases']}.",
        f"Auto-published with IoU < 0.9: {len(s['dangerous'])} "
        + ", ".join(f"{d['name']} ({d['iou']:.3f})" for d in s["dangerous"]),
        f"Held-out photos with IoU ≥ 0.97 sent to review: {s['needless_review_share']:.1%} "
        + ", ".join(s["needless_review"]),
        "Lowered by the busy-backdrop gate (texture or clutter around a mask the classical "
        "method does not confirm): "
        + (
            ", ".join(
                f"{d['name']} (IoU {d['iou']:.3f}, {d['without']:.3f} → {d['with']:.3f})"
                for d in s["lowered_by_busy_backdrop"]
            )
            or "none"
        ),
        "Backdrop seen through a hole the mask covers (`see_through`, share of the mask; "
        "cut out of the classical cross-check): "
        + (
            ", ".join(
                f"{r['name']} (IoU {r['iou']:.3f}, {r['signals']['see_through']:.3f}, "
                f"confidence {r['seg_confidence']:.3f})"
                for r in s["rows"]
                if r["signals"].get("see_through", 0.0) > 0.0
            )
            or "none"
        ),
        f"More than 0.02 worse than the model alone: {', '.join(s['worse_than_model_by_0_02'])}",
        f"Quarantined at validation: {', '.join(s['quarantined']) or 'none'}",
        "",
        "## Photos",
        "",
        "| photo | split | IoU | model | BF | seg conf | listing | route |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(s["rows"], key=lambda r: r["iou"]):
        route = "auto" if r["auto"] else ("quarantine" if not r["validated"] else "review/reject")
        lines.append(
            f"| {r['name']} | {r['split']} | {r['iou']:.3f} | {r['model_iou']:.3f} "
            f"| {r['bf']:.3f} | {r['seg_confidence']:.3f} | {r['listing_confidence']:.3f} "
            f"| {route} |"
        )
    return "\n".join(lines) + "\n"


def reliability_plot(rows: list[Row], path: Path, auto_level: float) -> None:
    """IoU against each confidence: every photo (filled: held out), the mean IoU
    per confidence bin (line), IoU 0.9 and the auto-publish level."""
    panels = (
        ("segmentation confidence", "seg_confidence"),
        ("listing confidence", "listing_confidence"),
    )
    w, h, pad = 460, 420, 50
    img = Image.new("RGB", (w * len(panels), h), "white")
    draw = ImageDraw.Draw(img)
    for p, (title, attr) in enumerate(panels):
        x0, y0 = p * w + pad, 30
        pw, ph = w - pad - 20, h - pad - 40

        def xy(
            c: float, q: float, x0: int = x0, y0: int = y0, pw: int = pw, ph: int = ph
        ) -> tuple[float, float]:
            return x0 + c * pw, y0 + (1 - q) * ph

        draw.rectangle((x0, y0, x0 + pw, y0 + ph), outline="black")
        draw.text((x0, 8), f"{title} vs IoU", fill="black")
        for v in (0.0, 0.5, 1.0):
            draw.text((x0 + v * pw - 8, y0 + ph + 6), f"{v:.1f}", fill="black")
            draw.text((x0 - 30, y0 + (1 - v) * ph - 6), f"{v:.1f}", fill="black")
        draw.line((*xy(0, BAD_IOU), *xy(1, BAD_IOU)), fill=(200, 60, 60))
        draw.text((x0 + 4, xy(0, BAD_IOU)[1] - 14), "IoU 0.9", fill=(200, 60, 60))
        if attr == "listing_confidence":
            draw.line((*xy(auto_level, 0), *xy(auto_level, 1)), fill=(60, 140, 60))
            draw.text((xy(auto_level, 0)[0] + 3, y0 + ph - 14), "auto", fill=(60, 140, 60))
        for r in rows:
            cx, cy = xy(getattr(r, attr), max(r.iou, 0.0))
            box = (cx - 3, cy - 3, cx + 3, cy + 3)
            colour = (30, 80, 200) if r.iou >= BAD_IOU else (210, 40, 40)
            if r.split == "holdout":
                draw.ellipse(box, fill=colour)
            else:
                draw.ellipse(box, outline=colour)
        bins = reliability([getattr(r, a) for r in rows for a in [attr]], [r.iou for r in rows], 10)
        points = [xy((lo + hi) / 2, q) for lo, hi, q, _n in bins]
        if len(points) > 1:
            draw.line(points, fill="black", width=2)
    img.save(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "out" / "eval-segmentation")
    parser.add_argument("--no-samples", action="store_true", help="skip the demo samples")
    parser.add_argument("--only", help="evaluate only cases whose name contains this")
    args = parser.parse_args(argv)
    data = fetch.fetch()
    args.out.mkdir(parents=True, exist_ok=True)
    cases = dataset.build(data, samples=not args.no_samples)
    if args.only:
        cases = [c for c in cases if args.only in c.name]
    u2net.session()  # load once, outside the timed calls
    rows = []
    for case in cases:
        row = evaluate(case, args.out)
        rows.append(row)
        print(
            f"{case.name:40s} {case.split:11s} IoU {row.iou:.3f} model {row.model_iou:.3f} "
            f"conf {row.seg_confidence:.3f} listing {row.listing_confidence:.3f} "
            f"{'AUTO' if row.auto else ''} {row.seg_seconds:.2f}s",
            flush=True,
        )
    summary = summarise(rows)
    (args.out / "results.json").write_text(json.dumps(summary, indent=2) + "\n")
    (args.out / "report.md").write_text(markdown(summary))
    reliability_plot(
        rows, args.out / "reliability.png", builtin_config().for_category("general").auto
    )
    print(markdown(summary).split("## Photos")[0])
    print(f"wrote {args.out}/results.json, report.md, reliability.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
