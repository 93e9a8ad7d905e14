"""Status webhook: forwards the status bus's events, signed, to the subscriber's URL.

An SQS event source (batch item failures reported) feeds this function the
queue `StatusWebhookQueue`, which a rule on the status bus fills. Each record's
body, the EventBridge event, is POSTed with a `Lightbox-Signature` header
(`lightbox.status.webhook`). A transient failure leaves the record to SQS,
which redelivers it until maxReceiveCount moves it to `StatusWebhookDeadLetterQueue`;
an answer that retrying cannot change parks it there at once.
"""

import os
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.adapters.dead_letters import SqsDeadLetters
from lightbox.adapters.signing_keys import SecretSigningKeys
from lightbox.handler import logger, stage_handler
from lightbox.status.webhook import WebhookSender, forward


@cache
def _adapters() -> tuple[SecretSigningKeys, SqsDeadLetters]:
    return (
        SecretSigningKeys(os.environ["STATUS_WEBHOOK_SECRET"]),
        SqsDeadLetters(os.environ["STATUS_WEBHOOK_DLQ_URL"]),
    )


@stage_handler("status_webhook")
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    keys, dead_letters = _adapters()
    secret = keys.current()  # read once per batch: a rotated secret signs the next batch
    sender = WebhookSender(os.environ["STATUS_WEBHOOK_URL"], lambda: secret)

    def send(record: SQSRecord) -> None:
        delivery = forward(record.body, sender, dead_letters)
        logger.info(
            "status event forwarded",
            extra={"message_id": record.message_id, "outcome": delivery.outcome},
        )

    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(
        event=event, record_handler=send, processor=processor, context=context
    )
