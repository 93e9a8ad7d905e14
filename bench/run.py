"""`make bench`: how fast and how lean is Lightbox's image path on a 24 MP JPEG?

Measures, on one core, in one run:

* decode + the four marketplace renders with Lightbox's code, against a
  pyvips decode-once reference and a naive Pillow implementation (same
  canvases, same content geometry, same JPEG settings, checked afterwards);
* the whole per-image work (validate, segment, attributes, studio, render +
  compliance per marketplace), with the domain functions and again with the
  real stage functions (PNG intermediates included) as the Lambdas run them;
* peak RSS per variant (each variant in a fresh, pinned child process);
* the time to refuse decompression bombs, and proof no pixel was decoded;
* an AWS cost per 1000 photos from the measured durations, the memory sizes
  in template.yaml, the state transitions in the ASL and the request counts
  the stage code makes.

Writes ``<out>/results.json`` and prints a table. A missed target is a result,
not an error: the exit status is non-zero only if something could not be
measured.

Usage: ``python bench/run.py [--out out/bench] [--repeat 5] [--bomb-repeat 200]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import costs, report  # noqa: E402

CHILD = REPO / "bench" / "child.py"
CHILD_TIMEOUT_S = 600
#: Variants measured in their own process, in this order. ``required``: the
#: benchmark cannot report its headline numbers without them.
MEASURED: tuple[tuple[str, bool], ...] = (
    ("lightbox-render", True),
    ("lightbox-render-probes", False),
    ("pyvips", True),
    ("pyvips-thumbnail", False),
    ("naive-pillow", True),
    ("lightbox-pipeline", True),
    ("lightbox-stages", False),
)
TARGETS: dict[str, tuple[str, float]] = {
    "render_vs_pyvips_ratio": ("<=", 1.2),
    "render_vs_naive_pillow_speedup": (">=", 3.0),
    "per_image_seconds": ("<=", 1.5),
    # Not in the issue: the same 1.5 s applied to the stage functions as the
    # Lambdas run them (PNG intermediates included), because that is what a
    # deployed photo actually costs.
    "per_image_seconds_lambda_stages": ("<=", 1.5),
    "peak_rss_mb": ("<=", 512.0),
    "bomb_refusal_ms": ("<=", 50.0),
}
STAGE_FUNCTIONS = {
    "intake": "IntakeFunction",
    "validate": "ValidateFunction",
    "segment": "SegmentFunction",
    "attributes": "AttributesFunction",
    "draft_copy": "DraftCopyFunction",
    "enhance": "EnhanceFunction",
    "render": "RenderFunction",
    "score": "ScoreFunction",
    "publish": "PublishFunction",
}
#: Assumed per-invocation handler cost not in the measured domain work
#: (Powertools event parsing, JSON, logging); stretched like compute below 1 vCPU.
HANDLER_OVERHEAD_S = 0.003
#: Requests per stage as read from lightbox.pipeline.* (used only if the stage
#: run fails; normally the counting fakes measure these).
FALLBACK_COUNTS: dict[str, dict[str, int]] = {
    "intake": {},
    "validate": {"s3_gets": 3, "s3_puts": 1, "ddb_requests": 3, "ddb_wru": 2, "ddb_rru": 1},
    "segment": {"s3_gets": 1, "s3_puts": 1},
    "attributes": {"s3_gets": 1},
    "draft_copy": {},
    "enhance": {"s3_gets": 2, "s3_puts": 2},
    "render": {"s3_gets": 1, "s3_puts": 1},
    "score": {"ddb_requests": 2, "ddb_wru": 1, "ddb_rru": 1},
    "publish": {"s3_puts": 12, "ddb_requests": 2, "ddb_wru": 1, "ddb_rru": 1},
}


def child_env() -> dict[str, str]:
    """One thread for every library the children load; deterministic hashing."""
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VIPS_CONCURRENCY"):
        env[var] = "1"
    env["PYTHONHASHSEED"] = "0"
    env.pop("PYTHONPATH", None)
    return env


def run_child(args: list[str], result: Path) -> tuple[dict[str, Any] | None, str]:
    """Run bench/child.py; (parsed result, error text)."""
    result.unlink(missing_ok=True)
    cmd = [sys.executable, str(CHILD), *args, "--result", str(result)]
    try:
        proc = subprocess.run(
            cmd,
            cwd=REPO,
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None, f"timed out after {CHILD_TIMEOUT_S} s"
    if proc.returncode != 0 or not result.exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-12:]
        return None, f"exit {proc.returncode}: " + "\n".join(tail)
    return json.loads(result.read_text()), ""


# ------------------------------------------------------------------------ derive


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


def _sum_phases(result: dict[str, Any] | None, clock: str, *names: str) -> float | None:
    values = [_median(result, n, clock) for n in names]
    return None if not result or any(v is None for v in values) else sum(values)  # type: ignore[misc]


def headline(
    runs: dict[str, dict[str, Any] | None], bomb: dict[str, Any] | None, clock: str
) -> dict[str, Any]:
    """The required keys (None when not measured) plus close relatives."""
    lb = _median(runs.get("lightbox-render"), clock=clock)
    vips = _median(runs.get("pyvips"), clock=clock)
    naive = _median(runs.get("naive-pillow"), clock=clock)
    lightbox_peaks = [
        r["memory"]["peak_rss_mb"]
        for name in ("lightbox-render", "lightbox-pipeline", "lightbox-stages")
        if (r := runs.get(name))
    ]
    png = (bomb or {}).get("cases", {}).get("png_40000x40000")
    cases = (bomb or {}).get("cases", {}).values()
    out: dict[str, Any] = {
        "render_vs_pyvips_ratio": lb / vips if lb and vips else None,
        "render_vs_naive_pillow_speedup": naive / lb if lb and naive else None,
        "per_image_seconds": _median(runs.get("lightbox-pipeline"), clock=clock),
        "peak_rss_mb": max(lightbox_peaks) if lightbox_peaks else None,
        "bomb_refusal_ms": png["ms"]["median"] if png else None,
        "bomb_refused_without_decoding": bool(bomb)
        and bomb["detector_works"]
        and all(c["refused"] and c["pixel_decode_calls"] == 0 for c in cases),
        "lightbox_decode_render_seconds": lb,
        "pyvips_decode_render_seconds": vips,
        "naive_pillow_decode_render_seconds": naive,
        "per_image_seconds_lambda_stages": _median(runs.get("lightbox-stages"), clock=clock),
        "clock": clock,
    }
    # Same comparison without the JPEG encode all three share (same settings):
    # isolates decode + resize strategy from encoder cost.
    encode = _median(runs.get("lightbox-render-probes"), "encode_only", clock)
    vips_dr = _sum_phases(runs.get("pyvips"), clock, "decode", "resize+pad")
    naive_dr = _sum_phases(runs.get("naive-pillow"), clock, "decode", "resize+pad")
    if lb and encode is not None:
        lb_dr = lb - encode
        out["excluding_encode"] = {
            "lightbox_s": lb_dr,
            "pyvips_s": vips_dr,
            "naive_pillow_s": naive_dr,
            "ratio_vs_pyvips": lb_dr / vips_dr if vips_dr else None,
            "speedup_vs_naive": naive_dr / lb_dr if naive_dr else None,
            "note": "Lightbox encode time estimated by re-encoding its 4 outputs with the "
            "same settings (probe); references' encode measured directly.",
        }
    return out


def judge(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Pass/miss per target; ``None`` when it could not be measured."""
    verdicts: dict[str, dict[str, Any]] = {}
    for key, (op, limit) in TARGETS.items():
        value = values.get(key)
        ok = None if value is None else (value <= limit if op == "<=" else value >= limit)
        if key == "bomb_refusal_ms" and ok is not None:
            ok = ok and bool(values.get("bomb_refused_without_decoding"))
        verdicts[key] = {"value": value, "target": f"{op} {limit:g}", "pass": ok}
    return verdicts


