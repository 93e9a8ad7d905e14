"""DynamoDB for the embedded emulator, served entirely from moto's in-memory backend.

Why: LocalStack's default DynamoDB provider downloads Java and DynamoDB Local on
first use. These machines have no internet access (only package registries), so
that provider can never start. LocalStack already ships moto (``moto-ext``) and
routes requests to it for many services; this provider does the same for every
DynamoDB operation (docs/architecture.md, "The emulator").

Selected with ``PROVIDER_OVERRIDE_DYNAMODB=moto`` and registered in
``infra/pyproject.toml`` as ``[localstack.aws.provider] "dynamodb:moto"``.

Account and region follow the request context: LocalStack's auth handler adds
the ``x-moto-account-id`` header derived from the caller's access key, and moto
reads the region from the request signature, so tables are isolated per
account/region exactly as LocalStack's other moto-backed services are. Internal
callers (Step Functions' ``dynamodb:getItem``/``putItem`` integrations,
CloudFormation's ``AWS::DynamoDB::Table`` resource provider) reach this provider
through the same gateway, so they see the same tables as boto3 clients.

Runs inside LocalStack's interpreter (``.venv-emulator``) only.
"""

from __future__ import annotations

from localstack.aws.api.dynamodb import DynamodbApi
from localstack.services.moto import MotoFallbackDispatcher
from localstack.services.plugins import Service, ServiceLifecycleHook, aws_provider


class MotoDynamoDBProvider(DynamodbApi, ServiceLifecycleHook):
    """A DynamoDB provider that implements nothing itself.

    Every handler inherited from the generated ``DynamodbApi`` raises
    ``NotImplementedError``; ``MotoFallbackDispatcher`` turns that into a call to
    moto's DynamoDB backend with the original request. Keeping no logic here means
    the behaviour (validation, condition expressions, error codes such as
    ``ConditionalCheckFailedException``) is moto's, which the project's moto-based
    integration tests already exercise.
    """


@aws_provider(api="dynamodb", name="moto")
def dynamodb_moto() -> Service:
    """Plugin factory LocalStack calls when the ``dynamodb`` API is first used."""
    return Service.for_provider(
        MotoDynamoDBProvider(), dispatch_table_factory=MotoFallbackDispatcher
    )
