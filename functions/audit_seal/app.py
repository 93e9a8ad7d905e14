"""Seal a finished run's audit chain: sign its head where no pipeline role can write.

Target of the EventBridge rule on the listing pipeline's "Step Functions Execution
Status Change" events (SUCCEEDED, FAILED, TIMED_OUT, ABORTED). Also invocable with
`{"execution_name": ..., "status": ...}` to seal one run by hand.
"""

from datetime import UTC, datetime
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from lightbox.adapters.audit_seal import DynamoAuditSeals, KmsMacSigner
from lightbox.adapters.dynamodb import DynamoAuditStore
from lightbox.audit.seal import seal_chain
from lightbox.audit.trail import pipeline_pk
from lightbox.handler import logger, stage_handler
from lightbox.settings import SealSettings, seal_settings


@cache
def _adapters(s: SealSettings) -> tuple[DynamoAuditStore, DynamoAuditSeals, KmsMacSigner]:
    return (
        DynamoAuditStore(s.audit_table),
        DynamoAuditSeals(s.seal_table),
        KmsMacSigner(s.seal_key_id),
    )


@stage_handler("audit_seal")
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    detail = event.get("detail") or {}
    name = str(detail.get("name") or event.get("execution_name") or "")
    status = str(detail.get("status") or event.get("status") or "")
    if not name or not status:
        raise ValueError("a seal needs the execution's name and status")
    store, seals, signer = _adapters(seal_settings())
    now = datetime.now(UTC).isoformat()
    item = seal_chain(store, seals, signer, pipeline_pk(name), status, now)
    sealed = {"execution": name, "status": status, "seq": item["seq"] if item else 0}
    logger.info("audit sealed" if item else "no audit records to seal", extra=sealed)
    return sealed
