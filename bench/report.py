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

_COMPARED = ("lightbox-render", "pyvips", "pyvips-thumbnail", "naive-pillow")
_LABELS = {
    "lightbox-render": "Lightbox (inspect_photo + render_all)",
    "pyvips": "pyvips decode-once (shrink-on-load)",
    "pyvips-thumbnail": "pyvips thumbnail_buffer x4",
    "naive-pillow": "naive Pillow (full decode, Lanczos x4)",
    "lightbox-pipeline": "Lightbox whole per-image work (domain)",
    "lightbox-stages": "Lightbox stage functions (Lambda path)",
    "lightbox-render-probes": "Lightbox probes (not a total)",
}


def progress(message: str) -> None:
    _console.print(f"[dim]· {message}[/dim]")


def _s(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _verdict(ok: bool | None) -> str:
    return {True: "[green]PASS[/green]", False: "[red]MISS[/red]", None: "[yellow]n/a[/yellow]"}[ok]


def _targets(results: dict[str, Any]) -> Table:
    table = Table(title="Targets (24 MP JPEG, one core)", title_justify="left")
    for col in ("metric", "value", "target", "result"):
        table.add_column(col)
    units = {
        "render_vs_pyvips_ratio": "×",
        "render_vs_naive_pillow_speedup": "×",
        "per_image_seconds": " s",
        "per_image_seconds_lambda_stages": " s",
        "peak_rss_mb": " MB",
        "bomb_refusal_ms": " ms",
    }
    for key, verdict in results["targets"].items():
        value = verdict["value"]
        digits = 4 if key == "bomb_refusal_ms" else 2
        shown = "—" if value is None else f"{value:.{digits}f}{units[key]}"
        if key == "bomb_refusal_ms":
            shown += " (no pixels decoded)" if results["bomb_refused_without_decoding"] else ""
        table.add_row(key, shown, verdict["target"], _verdict(verdict["pass"]))
    return table


def _clock_keys(results: dict[str, Any]) -> tuple[str, str]:
    cpu = results["summary"]["clock"] == "cpu"
    return ("cpu_s", "phases_cpu") if cpu else ("wall_s", "phases")


def _variants(results: dict[str, Any]) -> Table:
    total_key, phases_key = _clock_keys(results)
    table = Table(
        title=f"Variants (median of {results['repeat']} after a warm-up; one-core "
        f"{results['summary']['clock']} seconds; wall shown for comparison)",
        title_justify="left",
    )
    for col in ("variant", "median", "min–max", "wall", "phases (median)", "peak RSS", "base"):
        table.add_column(col, overflow="fold")
    for name, run in results["variants"].items():
        if not run:
            table.add_row(_LABELS.get(name, name), "[red]failed[/red]", "", "", "", "", "")
            continue
        phases = ", ".join(f"{k} {v['median']:.3f}" for k, v in run[phases_key].items())
        probes = name == "lightbox-render-probes"
        table.add_row(
            _LABELS.get(name, name),
            "—" if probes else _s(run[total_key]["median"]),
            "" if probes else f"{run[total_key]['min']:.3f}–{run[total_key]['max']:.3f}",
            "" if probes else _s(run["wall_s"]["median"]),
            phases,
            f"{run['memory']['peak_rss_mb']:.0f} MB",
            f"{run['memory']['baseline_rss_mb']:.0f} MB",
        )
    return table


def _excluding_encode(summary: dict[str, Any]) -> Table | None:
    ex = summary.get("excluding_encode")
    if not ex:
        return None
    table = Table(title="Decode + resize only (JPEG encode excluded)", title_justify="left")
    for col in ("Lightbox", "pyvips", "naive Pillow", "ratio vs pyvips", "speedup vs naive"):
        table.add_column(col)
    table.add_row(
        _s(ex["lightbox_s"]),
        _s(ex["pyvips_s"]),
        _s(ex["naive_pillow_s"]),
        _s(ex["ratio_vs_pyvips"], 2),
        _s(ex["speedup_vs_naive"], 2),
    )
    return table


def _stages(results: dict[str, Any]) -> Table:
    total_key, phases_key = _clock_keys(results)
    domain = (results["variants"].get("lightbox-pipeline") or {}).get(phases_key, {})
    stages = (results["variants"].get("lightbox-stages") or {}).get(phases_key, {})
    billed = {
        row["stage"]: row for row in ((results.get("cost") or {}).get("lambda_invocations") or [])
    }
    table = Table(title="Per-stage breakdown of one photo (median seconds)", title_justify="left")
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
    dt = (results["variants"].get("lightbox-pipeline") or {}).get(total_key, {}).get("median")
    st = (results["variants"].get("lightbox-stages") or {}).get(total_key, {}).get("median")
    table.add_row("[b]total[/b]", _s(dt), _s(st), _s(st - dt) if st and dt else "—", "", "", "")
    return table


def _outputs(results: dict[str, Any]) -> Table | None:
    checks = results.get("output_checks")
    if not checks:
        return None
    table = Table(title="Output check (same sizes and encoder settings?)", title_justify="left")
    for col in ("variant", "file", "canvas", "photo area", "KB", "enc", "PSNR vs naive"):
        table.add_column(col)
    for variant in _COMPARED:
        for name, info in (checks.get(variant) or {}).items():
            area = info.get("content_size")
            mismatch = "" if info.get("content_size_matches_naive", True) else " [red]≠[/red]"
            enc = (
                f"q{info['quality_estimate']} {info['subsampling']}"
                f"{' prog' if info['progressive'] else ''} icc={info['icc']}"
            )
            psnr = info.get("psnr_vs_naive_db")
            table.add_row(
                variant,
                name,
                "×".join(map(str, info["size"])),
                ("×".join(map(str, area)) if area else "—") + mismatch,
                f"{info['bytes'] / 1024:.0f}",
                enc,
                "ref" if variant == "naive-pillow" else _s(psnr, 1) + " dB",
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
    _console.print()
    _console.print(
        f"[b]Lightbox bench[/b] — {machine['cpu_model']}, pinned to CPU "
        f"{machine['pinned_cpu']}, Python {machine['python']}, Pillow {machine['pillow']} "
        f"(libjpeg-turbo {machine['libjpeg_turbo']}), numpy {machine['numpy']}, pyvips "
        f"{machine['pyvips']} (libvips {machine['libvips']}); input "
        f"{results['input']['bytes'] / 1e6:.1f} MB 6000×4000 JPEG q90"
    )
    for table in (
        _targets(results),
        _variants(results),
        _excluding_encode(results["summary"]),
        _stages(results),
        _outputs(results),
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
    _console.print(f"results: {path}  (bench took {results['bench_seconds']:.0f} s)")
