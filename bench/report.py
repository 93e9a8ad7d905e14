"""The benchmark's printed table (rich), built only from results.json's content.

Kept apart from run.py so what is printed can never disagree with what is
written: everything here reads the results dict.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

_console = Console(width=None if sys.stdout.isatty() else 150, highlight=False)

_LABELS = {
    "lightbox-render": "Lightbox Render stage (decode + render_for_marketplace)",
    "pyvips": "pyvips (one decode per render)",
    "pillow-idiomatic": "Pillow idiomatic (draft + reducing_gap)",
    "naive-pillow": "naive Pillow (extra row)",
    "lightbox-stages": "Lightbox stage functions (Lambda path)",
    "lightbox-pipeline": "Lightbox domain functions (no hand-offs)",
    "minimal-work": "minimal work (pyvips + onnxruntime u2netp)",
}
_RENDER = ("lightbox-render", "pyvips", "pillow-idiomatic", "naive-pillow")
_WHOLE = ("lightbox-stages", "lightbox-pipeline", "minimal-work")
_MARKETPLACES = ("amazon", "etsy", "shopify", "ebay")
_UNITS = {
    "render_vs_pyvips_ratio": "×",
    "per_photo_vs_minimal_ratio": "×",
    "peak_rss_share_of_memory_size": " of MemorySize",
    "per_image_seconds": " s",
    "bomb_refusal_ms": " ms",
}


def progress(message: str) -> None:
    _console.print(f"[dim]· {message}[/dim]")


def _s(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _verdict(ok: bool | None) -> str:
    return {True: "[green]PASS[/green]", False: "[red]MISS[/red]", None: "[yellow]n/a[/yellow]"}[ok]


def _targets(results: dict[str, Any]) -> Table:
    table = Table(title="Targets (one core)", title_justify="left")
    for col in ("metric", "value", "target", "result", "on a miss"):
        table.add_column(col)
    for key, verdict in results["targets"].items():
        value = verdict["value"]
        digits = 4 if key == "bomb_refusal_ms" else 2
        shown = "—" if value is None else f"{value:.{digits}f}{_UNITS.get(key, '')}"
        if key == "bomb_refusal_ms":
            shown += " (no pixels decoded)" if results["bomb_refused_without_decoding"] else ""
        if verdict.get("note"):
            shown += f" [yellow]({verdict['note']})[/yellow]"
        table.add_row(
            key,
            shown,
            verdict["target"],
            _verdict(verdict["pass"]),
            "fails the run" if verdict.get("gate") else "reported",
        )
    return table


def _clock_keys(results: dict[str, Any]) -> tuple[str, str]:
    cpu = results["summary"]["clock"] == "cpu"
    return ("cpu_s", "phases_cpu") if cpu else ("wall_s", "phases")


def _phase(run: dict[str, Any] | None, key: str, name: str) -> float | None:
    found = (run or {}).get(key, {}).get(name)
    return None if found is None else found["median"]


def _phase_sum(run: dict[str, Any] | None, key: str, suffix: str) -> float | None:
    values = [_phase(run, key, f"{m}:{suffix}") for m in _MARKETPLACES]
    return None if any(v is None for v in values) else sum(values)  # type: ignore[misc]


def _reps(results: dict[str, Any]) -> str:
    rounds = results.get("rounds", 1)
    return f"{rounds} rounds x {results['repeat']} runs" if rounds > 1 else str(results["repeat"])


def _render(results: dict[str, Any]) -> Table:
    _total_key, key = _clock_keys(results)
    lb = _phase(results["variants"].get("lightbox-render"), key, "headline")
    table = Table(
        title="Render from the same studio intermediate, per Map iteration: decode + "
        f"render one marketplace, x4 (median of {_reps(results)}, one-core "
        f"{results['summary']['clock']} s)",
        title_justify="left",
    )
    cols = ("variant", "total", "Lightbox ÷ this", *_MARKETPLACES, "decode", "resize+pad")
    for col in (*cols, "encode", "excl. encode", "peak RSS"):
        table.add_column(col, overflow="fold")
    for name in _RENDER:
        run = results["variants"].get(name)
        if not run:
            table.add_row(_LABELS[name], "[red]failed[/red]", *[""] * 10)
            continue
        total = _phase(run, key, "headline")
        table.add_row(
            _LABELS[name],
            _s(total),
            "1.00" if name == "lightbox-render" else _s(lb / total if lb and total else None, 2),
            *[_s(_phase(run, key, f"{m}:headline")) for m in _MARKETPLACES],
            _s(_phase_sum(run, key, "decode")),
            _s(_phase_sum(run, key, "resize+pad")),
            _s(_phase_sum(run, key, "encode")),
            _s(_phase(run, key, "no-encode")),
            f"{run['memory']['peak_rss_mb']:.0f} MB",
        )
    run = results["variants"].get("lightbox-render")
    if run:
        extra = [_phase_sum(run, key, p) for p in ("compliance", "put")]
        table.caption = (
            f"Lightbox's Render stage also checks compliance ({_s(extra[0])} s) and uploads "
            f"({_s(extra[1])} s): {_s(run[_total_key]['median'])} s for the four invocations. "
            "'Lightbox ÷ this' < 1: Lightbox is faster than that variant."
        )
    return table


def _whole(results: dict[str, Any]) -> Table:
    total_key, key = _clock_keys(results)
    table = Table(
        title=f"Whole per-photo work, from the 24 MP JPEG (median of {_reps(results)})",
        title_justify="left",
    )
    for col in ("variant", "median", "min–max", "wall", "phases (median)", "peak RSS"):
        table.add_column(col, overflow="fold")
    for name in _WHOLE:
        run = results["variants"].get(name)
        if not run:
            table.add_row(_LABELS[name], "[red]failed[/red]", "", "", "", "")
            continue
        phases = ", ".join(f"{k} {v['median']:.3f}" for k, v in run[key].items())
        table.add_row(
            _LABELS[name],
            _s(run[total_key]["median"]),
            f"{run[total_key]['min']:.3f}–{run[total_key]['max']:.3f}",
            _s(run["wall_s"]["median"]),
            phases,
            f"{run['memory']['peak_rss_mb']:.0f} MB",
        )
    return table


def _stages(results: dict[str, Any]) -> Table:
    total_key, phases_key = _clock_keys(results)
    domain = (results["variants"].get("lightbox-pipeline") or {}).get(phases_key, {})
    stages = (results["variants"].get("lightbox-stages") or {}).get(phases_key, {})
    billed = {
        row["stage"]: row for row in ((results.get("cost") or {}).get("lambda_invocations") or [])
    }
    table = Table(
        title="Per-stage breakdown of one photo (median seconds; 'intermediates' = what "
        "the S3 hand-offs add)",
        title_justify="left",
    )
    for col in (
        "stage",
        "domain fn",
        "Lambda stage",
        "intermediates",
        "function",
        "MB",
        "billed s",
    ):
        table.add_column(col)
    names = list(dict.fromkeys([*stages, *(k for k in domain if not k.startswith("compl"))]))
    for name in names:
        d = domain.get(name, {}).get("median")
        if name.startswith("render:"):
            comp = domain.get("compliance:" + name.split(":", 1)[1], {}).get("median")
            d = None if d is None else d + (comp or 0.0)
            label = f"{name} + compliance"
        else:
            label = name
        s = stages.get(name, {}).get("median")
        row = billed.get(name, {})
        table.add_row(
            label,
            _s(d),
            _s(s),
            _s(s - d) if s is not None and d is not None else "—",
            row.get("function", ""),
            str(row.get("memory_mb", "")),
            _s(row.get("billed_s")),
        )
    model = (results["variants"].get("segment-vs-model") or {}).get(phases_key, {})
    if model:
        # The Segment stage against the u2netp model alone, same image, same process.
        table.add_row(
            "segment vs u2netp alone",
            _s(model.get("segment", {}).get("median")),
            _s(model.get("u2netp-alone", {}).get("median")),
            _s(model.get("segment-over-model", {}).get("median")),
            "(stage, model alone, stage − model)",
            "",
            "",
        )
    dt = (results["variants"].get("lightbox-pipeline") or {}).get(total_key, {}).get("median")
    st = (results["variants"].get("lightbox-stages") or {}).get(total_key, {}).get("median")
    table.add_row("[b]total[/b]", _s(dt), _s(st), _s(st - dt) if st and dt else "—", "", "", "")
    return table


def _outputs(results: dict[str, Any]) -> Table | None:
    checks = results.get("output_settings") or {}
    files = checks.get("files")
    if not files:
        return None
    matched = results["settings_matched"]
    verdict = "[green]matched[/green]" if matched else "[red]DIFFERENT: unfair comparison[/red]"
    table = Table(
        title=f"Output settings read back from every file (settings_matched: {verdict})",
        title_justify="left",
    )
    for col in ("variant", "file", "canvas", "scan", "q", "chroma", "Huffman", "ICC", "quant"):
        table.add_column(col)
    for col in ("KB", "PSNR vs Lightbox"):
        table.add_column(col)
    expected = checks.get("expected") or {}
    if expected:
        first = next(iter(expected.values()))
        table.add_row(
            "[b]production[/b]",
            "all",
            "per spec",
            "progressive" if first["progressive"] else "baseline",
            str(first["quality"]),
            first["subsampling"],
            "optimised" if first["optimize"] else "standard",
            first["icc"],
            first["quant_tables"],
            "",
            "",
        )
    for variant, found in files.items():
        for name, info in found.items():
            psnr = info.get("psnr_vs_lightbox_db")
            table.add_row(
                variant,
                name,
                "×".join(map(str, info["size"])),
                "progressive" if info["progressive"] else "baseline",
                str(info["quality"]),
                info["subsampling"],
                "optimised" if info["optimize"] else "standard",
                info["icc"],
                info["quant_tables"],
                f"{info['bytes'] / 1024:.0f}",
                "—" if psnr is None else f"{psnr:.1f} dB",
            )
    return table


def _memory(results: dict[str, Any]) -> Table | None:
    memory = results.get("memory") or {}
    inputs = memory.get("inputs") or {}
    if not inputs:
        return None
    worst = (memory.get("worst_cases") or {}).get("inputs") or {}
    stages = list(dict.fromkeys(s for r in inputs.values() if r for s in (r.get("stages") or {})))
    table = Table(
        title="Peak RSS per stage (MB; each stage's peak on its own, leftovers of earlier "
        "stages included)",
        title_justify="left",
    )
    for col in ("input", "file MB", *stages):
        table.add_column(col)
    for name, run in inputs.items():
        if not run:
            table.add_row(name, "", *["[red]failed[/red]"] * len(stages))
            continue
        label = name + (f" ({worst[name]['what']})" if name in worst else "")
        table.add_row(
            label,
            f"{run['file_bytes'] / 2**20:.1f}",
            *[_s((run["stages"].get(s) or {}).get("peak_rss_mb"), 0) for s in stages],
        )
    size = (memory.get("worst_cases") or {}).get("size")
    if size:
        table.caption = f"worst cases at {size[0]}×{size[1]} = {size[0] * size[1] / 1e6:.1f} MP"
    return table


def _memory_fit(results: dict[str, Any]) -> Table | None:
    memory = results.get("memory") or {}
    functions = memory.get("functions") or {}
    if not functions:
        return None
    share = memory["share_allowed"]
    table = Table(
        title=f"Worst peak RSS per function vs template MemorySize (allowed: {share:.0%})",
        title_justify="left",
    )
    for col in ("function", "MemorySize", "worst peak", "share", "worst input", "result"):
        table.add_column(col)
    for function, row in functions.items():
        table.add_row(
            function,
            f"{row['memory_size_mb']} MB",
            f"{row['peak_rss_mb']:.0f} MB",
            f"{row['share']:.0%}",
            f"{row['worst_input']} ({row['worst_stage']})",
            _verdict(row["pass"]),
        )
    return table


def _bomb(results: dict[str, Any]) -> Table | None:
    bomb = results.get("bomb")
    if not bomb:
        return None
    table = Table(title="Decompression bombs (inspect_photo, warm)", title_justify="left")
    for col in ("file", "bytes", "refused", "median ms", "first ms", "decode calls", "opened"):
        table.add_column(col)
    for name, case in bomb["cases"].items():
        table.add_row(
            name,
            str(case["file_bytes"]),
            "yes" if case["refused"] else "[red]no[/red]",
            f"{case['ms']['median']:.4f}",
            f"{case['first_call_ms']:.3f}",
            str(case["pixel_decode_calls"]),
            str(case["pillow_open_calls"]),
        )
    return table


def _cost(results: dict[str, Any]) -> Table | None:
    cost = results.get("cost")
    if not cost:
        return None
    req = cost["requests_per_image"]
    table = Table(
        title="AWS cost per 1000 photos (publish path, list prices)", title_justify="left"
    )
    table.add_column("item")
    table.add_column("USD / 1000", justify="right")
    table.add_column("basis")
    per = cost["per_1000_usd"]
    table.add_row(
        "Lambda compute",
        f"{per['lambda_compute']:.4f}",
        f"{cost['gb_seconds_per_image']:.3f} GB-s per photo",
    )
    table.add_row(
        "Lambda requests",
        f"{per['lambda_requests']:.4f}",
        f"{req['lambda_invocations']} invocations",
    )
    table.add_row(
        "Step Functions", f"{per['step_functions']:.4f}", f"{req['sfn_transitions']} transitions"
    )
    table.add_row(
        "S3 requests",
        f"{per['s3_requests']:.4f}",
        f"{req['s3_put_class']} PUT/COPY + {req['s3_get_class']} GET/HEAD "
        f"({req['s3_bytes_moved'] / 1e6:.0f} MB moved)",
    )
    table.add_row(
        "DynamoDB",
        f"{per['dynamodb']:.4f}",
        f"{req['ddb_write_units']} WRU + {req['ddb_read_units']} RRU",
    )
    table.add_row("[b]total[/b]", f"[b]{per['total']:.4f}[/b]", "")
    comp = cost["comparison"]
    table.add_row(
        "background removal alone",
        f"{comp['background_removal_alone_per_1000_usd']:.2f}",
        f"Lightbox's whole pipeline = {comp['lightbox_share_of_it'] * 100:.1f}% of it",
    )
    return table


def print_report(results: dict[str, Any], path: Path) -> None:
    machine = results["machine"]
    inter = results.get("intermediate") or {}
    _console.print()
    _console.print(
        f"[b]Lightbox bench[/b] — {machine['cpu_model']}, pinned to CPU "
        f"{machine['pinned_cpu']}, Python {machine['python']}, Pillow {machine['pillow']} "
        f"(libjpeg-turbo {machine['libjpeg_turbo']}), numpy {machine['numpy']}, onnxruntime "
        f"{machine['onnxruntime']}, pyvips {machine['pyvips']} (libvips {machine['libvips']}); "
        f"photo {results['input']['bytes'] / 1e6:.1f} MB 6000×4000 JPEG q90; studio "
        f"intermediate {inter.get('bytes', 0) / 1e6:.1f} MB "
        f"{'×'.join(map(str, inter.get('size') or []))} JPEG"
    )
    for table in (
        _targets(results),
        _render(results),
        _whole(results),
        _stages(results),
        _outputs(results),
        _memory(results),
        _memory_fit(results),
        _bomb(results),
        _cost(results),
    ):
        if table is not None:
            _console.print(table)
    cost = results.get("cost")
    if cost:
        _console.print("[b]Cost assumptions[/b]")
        for line in cost["assumptions"]:
            _console.print(f"  - {line}")
    busy = results["contention"]
    colour = "yellow" if busy["contended_variants"] else "dim"
    _console.print(
        f"[{colour}]load average {busy['loadavg_start']} → {busy['loadavg_end']}; "
        f"{busy['note']}[/{colour}]"
    )
    for step, error in results["errors"].items():
        _console.print(f"[red]error in {step}:[/red] {error}")
    for mismatch in (results.get("output_settings") or {}).get("mismatches", []):
        _console.print(f"[b red]SETTINGS DIFFER[/b red] {mismatch['message']}")
    for line in (results.get("output_settings") or {}).get("reader_disagreements", []):
        _console.print(f"[b red]READERS DISAGREE[/b red] {line}")
    for key in results.get("missed", []):
        verdict = results["targets"][key]
        consequence = "fails the run" if verdict["gate"] else "recorded, run not failed"
        _console.print(
            f"[b red]TARGET MISSED[/b red] {key} = {_s(verdict['value'], 3)} "
            f"(target {verdict['target']}; {consequence})"
        )
    status = results.get("exit_status", 0)
    if status:
        _console.print(
            f"[b red]FAIL (exit {status})[/b red]: " + "; ".join(results["exit_reasons"])
        )
    _console.print(f"results: {path}  (bench took {results['bench_seconds']:.0f} s)")
