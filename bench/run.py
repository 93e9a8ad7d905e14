"""`make bench`: Lightbox's image path against references doing the same work.

Measures, on one core, in one run:

* Render (the headline): what the Render Lambda runs per Map iteration,
  decode the studio intermediate + render one marketplace, for each of the
  four marketplaces, with Lightbox's Render stage function and with a pyvips
  reference and an idiomatic Pillow one (naive Pillow as an extra row); all
  from the same intermediate file, all writing the production JPEG settings;
* the whole per-photo work (the real stage functions, intermediates
  included) against a minimal-work row (pyvips + the same u2netp model in
  onnxruntime: decode, infer, composite on white, four renders);
* peak RSS of every image stage on the largest inputs the validator accepts
  (50 MP PNG, TIFF, WebP, 16-bit and float greyscale, RGBA cut-out) and on
  the 24 MP JPEG, against the MemorySize of the function that runs it;
* the time to refuse decompression bombs, and proof no pixel was decoded;
* an AWS cost per 1000 photos from the measured durations, the memory sizes
  in template.yaml, the state transitions in the ASL and the request counts
  the stage code makes.

Every output file's settings (baseline/progressive, quality, chroma
subsampling, optimised Huffman tables, ICC profile, canvas) are read back and
compared with production's (`bench/settings.py`). Writes
``<out>/results.json`` and prints a table.

Exit status: 0 when the comparison was fair and the gates held (a missed
timing target is printed loudly and recorded, but timings on a shared machine
are noisy, so it does not fail the run); 3 when the files differ in an output
setting (the comparison is unfair: FAIL); 4 when a gate missed (peak RSS over
the share of MemorySize allowed, or a bomb was decoded); 1 when something
required could not be measured; 2 when the inputs could not be made.

Every variant is measured in ``--rounds`` fresh processes, taken in turn with
the other variants, and the repetitions of all rounds are pooled: on a shared
machine a burst of load then hits every variant alike.

Usage: ``python bench/run.py [--out out/bench] [--repeat 3] [--rounds 3] [--bomb-repeat 200]``
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
CHILD_TIMEOUT_S = 900
#: Variants measured in their own process, in this order. ``required``: the
#: benchmark cannot report its headline numbers without them.
MEASURED: tuple[tuple[str, bool], ...] = (
    ("lightbox-render", True),
    ("pyvips", True),
    ("pillow-idiomatic", True),
    ("naive-pillow", False),
    ("lightbox-stages", True),
    ("lightbox-pipeline", False),
    ("minimal-work", True),
)
#: Variants that render from the studio intermediate (the rest from the photo).
RENDER_VARIANTS = ("lightbox-render", "pyvips", "pillow-idiomatic", "naive-pillow")
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
    "publish": {"s3_puts": 13, "ddb_requests": 2, "ddb_wru": 2, "ddb_rru": 1},
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


def _summary(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    mid = len(ordered) // 2
    median = ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    return {"median": median, "min": ordered[0], "max": ordered[-1]}


def pool_rounds(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One variant's result from several rounds (separate processes, run in turn
    with the other variants so they all see the same load): every repetition's
    time pooled, medians recomputed, the highest peak RSS kept."""
    if len(rounds) == 1:
        return rounds[0]
    pooled = dict(rounds[-1])
    samples: dict[str, Any] = {"wall_s": [], "cpu_s": [], "phases": {}, "phases_cpu": {}}
    for r in rounds:
        for clock in ("wall_s", "cpu_s"):
            samples[clock] += r["samples"][clock]
        for key in ("phases", "phases_cpu"):
            for name, values in r["samples"][key].items():
                samples[key].setdefault(name, []).extend(values)
    pooled["repeat"] = len(samples["cpu_s"])
    pooled["rounds"] = len(rounds)
    for clock in ("wall_s", "cpu_s"):
        pooled[clock] = _summary(samples[clock])
    for key in ("phases", "phases_cpu"):
        pooled[key] = {name: _summary(values) for name, values in samples[key].items()}
    pooled["memory"] = max((r["memory"] for r in rounds), key=lambda m: m["peak_rss_mb"])
    pooled["samples"] = samples
    return pooled


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


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def stage_function(stage: str) -> str:
    return STAGE_FUNCTIONS[stage.split(":", 1)[0]]


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