# -------------------------------------------------------------------------- cost


def _stage_function(stage: str) -> str:
    return STAGE_FUNCTIONS[stage.split(":", 1)[0]]


def cost_inputs(
    runs: dict[str, dict[str, Any] | None], io_model: costs.IoModel, clock: str
) -> tuple[list[costs.Invocation], dict[str, dict[str, int]], str]:
    """Invocations with compute and modelled I/O, counts per stage, and the source."""
    phases_key = "phases_cpu" if clock == "cpu" else "phases"
    stages = runs.get("lightbox-stages")
    if stages:
        counts: dict[str, dict[str, int]] = stages["info"]["counts"]
        compute = {name: v["median"] for name, v in stages[phases_key].items()}
        source = "lightbox-stages (real stage functions, PNG intermediates, counting fakes)"
    else:
        pipeline = runs["lightbox-pipeline"]
        assert pipeline is not None
        phases = {name: v["median"] for name, v in pipeline[phases_key].items()}
        compute = {"intake": 0.0, "draft_copy": 0.0, "score": 0.0, "publish": 0.0}
        compute |= {k: phases[k] for k in ("validate", "segment", "attributes", "enhance")}
        counts = {k: dict(FALLBACK_COUNTS[k]) for k in compute}
        for name, seconds in phases.items():
            if name.startswith("render:"):
                m = name.split(":", 1)[1]
                compute[name] = seconds + phases.get(f"compliance:{m}", 0.0)
                counts[name] = dict(FALLBACK_COUNTS["render"])
        source = "lightbox-pipeline (domain functions; stage run failed, static counts)"
    invocations = []
    for stage, seconds in compute.items():
        c = counts.get(stage, {})
        io_s = io_model.seconds(
            c.get("s3_gets", 0) + c.get("s3_puts", 0),
            c.get("s3_bytes", 0),
            c.get("ddb_requests", 0),
        )
        invocations.append(
            costs.Invocation(_stage_function(stage), stage, seconds + HANDLER_OVERHEAD_S, io_s)
        )
    return invocations, counts, source


