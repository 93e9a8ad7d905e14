"""Which stack a command talks to: the embedded emulator (`local`) or an AWS environment."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import boto3

from lightbox_infra.deploy import LOCAL_REGION, local_aws_env, stack_name, stack_outputs


class StackNotFoundError(RuntimeError):
    pass


@dataclass
class StackContext:
    env: str
    endpoint: str | None = None  # set for `local`

    def client(self, service: str) -> Any:
        if self.endpoint:
            creds = local_aws_env(self.endpoint)
            return boto3.client(
                service,
                endpoint_url=self.endpoint,
                region_name=LOCAL_REGION,
                aws_access_key_id=creds["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=creds["AWS_SECRET_ACCESS_KEY"],
            )
        return boto3.client(service)

    def resource(self, service: str) -> Any:
        if self.endpoint:
            return boto3.resource(
                service,
                endpoint_url=self.endpoint,
                region_name=LOCAL_REGION,
                aws_access_key_id="test",
                aws_secret_access_key="test",
            )
        return boto3.resource(service)

    @cached_property
    def outputs(self) -> dict[str, str]:
        cfn = self.client("cloudformation")
        try:
            return stack_outputs(cfn, stack_name(self.env))
        except cfn.exceptions.ClientError as exc:
            hint = "run `lightbox stack deploy --env local`" if self.endpoint else "deploy it first"
            raise StackNotFoundError(f"stack {stack_name(self.env)} not found: {hint}") from exc
