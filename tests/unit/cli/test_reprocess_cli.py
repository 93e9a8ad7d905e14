import pytest

from lightbox_cli.main import build_parser
from lightbox_cli.process import ProcessError
from lightbox_cli.reprocess import RunProgress, child_names, reprocess_input


def test_given_seller_sku_and_date_when_the_run_input_is_built_then_since_is_utc_iso():
    assert reprocess_input("acme", "MUG-1", "2026-03-01") == {
        "seller": "acme",
        "sku": "MUG-1",
        "since": "2026-03-01T00:00:00Z",
    }
    assert reprocess_input("acme", None, None) == {"seller": "acme", "sku": None, "since": None}


@pytest.mark.parametrize(
    ("seller", "sku", "since"),
    [("acme/other", None, None), ("acme", "../x", None), ("acme", None, "last week")],
)
def test_given_a_seller_that_would_widen_the_prefix_or_a_bad_date_when_built_then_refused(
    seller, sku, since
):
    with pytest.raises(ProcessError):
        reprocess_input(seller, sku, since)


def test_given_map_counters_when_summarised_then_skipped_is_done_minus_started():
    progress = RunProgress("run", "arn", total=55, done=55, started=52)
    assert progress.skipped == 3


class _Pages:
    def __init__(self, names):
        self.names = names

    def get_paginator(self, _):
        return self

    def paginate(self, **_):
        yield {"executions": [{"name": n} for n in self.names]}


def test_given_pipeline_executions_when_listed_then_only_the_runs_children_are_counted():
    run = "rp-acme-20260301T101500Z-ab12"
    names = [f"{run}-aaa-front-jpg", "acme-MUG-1-front-jpg-0123", f"{run}x-bbb-x"]
    assert child_names(_Pages(names), "arn", run) == [f"{run}-aaa-front-jpg"]


def test_given_the_cli_when_reprocess_is_parsed_then_seller_is_required_and_follow_is_default():
    args = build_parser().parse_args(["reprocess", "--seller", "acme", "--since", "2026-03-01"])
    assert (args.seller, args.sku, args.since, args.follow) == ("acme", None, "2026-03-01", True)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["reprocess"])
