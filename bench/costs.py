"""AWS cost model for one processed photo, from measured durations.

Pure functions only (no timing, no AWS calls), so the arithmetic is unit-tested
and the benchmark's estimate can be re-derived by hand from results.json.

What is priced (publish path, every requested marketplace rendered):

* Lambda: GB-seconds per invocation (memory from template.yaml x billed
  duration, rounded up to 1 ms) plus requests. Durations are *measured on one
  core here* and then stretched for functions below 1,769 MB, because Lambda
  gives a function CPU in proportion to its memory and a full vCPU only at
  1,769 MB; above that our single-threaded code does not get faster.
* Step Functions Standard: state transitions of the publish path, counted from
  the real ASL (Parallel/Map states and every state inside their branches or
  iterations count, as AWS bills them; no retries).
* S3 requests (PUT/COPY class and GET/HEAD class) and DynamoDB on-demand
  reads/writes, counted by running the real stage code against counting fakes.

Not priced (stated in the output): S3 storage, data transfer (same region),
CloudWatch Logs, Lambda cold-start INIT time, retries, the human-review path.
"""

from __future__ import annotations

import json
import math
import re
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml

#: Memory at which Lambda allocates one full vCPU (AWS Lambda docs).
FULL_VCPU_MB = 1769


@dataclass(frozen=True)
class Prices:
    """AWS list prices (us-east-1, x86) used by the estimate, in USD."""

    lambda_gb_second: float = 0.0000166667
    lambda_request: float = 0.20 / 1_000_000
    sfn_transition: float = 0.025 / 1_000
    s3_put: float = 0.005 / 1_000  # PUT, COPY, POST, LIST
    s3_get: float = 0.0004 / 1_000  # GET, HEAD and all other requests
    # On-demand DynamoDB as given in the issue. AWS halved on-demand prices in
    # Nov 2024 (now $0.625/M WRU, $0.125/M RRU): this is the conservative figure.
    ddb_write_unit: float = 1.25 / 1_000_000
    ddb_read_unit: float = 0.25 / 1_000_000
    #: "$0.02 per image for background removal alone" (the comparison point).
    background_removal_per_image: float = 0.02


@dataclass(frozen=True)
class IoModel:
    """Assumed network time a real Lambda adds to the measured compute time.

    Not measured here (there is no S3 on this machine): first-byte latency per
    request plus size over a single-stream throughput, typical in-region values.
    """

    s3_latency_s: float = 0.020
    s3_bytes_per_s: float = 75e6
    ddb_latency_s: float = 0.006

    def seconds(self, s3_requests: int, s3_bytes: int, ddb_requests: int) -> float:
        return (
            s3_requests * self.s3_latency_s
            + s3_bytes / self.s3_bytes_per_s
            + ddb_requests * self.ddb_latency_s
        )


@dataclass(frozen=True)
class Invocation:
    """One Lambda invocation on the publish path of one photo."""

    function: str  # logical id in template.yaml, e.g. "RenderFunction"
    stage: str  # what ran, e.g. "render:amazon"
    compute_s: float  # measured here, one core
    io_s: float = 0.0  # modelled network time (IoModel)


@dataclass(frozen=True)
class Requests:
    """Non-Lambda requests per photo."""

    sfn_transitions: int
    s3_puts: int
    s3_gets: int
    ddb_write_units: int
    ddb_read_units: int


