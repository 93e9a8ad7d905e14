"""The `lightbox status` and `lightbox delete` commands as an operator runs them: parsed by
the real parser, on a stack context whose outputs name the moto pipeline's resources."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lightbox_cli import delete, status
from lightbox_cli.context import StackContext
from lightbox_cli.main import build_parser


def _context(pipeline: Any) -> StackContext:
    ctx = StackContext("local")
    ctx.__dict__["outputs"] = {  # what CloudFormation's outputs hold for the stack
        "BucketName": pipeline.bucket,
        "StateMachineArn": pipeline.state_machine_arn,
        "AuditTableName": pipeline.tables["AuditTable"],
        "ReviewTableName": pipeline.tables["ReviewTable"],
        "ListingsTableName": pipeline.tables["ListingsTable"],
    }
    return ctx


def _run(argv: list[str], ctx: StackContext) -> int:
    """Parse like `lightbox`, then run the command on `ctx` instead of a deployed stack."""
    args = build_parser().parse_args(argv)
    handler = {"status": status.cmd_status, "delete": delete.cmd_delete}[argv[0]]
    return int(handler(args, lambda env: ctx))


def test_given_a_quarantined_photo_when_status_then_delete_are_run_then_each_reports_and_acts(
    moto_pipeline: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given acme/CLI-1 with one quarantined upload
    When `lightbox status acme/CLI-1 --json`, `lightbox delete --seller acme --sku CLI-1
    --json` (dry run) and then with `--yes --actor ops` run
    Then status shows the photo quarantined with its reason; the dry run counts and keeps
    everything; the deletion empties the SKU's folders and names its tombstone chain."""
    p = moto_pipeline
    started = p.upload("incoming/acme/CLI-1/scan.jpg", b"not an image")
    p.wait(p.execution_arn(started["execution_name"]))
    ctx = _context(p)
    capsys.readouterr()  # the handlers' log and metric lines

    assert _run(["status", "acme/CLI-1", "--json"], ctx) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [(x["file_name"], x["route"]) for x in shown["photos"]] == [("scan.jpg", "quarantined")]
    assert shown["photos"][0]["reason"]

    assert _run(["delete", "--seller", "acme", "--sku", "CLI-1", "--json"], ctx) == 0
    planned = json.loads(capsys.readouterr().out)
    assert planned["dry_run"] is True
    assert planned["counts"]["objects.incoming"] == 1
    assert planned["counts"]["objects.quarantine"] >= 2
    assert p.s3.list_object_versions(Bucket=p.bucket, Prefix="incoming/acme/CLI-1/")["Versions"]

    argv = ["delete", "--seller", "acme", "--sku", "CLI-1", "--yes", "--actor", "ops", "--json"]
    assert _run(argv, ctx) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["tombstone"] == "deletion#acme/CLI-1"
    for area in ("incoming", "quarantine"):
        listed = p.s3.list_object_versions(Bucket=p.bucket, Prefix=f"{area}/acme/CLI-1/")
        assert "Versions" not in listed and "DeleteMarkers" not in listed

    assert _run(["status", "acme/CLI-1"], ctx) == 0  # the runs remain; their outputs are gone
    assert _run(["status", "nobody"], ctx) == 2
