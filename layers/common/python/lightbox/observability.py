"""Business metrics (CloudWatch EMF via Powertools): one count per terminal outcome."""

from __future__ import annotations

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit

from lightbox.models.stages import Outcome

metrics = Metrics(namespace="Lightbox")
OUTCOME_METRICS = {
    "published": "PhotosPublished",
    "rejected": "PhotosRejected",
    "quarantined": "PhotosQuarantined",
    "failed": "PipelineFailures",
}


def record_outcome(outcome: Outcome) -> None:
    metrics.add_metric(name=OUTCOME_METRICS[outcome.status], unit=MetricUnit.Count, value=1)
    if "confidence" in outcome.scores:
        metrics.add_metric(
            name="Confidence", unit=MetricUnit.NoUnit, value=outcome.scores["confidence"]
        )
