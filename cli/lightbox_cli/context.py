"""Which stack a command talks to: the embedded emulator (`local`) or an AWS environment."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import boto3

from lightbox_infra.deploy import local_client, stack_name, stack_outputs

# The services the CLI calls. boto3's stubs type client()/resource() per
# service name, so the name is one of these literals rather than any str.
ClientService = Literal[
    "cloudformation",
    "cloudwatch",
    "kms",
    "lambda",
    "logs",
    "s3",
    "secretsmanager",
    "sqs",
    "stepfunctions",
]
ResourceService = Literal["dynamodb", "s3"]


class StackNotFoundError(RuntimeError):
    pass


@dataclass
class StackContext:
    env: str
    endpoint: str | None = None  # set for `local`

    def client(self, service: ClientService) -> Any:
        if self.endpoint:
            return local_client(service, self.endpoint)
        return boto3.client(service)

    def resource(self, service: ResourceService) -> Any:
        if self.endpoint:
            return local_client(service, self.endpoint, kind="resource")
        return boto3.resource(service)

    @cached_property
    def outputs(self) -> dict[str, str]:
        cfn = self.client("cloudformation")
        try:
            outputs = stack_outputs(cfn, stack_name(self.env))
        except cfn.exceptions.ClientError as exc:
            hint = "run `lightbox stack deploy --env local`" if self.endpoint else "deploy it first"
            raise StackNotFoundError(f"stack {stack_name(self.env)} not found: {hint}") from exc
        if self.endpoint and outputs.get("ReviewApiId"):
            # No DNS for execute-api hosts on the emulator: its path form reaches the same stage.
            outputs["ReviewApiUrl"] = (
                f"{self.endpoint}/_aws/execute-api/{outputs['ReviewApiId']}/api/"
            )
        return outputs
