"""The AWS cost of one published photo, from this run's measurements.

`estimate` feeds `bench.costs` (the pure price model) with what the benchmark
measured: per-stage CPU seconds of the real stage functions plus an assumed
handler overhead, the S3 and DynamoDB requests the stage code made against
counting fakes (or, if that run failed, `FALLBACK_COUNTS` read from the stage
code), the MemorySize of each function in template.yaml (`STAGE_FUNCTIONS`
maps a stage to its function) and the state transitions of the publish path
in the real ASL. It returns the figures with every assumption spelled out,
for results.json.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench import costs

REPO = Path(__file__).resolve().parents[1]
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


def stage_function(stage: str) -> str:
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