# -------------------------------------------------------------------------- cost


def cost_inputs(
    runs: dict[str, dict[str, Any] | None], io_model: costs.IoModel, clock: str
) -> tuple[list[costs.Invocation], dict[str, dict[str, int]], str]:
    """Invocations with compute and modelled I/O, counts per stage, and the source."""
    phases_key = "phases_cpu" if clock == "cpu" else "phases"
    stages = runs.get("lightbox-stages")
    if stages:
        counts: dict[str, dict[str, int]] = stages["info"]["counts"]
        compute = {name: v["median"] for name, v in stages[phases_key].items()}
        source = "lightbox-stages (real stage functions, JPEG/PNG intermediates, counting fakes)"
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
            costs.Invocation(stage_function(stage), stage, seconds + HANDLER_OVERHEAD_S, io_s)
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


def machine_info(runs: dict[str, dict[str, Any] | None], libjpeg: str | None) -> dict[str, Any]:
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
    return {
        "cpu_model": cpu,
        "logical_cpus": os.cpu_count(),
        "pinned_cpu": (runs.get("lightbox-render") or {}).get("affinity"),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "pillow": version("pillow"),
        "libjpeg_turbo": libjpeg,
        "numpy": version("numpy"),
        "onnxruntime": version("onnxruntime"),
        "pyvips": version("pyvips"),
        "libvips": vips_info.get("libvips"),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


# -------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("out/bench"))
    parser.add_argument("--repeat", type=int, default=3, help="measured runs per variant and round")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="times every variant is measured, in turn with the others, in a fresh "
        "process (so a burst of load on the shared machine hits them all alike)",
    )
    parser.add_argument("--bomb-repeat", type=int, default=200)
    parser.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="headline clock: one-core CPU seconds (robust on a shared machine; equal to "
        "wall time on an idle pinned core) or wall seconds",
    )
    parser.add_argument(
        "--skip-memory", action="store_true", help="leave out the worst-case memory rows"
    )
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.rounds < 1:
        parser.error("--repeat and --rounds must be at least 1")
    out = args.out if args.out.is_absolute() else (Path.cwd() / args.out)
    raw, outputs, inputs = out / "raw", out / "outputs", out / "input"
    raw.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(outputs, ignore_errors=True)
    started = time.perf_counter()
    load_start = os.getloadavg()
    errors: dict[str, str] = {}
    say = report.progress

    say("input: generating / reusing the 24 MP photo")
    gen, err = run_child(["generate", "--input-dir", str(inputs)], raw / "generate.json")
    if gen is None:
        print(f"could not create the benchmark photo: {err}", file=sys.stderr)
        return 2
    photo = Path(gen["path"])
    say("input: the studio intermediate (real stages up to Enhance on the photo)")
    prep, err = run_child(
        ["prepare", "--photo", str(photo), "--input-dir", str(inputs)], raw / "prepare.json"
    )
    if prep is None:
        print(f"could not make the studio intermediate: {err}", file=sys.stderr)
        return 2
    files = {"photo": photo, "intermediate": Path(prep["path"])}

    say("bomb: refusing decompression bombs")
    bomb, err = run_child(["bomb", "--repeat", str(args.bomb_repeat)], raw / "bomb.json")
    if err:
        errors["bomb"] = err

    rounds: dict[str, list[dict[str, Any]]] = {variant: [] for variant, _ in MEASURED}
    for n in range(1, args.rounds + 1):
        for variant, _required in MEASURED:
            source = "intermediate" if variant in RENDER_VARIANTS else "photo"
            say(
                f"measure: {variant} from the {source}, round {n}/{args.rounds} "
                f"(warm-up + {args.repeat} runs)"
            )
            cmd = ["measure", variant, "--input", str(files[source])]
            result, err = run_child(
                [*cmd, "--repeat", str(args.repeat), "--save", str(outputs / variant)],
                raw / f"{variant}-{n}.json",
            )
            if err:
                errors[f"{variant} round {n}"] = err
            elif result:
                rounds[variant].append(result)
    runs = {v: pool_rounds(r) if r else None for v, r in rounds.items()}

    say("verify: reading every output's settings back")
    checks, err = run_child(["verify", "--outputs", str(outputs)], raw / "verify.json")
    if err:
        errors["verify"] = err
    settings_matched = bool(checks and checks["settings_matched"])

    memory_runs: dict[str, dict[str, Any] | None] = {}
    worst: dict[str, Any] | None = None
    if not args.skip_memory:
        say("memory: generating / reusing the largest inputs the validator accepts")
        worst, err = run_child(["worst-cases", "--input-dir", str(inputs)], raw / "worst.json")
        if err:
            errors["worst-cases"] = err
        memory_inputs = {"jpeg-24mp": str(photo)}
        memory_inputs |= {k: v["path"] for k, v in ((worst or {}).get("inputs") or {}).items()}
        for name, path in memory_inputs.items():
            say(f"memory: {name} through validate, segment, attributes, enhance, render")
            memory_runs[name], err = run_child(
                ["memory", "--input", path], raw / f"memory-{name}.json"
            )
            if err or (memory_runs[name] or {}).get("error"):
                errors[f"memory {name}"] = err or memory_runs[name]["error"]  # type: ignore[index]
    try:
        memory_mb, _machine = costs.load_project_costs_inputs(REPO)
        fit = memory_fit(memory_runs, memory_mb)
    except (OSError, KeyError, ValueError) as exc:
        errors["memory sizes"] = f"{type(exc).__name__}: {exc}"
        fit = {}

    values = headline(runs, bomb, fit, args.clock)
    verdicts = judge(values, settings_matched)
    cost: dict[str, Any] | None = None
    if runs.get("lightbox-stages") or runs.get("lightbox-pipeline"):
        try:
            cost = estimate(runs, args.clock)
        except (OSError, KeyError, ValueError) as exc:
            errors["cost"] = f"{type(exc).__name__}: {exc}"
    missing = [v for v, required in MEASURED if required and not runs.get(v)]
    missing += [name for name, ok in (("bomb", bomb), ("verify", checks)) if not ok]
    if not args.skip_memory and (worst is None or not fit):
        missing.append("memory (worst-case inputs)")
    status, reasons = exit_status(settings_matched, verdicts, missing)
    results: dict[str, Any] = {
        **{k: values[k] for k in TARGETS},
        "settings_matched": settings_matched,
        "bomb_refused_without_decoding": values["bomb_refused_without_decoding"],
        "cost_per_1000_images_usd": cost["per_1000_usd"]["total"] if cost else None,
        "targets": verdicts,
        "missed": [k for k, v in verdicts.items() if v["pass"] is False],
        "exit_status": status,
        "exit_reasons": reasons,
        "summary": values,
        "input": {"path": str(photo), "bytes": photo.stat().st_size, "size": [6000, 4000]},
        "intermediate": prep,
        "repeat": args.repeat,
        "rounds": args.rounds,
        "variants": runs,
        "output_settings": {
            "expected": (checks or {}).get("expected"),
            "compared": (checks or {}).get("compared"),
            "files": (checks or {}).get("files"),
            "mismatches": (checks or {}).get("mismatches", []),
            "reader_disagreements": (checks or {}).get("reader_disagreements", []),
        },
        "memory": {
            "share_allowed": MEMORY_SHARE,
            "functions": fit,
            "worst_cases": worst,
            "inputs": memory_runs,
        },
        "bomb": bomb,
        "cost": cost,
        "machine": machine_info(runs, prep.get("libjpeg_turbo")),
        "contention": contention(runs, load_start),
        "errors": errors,
        "bench_seconds": round(time.perf_counter() - started, 1),
    }
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    report.print_report(results, out / "results.json")
    for reason in reasons:
        print(f"FAIL: {reason}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