def estimate(runs: dict[str, dict[str, Any] | None], clock: str) -> dict[str, Any]:
    memory, machine = costs.load_project_costs_inputs(REPO)
    io_model = costs.IoModel()
    invocations, counts, source = cost_inputs(runs, io_model, clock)
    marketplaces = sum(1 for inv in invocations if inv.stage.startswith("render:"))
    map_items = {
        name: marketplaces if "marketplaces" in path else 0 if "extras" in path else 1
        for name, path in costs.map_items_paths(machine).items()
    }
    transitions = costs.count_transitions(machine, "Published", map_items)
    totals = {
        key: sum(c.get(key, 0) for c in counts.values())
        for key in ("s3_gets", "s3_puts", "s3_bytes", "ddb_wru", "ddb_rru")
    }
    load_thresholds_rru = 1  # the state machine's own consistent GetItem (config)
    requests = costs.Requests(
        sfn_transitions=transitions,
        s3_puts=totals["s3_puts"],
        s3_gets=totals["s3_gets"],
        ddb_write_units=totals["ddb_wru"],
        ddb_read_units=totals["ddb_rru"] + load_thresholds_rru,
    )
    prices = costs.Prices()
    result = costs.estimate_cost(invocations, memory, requests, prices)
    per_1000 = result.per_1000
    removal_per_1000 = prices.background_removal_per_image * 1000
    return {
        "source": source,
        "marketplaces": marketplaces,
        "per_1000_usd": per_1000,
        "per_image_usd": result.per_image,
        "gb_seconds_per_image": result.gb_seconds,
        "lambda_invocations": result.invocations,
        "requests_per_image": {
            "lambda_invocations": len(invocations),
            "sfn_transitions": transitions,
            "sfn_publish_path": costs.path_to(machine, "Published"),
            "sfn_map_items": map_items,
            "s3_put_class": requests.s3_puts,
            "s3_get_class": requests.s3_gets,
            "s3_bytes_moved": totals["s3_bytes"],
            "ddb_write_units": requests.ddb_write_units,
            "ddb_read_units": requests.ddb_read_units,
        },
        "counts_by_stage": counts,
        "memory_mb_by_function": memory,
        "comparison": {
            "background_removal_alone_per_1000_usd": removal_per_1000,
            "lightbox_share_of_it": per_1000["total"] / removal_per_1000,
        },
        "prices": _asdict(prices),
        "io_model": _asdict(io_model),
        "assumptions": [
            "Publish path only: valid photo, auto-published, "
            f"{marketplaces} marketplaces, no studio extras, no retries, no human review. "
            f"Map iterations assumed: {map_items} (marketplaces Map = marketplaces "
            "rendered, extras Map = 0, any other Map = 1).",
            f"Lambda compute = {clock} seconds measured here on one core (median), plus an assumed "
            f"{HANDLER_OVERHEAD_S * 1000:.0f} ms handler overhead, stretched by "
            f"{costs.FULL_VCPU_MB}/MemorySize below {costs.FULL_VCPU_MB} MB (Lambda gives "
            "CPU in proportion to memory; the code is single-threaded, so more memory "
            "does not help above one vCPU). This CPU's single-core speed is taken as "
            "equal to Lambda's.",
            "Lambda I/O time is modelled, not measured: "
            f"{io_model.s3_latency_s * 1000:.0f} ms per S3 request + bytes at "
            f"{io_model.s3_bytes_per_s / 1e6:.0f} MB/s, {io_model.ddb_latency_s * 1000:.0f} ms "
            "per DynamoDB request.",
            "Warm invocations: cold-start INIT time is not included.",
            "Step Functions Standard transitions counted on the real ASL: every state "
            "entered, including Parallel/Map states and every state in their branches "
            "and iterations.",
            "S3/DynamoDB request counts are what the stage code did against counting "
            "fakes (HEAD billed as GET class, COPY as PUT class); DynamoDB units from "
            "item sizes; +1 RRU for LoadThresholds. DynamoDB at the issue's $1.25/M WRU "
            "($0.25/M RRU); AWS's Nov 2024 on-demand prices are half that.",
            "Not included: S3 storage, data transfer, CloudWatch Logs, EventBridge "
            "(AWS service events are free), KMS (SSE-S3 has no request charge).",
        ],
    }


