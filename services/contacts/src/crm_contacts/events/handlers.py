"""Reacting to other services: sales and marketing events move contacts along the funnel.

Each handler runs inside crm_shared.inbox's transaction, after the event id was claimed,
so a redelivered event changes nothing. Moves are forward-only; each one is versioned,
put on the timeline and published like any other change.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import structlog
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.contact_store import ContactStore
from crm_contacts.adapters.redirects import CONTACT_REDIRECTS
from crm_contacts.domain.lifecycle import LifecycleStage
from crm_contacts.events.conversion import and_convert_leads
from crm_contacts.events.topics import ContactAction
from crm_shared.db import Database
from crm_shared.events import Envelope
from crm_shared.inbox import subscribe_group
from crm_shared.settings import ServiceSettings

CONSUMER = "contacts.lifecycle"
SALES_LEAD_TOPIC = "crm.sales.lead"
SALES_DEAL_TOPIC = "crm.sales.deal"
MARKETING_ENGAGEMENT_TOPIC = "crm.marketing.engagement"

# Event type -> the stage it proves the contact has reached.
STAGE_BY_EVENT: dict[str, LifecycleStage] = {
    "crm.sales.lead.qualified": LifecycleStage.SALES_QUALIFIED_LEAD,
    "crm.sales.deal.created": LifecycleStage.OPPORTUNITY,
    "crm.sales.deal.won": LifecycleStage.CUSTOMER,
    "crm.marketing.engagement.mql_reached": LifecycleStage.MARKETING_QUALIFIED_LEAD,
}

_log = structlog.get_logger("crm.contacts.lifecycle")


async def advance_lifecycle(session: AsyncSession, event: Envelope) -> None:
    """Move the event's contact (`data.contact_id`) forward to the stage the event proves.

    An event naming a merged contact moves its survivor. Other event types, unknown or
    erased contacts and backward moves are ignored.
    """
    target = STAGE_BY_EVENT.get(event.type)
    if target is None:
        return
    contact_id = _contact_id(event)
    if contact_id is None:
        _log.info("event names no contact; ignored", event_id=event.id, type=event.type)
        return
    store = ContactStore(session, actor=event.actor or event.source)
    contact = await store.get(contact_id, lock=True)
    if contact is None:
        # A merged contact's stage lives on in its survivor.
        survivor_id = await CONTACT_REDIRECTS.survivor_of(session, contact_id)
        contact = await store.get(survivor_id, lock=True) if survivor_id else None
    if contact is None:
        _log.warning(
            "event names an unknown contact; ignored", event_id=event.id, contact_id=str(contact_id)
        )
        return
    cause = {"event_id": event.id, "type": event.type, "source": event.source}
    entry = contact.advance_stage(target, now=datetime.now(UTC), cause=cause)
    if entry is None:
        return
    await store.save(contact, [entry], ContactAction.UPDATED, changed=["lifecycle_stage"])
    _log.info("lifecycle stage advanced", contact_id=str(contact.id), stage=target.value)


def _contact_id(event: Envelope) -> uuid.UUID | None:
    raw = event.data.get("contact_id")
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None


def register_consumers(broker: KafkaBroker, db: Database, settings: ServiceSettings) -> None:
    """Subscribe the lifecycle handler to every topic whose events move the stage."""
    topics = (SALES_LEAD_TOPIC, SALES_DEAL_TOPIC, MARKETING_ENGAGEMENT_TOPIC)
    subscribe_group(
        broker,
        db,
        settings,
        consumer=CONSUMER,
        handlers={topic: advance_lifecycle for topic in topics}
        | {SALES_LEAD_TOPIC: and_convert_leads(advance_lifecycle)},
    )
