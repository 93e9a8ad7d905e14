"""Pure helpers of the benchmark: cost arithmetic, ASL transitions, template
memory, bomb and worst-case inputs, geometry, quality estimation, targets and
the exit status. Fast, no timing."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from PIL import Image

from bench import children, costs, synth, verdict
from bench.jpegq import estimate_quality
from bench.workload import Run, fit, shrink_on_load

REPO = Path(__file__).resolve().parents[3]

# --------------------------------------------------------------------- bombs


def test_png_bomb_header_declares_the_huge_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    data = synth.png_bomb(40_000, 40_000)
    assert data.startswith(synth.PNG_SIGNATURE)
    assert len(data) < 200
    with Image.open(io.BytesIO(data)) as im:
        assert im.format == "PNG"
        assert im.size == (40_000, 40_000)
        assert im.mode == "RGB"


def test_png_bomb_trips_pillows_own_guard(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 89_478_485)  # Pillow's default
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(synth.png_bomb()))


def test_jpeg_bomb_header_declares_the_huge_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    with Image.open(io.BytesIO(synth.jpeg_bomb(60_000, 50_000))) as im:
        assert im.format == "JPEG"
        assert im.size == (60_000, 50_000)


# ------------------------------------------------------------------- photo


def test_product_photo_is_deterministic_and_product_shaped() -> None:
    a = synth.product_photo_rgb(300, 200, seed=7)
    b = synth.product_photo_rgb(300, 200, seed=7)
    assert a.shape == (200, 300, 3)
    assert (a == b).all()
    body = a[75:85, 130:145].reshape(-1, 3).mean(axis=0)  # red body, above the cream label
    corner = a[:10, :10].reshape(-1, 3).mean(axis=0)  # the light sweep
    assert body[0] > body[1] + 60
    assert corner.min() > 190


# ------------------------------------------------------------- worst cases


def test_largest_size_is_the_biggest_3_by_2_frame_within_the_limit() -> None:
    width, height = synth.largest_size(50_000_000)
    assert width * height <= 50_000_000
    assert (width + 1) * height > 50_000_000
    assert width / height == pytest.approx(1.5, abs=0.001)


@pytest.mark.parametrize(
    ("name", "fmt", "mode"),
    [
        ("png-rgb8", "PNG", "RGB"),
        ("tiff-rgb8", "TIFF", "RGB"),
        ("webp-rgb8", "WEBP", "RGB"),
        ("png-rgba8", "PNG", "RGBA"),
        ("png-grey16", "PNG", "I;16"),
        ("tiff-float32", "TIFF", "F"),
    ],
)
def test_worst_case_inputs_are_the_format_and_mode_they_claim(
    name: str, fmt: str, mode: str
) -> None:
    assert set(synth.WORST_CASES) >= {name}
    rgb = synth.product_photo_rgb(90, 60, grain=synth.WORST_CASE_GRAIN)
    with Image.open(io.BytesIO(synth.worst_case_bytes(name, rgb))) as im:
        assert (im.format, im.mode, im.size) == (fmt, mode, (90, 60))


def test_ensure_worst_cases_writes_files_the_validator_accepts(tmp_path: Path) -> None:
    from lightbox.validation.photo import inspect_photo

    paths = synth.ensure_worst_cases(tmp_path, 600 * 400, 10 * 2**20)
    assert set(paths) == set(synth.WORST_CASES)
    for name, path in paths.items():
        check, working = inspect_photo(path.read_bytes(), path.name)
        assert working is not None, (name, check.reasons)
        assert (check.width, check.height) == synth.largest_size(600 * 400)


def test_ensure_worst_cases_refuses_a_limit_nothing_fits(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        synth.ensure_worst_cases(tmp_path, 120 * 80, 100)


# -------------------------------------------------------------- geometry


@pytest.mark.parametrize(
    ("canvas", "expected"),
    [((2000, 2000), (2000, 1333)), ((3000, 2250), (3000, 2000)), ((1600, 1600), (1600, 1067))],
)
def test_fit_keeps_the_aspect_inside_the_canvas(
    canvas: tuple[int, int], expected: tuple[int, int]
) -> None:
    assert fit((6000, 4000), canvas) == expected


@pytest.mark.parametrize(
    ("size", "target", "shrink"),
    [
        ((6000, 4000), (3000, 2000), 2),
        ((6000, 4000), (2999, 1999), 2),
        ((6000, 4000), (3001, 2001), 1),
        ((2000, 2000), (1600, 1600), 1),
        ((2000, 2000), (2250, 2250), 1),
        ((8000, 8000), (900, 900), 8),
    ],
)
def test_shrink_on_load_never_goes_below_the_target(
    size: tuple[int, int], target: tuple[int, int], shrink: int
) -> None:
    assert shrink_on_load(size, target) == shrink


def test_render_totals_sum_per_repetition_and_drop_the_encode() -> None:
    r = Run()
    for m in ("amazon", "etsy", "shopify", "ebay"):
        r.phases[f"{m}:decode"] = r.phases_cpu[f"{m}:decode"] = 0.1
        r.phases[f"{m}:render"] = r.phases_cpu[f"{m}:render"] = 0.3
        r.phases[f"{m}:encode"] = r.phases_cpu[f"{m}:encode"] = 0.2
    r.render_totals(("decode", "render"))
    assert r.phases_cpu["amazon:headline"] == pytest.approx(0.4)
    assert r.phases_cpu["headline"] == pytest.approx(1.6)
    assert r.phases["no-encode"] == pytest.approx(0.8)


def test_estimate_quality_reads_back_the_setting() -> None:
    img = Image.new("RGB", (64, 64), (120, 80, 40))
    for quality in (75, 90, 92):
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=quality)
        with Image.open(buf) as im:
            assert estimate_quality(list(im.quantization[0])) == quality


# ----------------------------------------------------------------- template

_TEMPLATE = """
Globals:
  Function:
    MemorySize: 512
