"""`lightbox calibrate` and `lightbox config ...` against moto, the Calibrate handler in-process."""

from __future__ import annotations

import argparse
import json

from lightbox.adapters.dynamodb import DynamoConfigStore
from lightbox.adapters.learning import DynamoConfigVersions, DynamoFeedbackStore
from lightbox.scoring.thresholds import DEFAULT_THRESHOLDS
from lightbox_cli import learning
from support.feedback import lenient_reviewer, records


class MotoContext:
    """The StackContext surface the commands use, pointed at the moto pipeline."""

    def __init__(self, pipeline) -> None:
        self.pipeline = pipeline
        self.outputs = {
            "ConfigTableName": pipeline.tables["ConfigTable"],
            "CalibrateFunctionName": "lightbox-local-calibrate",
        }

    def resource(self, service: str):
        assert service == "dynamodb"
        return self.pipeline.dynamodb

    def client(self, service: str):
        assert service == "lambda"
        return self.pipeline.lambda_client


def _config(action: str, version: str = "", other: str = "") -> argparse.Namespace:
    return argparse.Namespace(action=action, version=version, other=other, by="ops")


def test_given_feedback_when_calibrated_from_the_cli_then_versions_can_be_listed_diffed_rolled_back(
    moto_pipeline, capsys
):
    DynamoConfigStore(moto_pipeline.tables["ConfigTable"], moto_pipeline.dynamodb).publish(
        "v1", json.dumps(DEFAULT_THRESHOLDS, sort_keys=True), "initial defaults"
    )
    feedback = DynamoFeedbackStore(moto_pipeline.tables["ReviewTable"], moto_pipeline.dynamodb)
    for r in records(600, lenient_reviewer):
        feedback.put(r)
    ctx = MotoContext(moto_pipeline)
    configs = DynamoConfigVersions(moto_pipeline.tables["ConfigTable"], moto_pipeline.dynamodb)

    assert learning.cmd_calibrate(argparse.Namespace(by="ops", dry_run=True), ctx) == 0
    assert [v.version for v in configs.versions()] == ["v1"]  # a dry run writes nothing
    assert learning.cmd_calibrate(argparse.Namespace(by="ops", dry_run=False), ctx) == 0
    assert configs.current().version == "v2"
    assert "wrote config v2" in capsys.readouterr().out

    assert learning.cmd_config(_config("list"), ctx) == 0
    listed = capsys.readouterr().out
    assert "v1" in listed and "v2" in listed and "current" in listed
    assert learning.cmd_config(_config("diff", "v1"), ctx) == 0
    assert "fashion.routing" in capsys.readouterr().out
    assert learning.cmd_config(_config("show", "v2"), ctx) == 0
    assert '"evidence"' in capsys.readouterr().out

    assert learning.cmd_config(_config("rollback", "v1"), ctx) == 0
    assert configs.current().version == "v3"
    assert configs.current().content() == configs.get("v1").content()
    assert learning.cmd_config(_config("rollback", "v9"), ctx) == 1
