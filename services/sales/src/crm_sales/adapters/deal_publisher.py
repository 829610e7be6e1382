"""Events about deals, pipelines and targets, written to the outbox in the caller's
transaction."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.domain.deal import Deal
from crm_sales.domain.deal_status import DealStatus, StageMove
from crm_sales.domain.pipeline import Pipeline
from crm_sales.domain.target import Target
from crm_sales.events.deal_schemas import DealData
from crm_sales.events.pipeline_schemas import PipelineData
from crm_sales.events.target_schemas import TargetData
from crm_sales.events.topics import (
    DEAL_AGGREGATE,
    DEAL_TOPIC,
    PIPELINE_AGGREGATE,
    PIPELINE_TOPIC,
    SERVICE,
    TARGET_AGGREGATE,
    TARGET_TOPIC,
    DealAction,
    PipelineAction,
    TargetAction,
)
from crm_shared import outbox
from crm_shared.events import new_event

_CLOSING = {DealStatus.WON: DealAction.WON, DealStatus.LOST: DealAction.LOST}


def move_action(move: StageMove | None) -> DealAction:
    """The event a change publishes: winning or losing, else a stage move, else an update."""
    if move is None:
        return DealAction.UPDATED
    if move.closes:
        return _CLOSING[move.to_status]
    return DealAction.STAGE_CHANGED


async def publish_deal(
    session: AsyncSession,
    deal: Deal,
    action: DealAction,
    *,
    actor: str | None,
    changed: list[str] | None = None,
    move: StageMove | None = None,
    extra: dict[str, Any] | None = None,
) -> DealData:
    """Publish `action` with the deal as it now is (and the stage move, if any; `extra`
    adds fields to the event's data only, such as why the deal was opened)."""
    resource = DealData.of(deal)
    data = resource.model_dump(mode="json") | (extra or {})
    if move is not None:
        data["from_stage_id"] = str(move.from_stage_id) if move.from_stage_id else None
        data["to_stage_id"] = str(move.to_stage_id)
    await _publish(
        session,
        DEAL_AGGREGATE,
        DEAL_TOPIC,
        action,
        deal.id,
        data,
        deal.version,
        actor=actor,
        changed=changed,
    )
    return resource


async def publish_pipeline(
    session: AsyncSession,
    pipeline: Pipeline,
    action: PipelineAction,
    *,
    actor: str | None,
    changed: list[str] | None = None,
) -> PipelineData:
    """Publish `action` with the pipeline (and its stages) as it now is."""
    resource = PipelineData.of(pipeline)
    await _publish(
        session,
        PIPELINE_AGGREGATE,
        PIPELINE_TOPIC,
        action,
        pipeline.id,
        resource.model_dump(mode="json"),
        pipeline.version,
        actor=actor,
        changed=changed,
    )
    return resource


async def publish_target(
    session: AsyncSession,
    target: Target,
    action: TargetAction,
    *,
    actor: str | None,
    changed: list[str] | None = None,
) -> TargetData:
    """Publish `action` with the target as it now is."""
    resource = TargetData.of(target)
    await _publish(
        session,
        TARGET_AGGREGATE,
        TARGET_TOPIC,
        action,
        target.id,
        resource.model_dump(mode="json"),
        target.version,
        actor=actor,
        changed=changed,
    )
    return resource


async def _publish(
    session: AsyncSession,
    aggregate: str,
    topic: str,
    action: str,
    subject: uuid.UUID,
    data: dict[str, Any],
    sequence: int,
    *,
    actor: str | None,
    changed: list[str] | None,
) -> None:
    event = new_event(
        service=SERVICE,
        aggregate=aggregate,
        action=action,
        subject=subject,
        data=data,
        sequence=sequence,
        actor=actor,
        changed=changed,
    )
    await outbox.add(session, event, topic=topic, key=str(subject))
