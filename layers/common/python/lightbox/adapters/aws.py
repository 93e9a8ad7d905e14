"""Step Functions task tokens and SNS notifications."""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.exceptions import ClientError

from lightbox.review.service import TokenExpiredError


class TaskTokens:
    def __init__(self, client: Any | None = None) -> None:
        self._sfn = client or boto3.client("stepfunctions")

    def succeed(self, token: str, output: dict[str, Any]) -> None:
        try:
            self._sfn.send_task_success(taskToken=token, output=json.dumps(output))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist"):
                raise TokenExpiredError(code) from exc
            raise

    def heartbeat(self, token: str) -> None:
        try:
            self._sfn.send_task_heartbeat(taskToken=token)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist"):
                raise TokenExpiredError(code) from exc
            raise


class Notifier:
    def __init__(self, topic_arn: str, client: Any | None = None) -> None:
        self.topic_arn = topic_arn
        self._sns = client or boto3.client("sns")

    def publish(self, subject: str, message: dict[str, Any]) -> None:
        self._sns.publish(
            TopicArn=self.topic_arn, Subject=subject[:100], Message=json.dumps(message, indent=2)
        )


class StepFunctionsExecutions:
    """Starts pipeline executions under deterministic names."""

    def __init__(self, state_machine_arn: str, client: Any | None = None) -> None:
        self.state_machine_arn = state_machine_arn
        self._sfn = client or boto3.client("stepfunctions")

    def start(self, name: str, payload: dict[str, Any]) -> str | None:
        try:
            response = self._sfn.start_execution(
                stateMachineArn=self.state_machine_arn, name=name, input=json.dumps(payload)
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ExecutionAlreadyExists":
                return None
            raise
        return response["executionArn"]
