"""Automation rules evaluated on events: the service's own `crm.sales.deal` events.

A deal entering a stage (`created` in it, `stage_changed`, `won`, `lost`) runs the active
`deal.stage_entered` rules of that stage (adapters.automation_runs). The consumer has a
group of its own, so rules run whatever else the service is busy with; it runs in
crm_shared.inbox's transaction after the event id was claimed, and each rule's run is
keyed by the event id too, so redelivery logs no second task.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import structlog
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.automation_runs import run_stage_rules
from crm_sales.domain.automation import entered_stage
from crm_sales.events.topics import DEAL_TOPIC
from crm_shared.db import Database
from crm_shared.events import Envelope
from crm_shared.inbox import subscribe_group
from crm_shared.settings import ServiceSettings

CONSUMER = "sales.automation"

_log = structlog.get_logger("crm.sales.automation")


def _when(event: Envelope, now: datetime) -> datetime:
    """When the event happened (its `time`), else now."""
    try:
        return datetime.fromisoformat(event.time) if event.time else now
    except ValueError:
        return now


async def react_to_deal(session: AsyncSession, event: Envelope) -> None:
    """Run the rules of the stage a deal event says the deal entered; other events,
    and events naming no deal, are ignored."""
    stage_id = entered_stage(event.type.removeprefix(f"{DEAL_TOPIC}."), event.data)
    if stage_id is None:
        return
    try:
        deal_id = uuid.UUID(str(event.subject or event.data.get("id")))
    except ValueError:
        _log.warning("deal event without a deal id; ignored", event_id=event.id)
        return
    now = datetime.now(UTC)
    logged = await run_stage_rules(
        session,
        deal_id=deal_id,
        stage_id=stage_id,
        event_id=event.id,
        entered_at=_when(event, now),
        now=now,
    )
    if logged:
        _log.info("automation tasks logged", deal_id=str(deal_id), count=logged)


def register_automation(broker: KafkaBroker, db: Database, settings: ServiceSettings) -> None:
    """Subscribe the automation consumer to deal events, as a consumer group of its own."""
    subscribe_group(broker, db, settings, consumer=CONSUMER, handlers={DEAL_TOPIC: react_to_deal})
