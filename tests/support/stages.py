"""Drive the real stage functions over the in-memory fakes, one Lambda's work at a time.

`StageDriver(photo).run_until("score")` leaves `driver.state` as the state
machine would hand it to the next state, so a test of one stage starts from
what the earlier stages really produced, not from a hand-written dict.
"""

from __future__ import annotations

import json
from typing import Any

from lightbox.audit.trail import pipeline_pk
from lightbox.models.stages import AnalysisOutput, ExecutionRef, PipelineState, RenderRequest
from lightbox.pipeline import analyse, decide, enhance, intake, validate
from support.fakes import BUCKET, Fakes, RecordingExecutions

SELLER, SKU = "acme", "mug-01"

ORDER = ("validate", "analyse", "enhance", "render", "score")


class StageDriver:
    def __init__(
        self,
        photo: bytes,
        *,
        filename: str = "front.jpg",
        product: dict[str, Any] | None = None,
        fakes: Fakes | None = None,
        seller: str = SELLER,
        sku: str = SKU,
    ) -> None:
        self.fakes = fakes or Fakes()
        self.deps = self.fakes.deps()
        self.key = f"incoming/{seller}/{sku}/{filename}"
        self.fakes.objects.put_bytes(self.key, photo, "image/jpeg")
        if product is not None:
            self.fakes.objects.put_json(f"incoming/{seller}/{sku}/product.json", product)
        executions = RecordingExecutions()
        started = intake.start_for_upload(executions, BUCKET, self.key, None, "etag", len(photo))
        assert started.action == "started", started
        payload = executions.started[started.execution_name]
        self.state = PipelineState.model_validate(
            {
                **payload,
                "execution": ExecutionRef(
                    id=started.execution_arn, name=started.execution_name
                ).model_dump(),
            }
        )

    @property
    def audit_pk(self) -> str:
        return pipeline_pk(self.state.execution.name)

    def run_until(self, last: str) -> PipelineState:
        """Run the stages in pipeline order up to and including `last`."""
        for stage in ORDER[: ORDER.index(last) + 1]:
            getattr(self, f"_{stage}")()
        return self.state

    def _validate(self) -> None:
        self.state.validation = validate.validate(self.state, self.deps)
        assert self.state.validation.ok, self.state.validation.reasons

    def _analyse(self) -> None:
        parts = {
            "segment": analyse.segment(self.state, self.deps),
            "attributes": analyse.attributes(self.state, self.deps),
            "copy": analyse.draft(self.state),
        }
        self.state.analysis = AnalysisOutput.model_validate(parts)

    def _enhance(self) -> None:
        self.state.studio = enhance.enhance(self.state, self.deps)

    def _render(self) -> None:
        assert self.state.validation and self.state.studio
        self.state.renders = [
            enhance.render(
                RenderRequest(
                    marketplace=m,
                    studio=self.state.studio,
                    photo=self.state.photo,
                    execution=self.state.execution,
                ),
                self.deps,
            )
            for m in self.state.validation.product.marketplaces
        ]

    def _score(self) -> None:
        self.state.score = decide.score(self.state, self.deps)

    def as_event(self) -> dict[str, Any]:
        """The state as JSON, the way the state machine passes it on."""
        return json.loads(self.state.model_dump_json(by_alias=True))
