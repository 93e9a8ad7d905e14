"""The benchmark's figures and verdicts, derived from the pooled child results.

`headline` turns the measured runs, the bomb check and the per-function memory
fit (`memory_fit`: each function's worst stage peak against its MemorySize in
template.yaml) into the target values; `judge` marks each target pass, miss or
not measured, and comparative targets not comparable when the files differ in
output settings; `exit_status` ranks the outcome (unfair 3 > gate missed 4 >
not measured 1 > 0). `TARGETS` and `GATES` are the numbers the issue set; only
gates, not noisy timings, fail the run. Pure functions (unit-tested).
"""

from __future__ import annotations

from typing import Any

from bench.children import RENDER_VARIANTS
from bench.photo_cost import stage_function

#: Largest share of a function's MemorySize a stage's peak RSS may reach.
MEMORY_SHARE = 0.8
TARGETS: dict[str, tuple[str, float]] = {
    "render_vs_pyvips_ratio": ("<=", 1.2),
    "per_photo_vs_minimal_ratio": ("<=", 1.5),
    "peak_rss_share_of_memory_size": ("<=", MEMORY_SHARE),
    "per_image_seconds": ("<=", 1.5),
    "bomb_refusal_ms": ("<=", 50.0),
}
#: Targets whose miss fails the exit status: not noisy, and a miss is a defect
#: (a Lambda killed for an accepted photo, a bomb decoded).
GATES = ("peak_rss_share_of_memory_size", "bomb_refusal_ms")
#: Targets that compare Lightbox with a reference: meaningless (and reported
#: as such) unless every file carries the same output settings.
COMPARATIVE = ("render_vs_pyvips_ratio", "per_photo_vs_minimal_ratio")


def _median(
    result: dict[str, Any] | None, phase: str | None = None, clock: str = "cpu"
) -> float | None:
    """Median seconds of a whole run or one phase, on the chosen clock."""
    if not result:
        return None
    if phase is None:
        return float(result["cpu_s" if clock == "cpu" else "wall_s"]["median"])
    found = result["phases_cpu" if clock == "cpu" else "phases"].get(phase)
    return float(found["median"]) if found else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def memory_fit(
    memory_runs: dict[str, dict[str, Any] | None], memory_mb: dict[str, int]
) -> dict[str, dict[str, Any]]:
    """Per function: the worst stage peak over all inputs against its MemorySize."""
    out: dict[str, dict[str, Any]] = {}
    for input_name, result in memory_runs.items():
        for stage, measured in ((result or {}).get("stages") or {}).items():
            function = stage_function(stage)
            peak = float(measured["peak_rss_mb"])
            row = out.get(function)
            if row is None or peak > row["peak_rss_mb"]:
                size = memory_mb[function]
                out[function] = {
                    "memory_size_mb": size,
                    "peak_rss_mb": peak,
                    "share": round(peak / size, 3),
                    "worst_input": input_name,
                    "worst_stage": stage,
                    "pass": peak <= MEMORY_SHARE * size,
                }
    return out


def headline(
    runs: dict[str, dict[str, Any] | None],
    bomb: dict[str, Any] | None,
    memory: dict[str, dict[str, Any]],
    clock: str,
) -> dict[str, Any]:
    """The target values (None when not measured) plus close relatives."""
    render = {name: _median(runs.get(name), "headline", clock) for name in RENDER_VARIANTS}
    no_encode = {name: _median(runs.get(name), "no-encode", clock) for name in RENDER_VARIANTS}
    stage_total = _median(runs.get("lightbox-render"), clock=clock)
    per_photo = _median(runs.get("lightbox-stages"), clock=clock)
    minimal = _median(runs.get("minimal-work"), clock=clock)
    png = (bomb or {}).get("cases", {}).get("png_40000x40000")
    cases = (bomb or {}).get("cases", {}).values()
    shares = [row["share"] for row in memory.values()]
    return {
        "render_vs_pyvips_ratio": _ratio(render["lightbox-render"], render["pyvips"]),
        "per_photo_vs_minimal_ratio": _ratio(per_photo, minimal),
        "peak_rss_share_of_memory_size": max(shares) if shares else None,
        "per_image_seconds": per_photo,
        "bomb_refusal_ms": png["ms"]["median"] if png else None,
        "bomb_refused_without_decoding": bool(bomb)
        and bomb["detector_works"]
        and all(c["refused"] and c["pixel_decode_calls"] == 0 for c in cases),
        "render_seconds": render,
        "render_seconds_excluding_encode": no_encode,
        "render_vs_pillow_idiomatic_ratio": _ratio(
            render["lightbox-render"], render["pillow-idiomatic"]
        ),
        "render_vs_pyvips_ratio_excluding_encode": _ratio(
            no_encode["lightbox-render"], no_encode["pyvips"]
        ),
        "render_stage_seconds_with_compliance": stage_total,
        "per_photo_seconds_domain_functions": _median(runs.get("lightbox-pipeline"), clock=clock),
        "minimal_work_seconds": minimal,
        "clock": clock,
    }


def judge(values: dict[str, Any], settings_matched: bool) -> dict[str, dict[str, Any]]:
    """Pass/miss per target; ``None`` when it could not be measured or compared."""
    verdicts: dict[str, dict[str, Any]] = {}
    for key, (op, limit) in TARGETS.items():
        value = values.get(key)
        ok = None if value is None else (value <= limit if op == "<=" else value >= limit)
        note = ""
        if key == "bomb_refusal_ms" and ok is not None:
            ok = ok and bool(values.get("bomb_refused_without_decoding"))
        if key in COMPARATIVE and not settings_matched:
            ok, note = None, "not comparable: the files differ in output settings"
        verdicts[key] = {
            "value": value,
            "target": f"{op} {limit:g}",
            "pass": ok,
            "gate": key in GATES,
            "note": note,
        }
    return verdicts


def exit_status(
    settings_matched: bool, verdicts: dict[str, dict[str, Any]], missing: list[str]
) -> tuple[int, list[str]]:
    """(exit status, reasons): unfair 3 > gate missed 4 > not measured 1 > 0."""
    reasons: list[str] = []
    status = 0
    if missing:
        status = 1
        reasons.append(f"could not measure: {', '.join(missing)}")
    gates = [k for k, v in verdicts.items() if v["gate"] and v["pass"] is False]
    if gates:
        status = 4
        reasons.append(f"gate missed: {', '.join(gates)}")
    if not settings_matched:
        status = 3
        reasons.append("unfair comparison: output settings differ between variants")
    return status, reasons
