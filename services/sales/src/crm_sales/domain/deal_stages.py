"""Which stage a deal goes to, from what the client asked: a stage, a status, or neither."""

from __future__ import annotations

import uuid

from crm_sales.domain.deal_errors import InvalidDealError
from crm_sales.domain.deal_status import DealStatus
from crm_sales.domain.pipeline import Pipeline, Stage, StageKind


def choose_stage(
    pipeline: Pipeline,
    *,
    stage_id: uuid.UUID | None,
    status: DealStatus | None,
    current: uuid.UUID | None = None,
) -> Stage:
    """The stage of `pipeline` the deal goes to.

    A named `stage_id` must be one of the pipeline's, and agree with a named `status`.
    A `status` alone keeps the current stage if it already has that status, else takes
    the pipeline's first stage of that kind (`"status": "won"` wins a deal). Neither keeps
    the current stage, or takes the first open stage of a new pipeline.
    """
    if stage_id is not None:
        stage = pipeline.stage(stage_id)
        if stage is None:
            msg = f"the stage is not one of the pipeline {pipeline.id}'s"
            raise InvalidDealError(msg, field="stage_id")
        if status is not None and stage.kind.value != status.value:
            msg = f"the stage is a {stage.kind.value} stage: the status would be {stage.kind.value}"
            raise InvalidDealError(msg, field="status")
        return stage
    kept = pipeline.stage(current)
    if status is None:
        return kept or pipeline.first_stage(StageKind.OPEN)
    if kept is not None and kept.kind.value == status.value:
        return kept
    return pipeline.first_stage(StageKind(status.value))