@dataclass
class CostEstimate:
    """Per-photo cost broken down by service, plus the per-invocation detail."""

    per_image: dict[str, float]
    per_1000: dict[str, float]
    invocations: list[dict[str, Any]] = field(default_factory=list)
    gb_seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# --------------------------------------------------------------------- template


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that accepts CloudFormation short-form tags (!Ref, !Sub ...)."""


def _cfn_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    name = tag_suffix if tag_suffix == "Ref" else f"Fn::{tag_suffix}"
    return {name: value}


_CfnLoader.add_multi_constructor("!", _cfn_tag)


def load_template(text: str) -> dict[str, Any]:
    """Parse a SAM/CloudFormation template, keeping intrinsic tags as dicts."""
    return yaml.load(text, Loader=_CfnLoader)  # a SafeLoader subclass: no arbitrary objects


def function_memory_mb(template: Mapping[str, Any]) -> dict[str, int]:
    """MemorySize of every AWS::Serverless::Function (Globals as the default)."""
    default = int(template.get("Globals", {}).get("Function", {}).get("MemorySize", 128))
    memory: dict[str, int] = {}
    for logical_id, resource in template.get("Resources", {}).items():
        if resource.get("Type") == "AWS::Serverless::Function":
            props = resource.get("Properties") or {}
            memory[logical_id] = int(props.get("MemorySize", default))
    return memory


# -------------------------------------------------------------------------- ASL

_QUOTED_PLACEHOLDER = re.compile(r'"\$\{(\w+)\}"')
_PLACEHOLDER = re.compile(r"\$\{\w+\}")


def load_asl(text: str) -> dict[str, Any]:
    """Parse an ASL file with ``${...}`` DefinitionSubstitutions left in.

    A placeholder that is a whole JSON string becomes its name; one standing
    bare (``"TimeoutSeconds": ${ReviewTimeoutSeconds}``) or inside a longer
    string becomes ``1``, which keeps the JSON valid and is never counted.
    """
    text = _QUOTED_PLACEHOLDER.sub(lambda m: json.dumps(m.group(1)), text)
    return json.loads(_PLACEHOLDER.sub("1", text))


def _successors(state: Mapping[str, Any]) -> list[str]:
    """Normal-flow edges (Next, Choice rules, Default); Catch edges are errors."""
    nxt = [state["Next"]] if "Next" in state else []
    nxt += [rule["Next"] for rule in state.get("Choices", []) if "Next" in rule]
    if "Default" in state:
        nxt.append(state["Default"])
    return nxt


def _shortest_path(
    states: Mapping[str, Any], start: str, is_goal: Callable[[str, Mapping[str, Any]], bool]
) -> list[str]:
    parents: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        name = queue.popleft()
        if is_goal(name, states[name]):
            path = [name]
            while (parent := parents[path[-1]]) is not None:
                path.append(parent)
            return path[::-1]
        for nxt in _successors(states[name]):
            if nxt not in parents:
                parents[nxt] = name
                queue.append(nxt)
    raise ValueError(f"no path from {start!r} to the goal")


def _ends_well(_name: str, state: Mapping[str, Any]) -> bool:
    return state.get("Type") == "Succeed" or (state.get("End") is True and state["Type"] != "Fail")


def _count_path(machine: Mapping[str, Any], path: list[str], map_items: Mapping[str, int]) -> int:
    states = machine["States"]
    total = 0
    for name in path:
        state = states[name]
        total += 1
        if state["Type"] == "Parallel":
            total += sum(_count_branch(branch, map_items) for branch in state["Branches"])
        elif state["Type"] == "Map":
            if name not in map_items:
                raise KeyError(f"no item count given for Map state {name!r}")
            processor = state.get("ItemProcessor") or state["Iterator"]
            total += map_items[name] * _count_branch(processor, map_items)
    return total


def _count_branch(machine: Mapping[str, Any], map_items: Mapping[str, int]) -> int:
    path = _shortest_path(machine["States"], machine["StartAt"], _ends_well)
    return _count_path(machine, path, map_items)


def count_transitions(machine: Mapping[str, Any], target: str, map_items: Mapping[str, int]) -> int:
    """State transitions of the shortest successful path from StartAt to ``target``.

    Each state entered counts once, including Parallel/Map states themselves,
    every state inside each Parallel branch, and each Map iteration's states
    (``map_items[name]`` iterations of Map state ``name``; Maps iterate over
    different lists, e.g. marketplaces vs. studio extras). Retries are not counted.
    """
    path = _shortest_path(machine["States"], machine["StartAt"], lambda n, _s: n == target)
    return _count_path(machine, path, map_items)


def map_items_paths(machine: Mapping[str, Any]) -> dict[str, str]:
    """Every Map state (at any depth) and the ItemsPath it iterates over."""
    found: dict[str, str] = {}
    for name, state in machine["States"].items():
        if state["Type"] == "Map":
            found[name] = state.get("ItemsPath", "$")
            found |= map_items_paths(state.get("ItemProcessor") or state["Iterator"])
        elif state["Type"] == "Parallel":
            for branch in state["Branches"]:
                found |= map_items_paths(branch)
    return found


def path_to(machine: Mapping[str, Any], target: str) -> list[str]:
    """The top-level states visited on the way to ``target`` (for the report)."""
    return _shortest_path(machine["States"], machine["StartAt"], lambda n, _s: n == target)


# ------------------------------------------------------------------------ money


def lambda_seconds(compute_s: float, io_s: float, memory_mb: int) -> float:
    """Billed duration: compute stretched below one vCPU, plus I/O, in whole ms."""
    stretch = max(1.0, FULL_VCPU_MB / memory_mb)
    # Round to a microsecond first so float noise (0.1 + 0.2) cannot add a billed ms.
    return math.ceil(round((compute_s * stretch + io_s) * 1000.0, 6)) / 1000.0


def estimate_cost(
    invocations: list[Invocation],
    memory_mb: Mapping[str, int],
    requests: Requests,
    prices: Prices | None = None,
) -> CostEstimate:
    """Cost of one photo through the publish path, by service."""
    prices = prices or Prices()
    rows: list[dict[str, Any]] = []
    gb_seconds = 0.0
    for inv in invocations:
        mem = memory_mb[inv.function]
        billed = lambda_seconds(inv.compute_s, inv.io_s, mem)
        gb_s = billed * mem / 1024.0
        gb_seconds += gb_s
        rows.append(
            {
                "function": inv.function,
                "stage": inv.stage,
                "memory_mb": mem,
                "compute_s": round(inv.compute_s, 4),
                "io_s": round(inv.io_s, 4),
                "billed_s": billed,
                "gb_s": round(gb_s, 5),
                "usd": gb_s * prices.lambda_gb_second + prices.lambda_request,
            }
        )
    per_image = {
        "lambda_compute": gb_seconds * prices.lambda_gb_second,
        "lambda_requests": len(invocations) * prices.lambda_request,
        "step_functions": requests.sfn_transitions * prices.sfn_transition,
        "s3_requests": requests.s3_puts * prices.s3_put + requests.s3_gets * prices.s3_get,
        "dynamodb": requests.ddb_write_units * prices.ddb_write_unit
        + requests.ddb_read_units * prices.ddb_read_unit,
    }
    per_image["total"] = sum(per_image.values())
    return CostEstimate(
        per_image=per_image,
        per_1000={k: v * 1000 for k, v in per_image.items()},
        invocations=rows,
        gb_seconds=gb_seconds,
    )


def dynamodb_item_bytes(item: Mapping[str, Any]) -> int:
    """Approximate DynamoDB item size: attribute names plus values (UTF-8)."""
    return sum(len(str(k).encode()) + _value_bytes(v) for k, v in item.items())


def _value_bytes(value: Any) -> int:
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int | float):
        return 1 + math.ceil(len(repr(value).lstrip("-").replace(".", "")) / 2)
    if isinstance(value, bytes):
        return len(value)
    if isinstance(value, Mapping):
        return 3 + sum(len(str(k).encode()) + 1 + _value_bytes(v) for k, v in value.items())
    if isinstance(value, list | tuple | set):
        return 3 + sum(1 + _value_bytes(v) for v in value)
    return len(str(value).encode())


def write_units(item_bytes: int) -> int:
    """On-demand write request units for one standard write (1 KB each)."""
    return max(1, math.ceil(item_bytes / 1024))


def read_units(item_bytes: int, consistent: bool = True) -> int:
    """Read request units for one read (4 KB each; eventually consistent = half)."""
    units = max(1, math.ceil(item_bytes / 4096))
    return units if consistent else max(1, math.ceil(units / 2))


def load_project_costs_inputs(repo: Path) -> tuple[dict[str, int], dict[str, Any]]:
    """(function memory by logical id, parsed state machine) of the project."""
    template = load_template((repo / "template.yaml").read_text())
    machine = load_asl((repo / "statemachine" / "listing_pipeline.asl.json").read_text())
    return function_memory_mb(template), machine
