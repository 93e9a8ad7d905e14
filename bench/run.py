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

This file is the sequence; the parts are modules of their own: the measured
processes (`bench.children`, which start `bench/child.py`), the figures and
verdicts (`bench.verdict`), the cost per photo (`bench.photo_cost` over
`bench.costs`), the machine record (`bench.machine`) and the printed table
(`bench.report`).

Usage: ``python bench/run.py [--out out/bench] [--repeat 3] [--rounds 3] [--bomb-repeat 200]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import costs, report  # noqa: E402
from bench.children import MEASURED, RENDER_VARIANTS, pool_rounds, run_child  # noqa: E402
from bench.machine import contention, machine_info  # noqa: E402
from bench.photo_cost import estimate  # noqa: E402
from bench.verdict import MEMORY_SHARE, TARGETS, exit_status, headline, judge, memory_fit  # noqa: E402


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