def _asdict(obj: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(obj)


# ------------------------------------------------------------------------- info


def contention(runs: dict[str, dict[str, Any] | None], load_start: tuple[float, ...]) -> dict:
    """Was the pinned core shared? CPU/wall per variant near 1.0 means no."""
    ratios = {
        name: round(r["cpu_s"]["median"] / r["wall_s"]["median"], 3)
        for name, r in runs.items()
        if r and r["wall_s"]["median"] > 0
    }
    low = [name for name, ratio in ratios.items() if ratio < 0.95]
    return {
        "loadavg_start": [round(v, 2) for v in load_start],
        "loadavg_end": [round(v, 2) for v in os.getloadavg()],
        "cpu_over_wall": ratios,
        "contended_variants": low,
        "note": "CPU/wall < 0.95: another process shared the pinned core during that "
        "variant; wall times are inflated, CPU times much less so."
        if low
        else "no contention seen on the pinned core",
    }


def machine_info(runs: dict[str, dict[str, Any] | None]) -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass

    def version(dist: str) -> str | None:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    vips_info = (runs.get("pyvips") or {}).get("info", {})
    lb_info = (runs.get("lightbox-render") or {}).get("info", {})
    return {
        "cpu_model": cpu,
        "logical_cpus": os.cpu_count(),
        "pinned_cpu": (runs.get("lightbox-render") or {}).get("affinity"),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "pillow": version("pillow"),
        "libjpeg_turbo": lb_info.get("libjpeg_turbo"),
        "numpy": version("numpy"),
        "pyvips": version("pyvips"),
        "libvips": vips_info.get("libvips"),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


# -------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("out/bench"))
    parser.add_argument("--repeat", type=int, default=5, help="measured runs per variant")
    parser.add_argument("--bomb-repeat", type=int, default=200)
    parser.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="headline clock: one-core CPU seconds (robust on a shared machine; equal to "
        "wall time on an idle pinned core) or wall seconds",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    out = args.out if args.out.is_absolute() else (Path.cwd() / args.out)
    raw, outputs = out / "raw", out / "outputs"
    raw.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(outputs, ignore_errors=True)
    started = time.perf_counter()
    load_start = os.getloadavg()
    errors: dict[str, str] = {}
    say = report.progress

    say("input: generating / reusing the 24 MP photo")
    gen, err = run_child(["generate", "--input-dir", str(out / "input")], raw / "generate.json")
    if gen is None:
        print(f"could not create the benchmark photo: {err}", file=sys.stderr)
        return 2
    photo = Path(gen["path"])

    say("bomb: refusing decompression bombs")
    bomb, err = run_child(["bomb", "--repeat", str(args.bomb_repeat)], raw / "bomb.json")
    if err:
        errors["bomb"] = err

    runs: dict[str, dict[str, Any] | None] = {}
    for variant, _required in MEASURED:
        say(f"measure: {variant} (warm-up + {args.repeat} runs)")
        cmd = ["measure", variant, "--input", str(photo), "--repeat", str(args.repeat)]
        runs[variant], err = run_child(
            [*cmd, "--save", str(outputs / variant)], raw / f"{variant}.json"
        )
        if err:
            errors[variant] = err

    say("verify: output sizes, encoder settings, PSNR")
    checks, err = run_child(["verify", "--outputs", str(outputs)], raw / "verify.json")
    if err:
        errors["verify"] = err

    values = headline(runs, bomb, args.clock)
    cost: dict[str, Any] | None = None
    if runs.get("lightbox-stages") or runs.get("lightbox-pipeline"):
        try:
            cost = estimate(runs, args.clock)
        except (OSError, KeyError, ValueError) as exc:
            errors["cost"] = f"{type(exc).__name__}: {exc}"
    results: dict[str, Any] = {
        **{k: values[k] for k in TARGETS},
        "bomb_refused_without_decoding": values["bomb_refused_without_decoding"],
        "cost_per_1000_images_usd": cost["per_1000_usd"]["total"] if cost else None,
        "targets": judge(values),
        "summary": values,
        "input": {"path": str(photo), "bytes": photo.stat().st_size, "size": [6000, 4000]},
        "repeat": args.repeat,
        "variants": runs,
        "bomb": bomb,
        "output_checks": (checks or {}).get("files"),
        "cost": cost,
        "machine": machine_info(runs),
        "contention": contention(runs, load_start),
        "errors": errors,
        "bench_seconds": round(time.perf_counter() - started, 1),
    }
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    report.print_report(results, out / "results.json")

    missing = [v for v, required in MEASURED if required and not runs.get(v)]
    if bomb is None:
        missing.append("bomb")
    if missing:
        print(f"could not measure: {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