Resources:
  Small:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub app-${Environment}-small
      Environment: {Variables: {TABLE: !Ref Table}}
  Big:
    Type: AWS::Serverless::Function
    Properties:
      MemorySize: 2048
      Policies: [!GetAtt Role.Arn]
  Table:
    Type: AWS::DynamoDB::Table
"""


def test_function_memory_uses_globals_and_tolerates_cfn_tags() -> None:
    template = costs.load_template(_TEMPLATE)
    assert costs.function_memory_mb(template) == {"Small": 512, "Big": 2048}
    small = template["Resources"]["Small"]["Properties"]
    assert small["FunctionName"] == {"Fn::Sub": "app-${Environment}-small"}
    assert small["Environment"]["Variables"]["TABLE"] == {"Ref": "Table"}


def test_project_template_has_a_memory_size_for_every_stage() -> None:
    memory, _machine = costs.load_project_costs_inputs(REPO)
    for function in ("ValidateFunction", "SegmentFunction", "EnhanceFunction", "RenderFunction"):
        assert memory[function] >= 128


# ---------------------------------------------------------------------- ASL


def test_load_asl_substitutes_quoted_and_bare_placeholders() -> None:
    text = '{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "${Fn}",'
    text += ' "TimeoutSeconds": ${Secs}, "Comment": "arn:${Region}:x", "End": true}}}'
    machine = costs.load_asl(text)
    state = machine["States"]["A"]
    assert state["Resource"] == "Fn"
    assert state["TimeoutSeconds"] == 1
    assert state["Comment"] == "arn:1:x"


_MACHINE = {
    "StartAt": "A",
    "States": {
        "A": {"Type": "Pass", "Next": "P"},
        "P": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "X", "States": {"X": {"Type": "Task", "End": True}}},
                {
                    "StartAt": "Y",
                    "States": {
                        "Y": {"Type": "Task", "Next": "Z", "Catch": [{"Next": "YF"}]},
                        "YF": {"Type": "Fail"},
                        "Z": {"Type": "Pass", "End": True},
                    },
                },
            ],
            "Next": "M",
        },
        "M": {
            "Type": "Map",
            "ItemProcessor": {"StartAt": "R", "States": {"R": {"Type": "Task", "End": True}}},
            "Next": "C",
        },
        "C": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "Done"}],
            "Default": "Failed",
        },
        "Done": {"Type": "Succeed"},
        "Failed": {"Type": "Fail"},
    },
}


def test_count_transitions_counts_branches_and_map_iterations() -> None:
    # A, P, X, Y, Z, M, 3 x R, C, Done
    assert costs.count_transitions(_MACHINE, "Done", {"M": 3}) == 11
    assert costs.count_transitions(_MACHINE, "Done", {"M": 1}) == 9
    assert costs.count_transitions(_MACHINE, "Done", {"M": 0}) == 8
    assert costs.path_to(_MACHINE, "Done") == ["A", "P", "M", "C", "Done"]
    assert costs.map_items_paths(_MACHINE) == {"M": "$"}


def test_count_transitions_needs_a_count_for_every_map_on_the_path() -> None:
    with pytest.raises(KeyError):
        costs.count_transitions(_MACHINE, "Done", {})


def test_count_transitions_raises_for_unreachable_target() -> None:
    machine = {"StartAt": "A", "States": {"A": {"Type": "Succeed"}, "B": {"Type": "Pass"}}}
    with pytest.raises(ValueError):
        costs.count_transitions(machine, "B", {})


def test_project_publish_path_counts_one_transition_per_marketplace() -> None:
    _memory, machine = costs.load_project_costs_inputs(REPO)
    path = costs.path_to(machine, "Published")
    assert path[0] == machine["StartAt"]
    assert path[-1] == "Published"
    maps = costs.map_items_paths(machine)
    # One marketplace Map on the auto-publish path (ReRenderForMarketplaces, after a
    # reviewer's pixel correction, is on another path).
    marketplace_maps = [
        name for name, items in maps.items() if "marketplaces" in items and name in path
    ]
    assert len(marketplace_maps) == 1

    def count(marketplaces: int) -> int:
        items = {name: marketplaces if name in marketplace_maps else 0 for name in maps}
        return costs.count_transitions(machine, "Published", items)

    assert count(4) - count(1) == 3
    assert count(4) > len(path)


# ------------------------------------------------------------------- money


def test_lambda_seconds_stretches_compute_below_one_vcpu_only() -> None:
    assert costs.lambda_seconds(1.0, 0.0, costs.FULL_VCPU_MB) == 1.0
    assert costs.lambda_seconds(1.0, 0.0, 2 * costs.FULL_VCPU_MB) == 1.0
    assert costs.lambda_seconds(1.0, 0.0, 1024) == pytest.approx(costs.FULL_VCPU_MB / 1024, 1e-3)
    # I/O is not stretched; billing rounds up to the next millisecond.
    assert costs.lambda_seconds(0.1, 0.2, 2048) == pytest.approx(0.3)
    assert costs.lambda_seconds(0.0001, 0.0, 2048) == 0.001


def test_estimate_cost_arithmetic() -> None:
    prices = costs.Prices()
    estimate = costs.estimate_cost(
        [costs.Invocation("F", "stage", compute_s=1.0)],
        {"F": 2048},
        costs.Requests(
            sfn_transitions=10, s3_puts=2, s3_gets=3, ddb_write_units=4, ddb_read_units=2
        ),
        prices,
    )
    per = estimate.per_image
    assert estimate.gb_seconds == pytest.approx(2.0)
    assert per["lambda_compute"] == pytest.approx(2.0 * 0.0000166667)
    assert per["lambda_requests"] == pytest.approx(0.2e-6)
    assert per["step_functions"] == pytest.approx(10 * 0.025e-3)
    assert per["s3_requests"] == pytest.approx(2 * 0.005e-3 + 3 * 0.0004e-3)
    assert per["dynamodb"] == pytest.approx(4 * 1.25e-6 + 2 * 0.25e-6)
    parts = sum(v for k, v in per.items() if k != "total")
    assert per["total"] == pytest.approx(parts)
    assert estimate.per_1000["total"] == pytest.approx(1000 * per["total"])
    assert estimate.invocations[0]["billed_s"] == 1.0


def test_request_units_round_up() -> None:
    assert costs.write_units(1) == 1
    assert costs.write_units(1024) == 1
    assert costs.write_units(1025) == 2
    assert costs.read_units(4096) == 1
    assert costs.read_units(4097) == 2
    assert costs.read_units(3 * 4096, consistent=False) == 2


def test_dynamodb_item_bytes_counts_names_and_values() -> None:
    assert costs.dynamodb_item_bytes({"pk": "abc"}) == 5
    big = costs.dynamodb_item_bytes({"pk": "x", "details": "y" * 2000, "seq": 12})
    assert big > 2000
    assert costs.write_units(big) == math.ceil(big / 1024)


def test_io_model_adds_latency_and_transfer() -> None:
    model = costs.IoModel(s3_latency_s=0.02, s3_bytes_per_s=100e6, ddb_latency_s=0.005)
    assert model.seconds(2, 50_000_000, 1) == pytest.approx(0.04 + 0.5 + 0.005)


# ------------------------------------------------------------ targets, exit


def _values(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "render_vs_pyvips_ratio": 0.9,
        "per_photo_vs_minimal_ratio": 1.2,
        "peak_rss_share_of_memory_size": 0.5,
        "per_image_seconds": 1.0,
        "bomb_refusal_ms": 0.1,
        "bomb_refused_without_decoding": True,
    }
    return values | overrides


def test_judge_passes_and_misses_against_each_limit() -> None:
    verdicts = verdict.judge(_values(per_photo_vs_minimal_ratio=2.3), settings_matched=True)
    assert verdicts["render_vs_pyvips_ratio"]["pass"] is True
    assert verdicts["per_photo_vs_minimal_ratio"]["pass"] is False
    assert verdicts["peak_rss_share_of_memory_size"]["gate"] is True


def test_judge_does_not_compare_when_the_settings_differ() -> None:
    verdicts = verdict.judge(_values(), settings_matched=False)
    assert verdicts["render_vs_pyvips_ratio"]["pass"] is None
    assert "not comparable" in verdicts["render_vs_pyvips_ratio"]["note"]
    assert verdicts["per_image_seconds"]["pass"] is True  # not a comparison


def test_judge_fails_a_bomb_that_was_decoded_however_fast() -> None:
    verdicts = verdict.judge(_values(bomb_refused_without_decoding=False), settings_matched=True)
    assert verdicts["bomb_refusal_ms"]["pass"] is False


def test_exit_status_fails_an_unfair_comparison_first() -> None:
    timing_miss = verdict.judge(_values(render_vs_pyvips_ratio=3.0), settings_matched=True)
    assert verdict.exit_status(True, timing_miss, [])[0] == 0  # noisy timing: reported only
    memory_miss = verdict.judge(_values(peak_rss_share_of_memory_size=0.9), settings_matched=True)
    assert verdict.exit_status(True, memory_miss, [])[0] == 4
    assert verdict.exit_status(True, verdict.judge(_values(), True), ["pyvips"])[0] == 1
    status, reasons = verdict.exit_status(False, memory_miss, ["pyvips"])
    assert status == 3
    assert any("unfair" in r for r in reasons)


def test_memory_fit_takes_each_functions_worst_stage_over_all_inputs() -> None:
    runs = {
        "jpeg": {
            "stages": {"validate": {"peak_rss_mb": 100.0}, "render:etsy": {"peak_rss_mb": 300.0}}
        },
        "png": {
            "stages": {"validate": {"peak_rss_mb": 1700.0}, "render:ebay": {"peak_rss_mb": 200.0}}
        },
        "broken": None,
    }
    fit = verdict.memory_fit(runs, {"ValidateFunction": 2048, "RenderFunction": 1536})
    assert fit["ValidateFunction"]["worst_input"] == "png"
    assert fit["ValidateFunction"]["pass"] is False  # 1700 > 0.8 * 2048
    assert fit["RenderFunction"] == {
        "memory_size_mb": 1536,
        "peak_rss_mb": 300.0,
        "share": round(300 / 1536, 3),
        "worst_input": "jpeg",
        "worst_stage": "render:etsy",
        "pass": True,
    }


def _round(cpu: list[float], peak: float) -> dict[str, object]:
    return {
        "samples": {
            "wall_s": cpu,
            "cpu_s": cpu,
            "phases": {"decode": cpu},
            "phases_cpu": {"decode": cpu},
        },
        "memory": {"peak_rss_mb": peak},
        "info": {},
    }


def test_pool_rounds_pools_every_repetition_and_keeps_the_highest_peak() -> None:
    pooled = children.pool_rounds([_round([1.0, 5.0, 2.0], 100.0), _round([3.0, 4.0, 0.5], 120.0)])
    assert pooled["cpu_s"] == {"median": 2.5, "min": 0.5, "max": 5.0}
    assert pooled["phases_cpu"]["decode"]["median"] == 2.5
    assert pooled["repeat"] == 6 and pooled["rounds"] == 2
    assert pooled["memory"]["peak_rss_mb"] == 120.0
    single = _round([1.0], 1.0)
    assert children.pool_rounds([single]) is single
