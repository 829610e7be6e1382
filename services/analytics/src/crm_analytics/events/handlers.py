"""Keeping analytics' read models from other services' events.

Each handler runs inside crm_shared.inbox's transaction, after the event id was claimed,
so a redelivered event changes nothing; sequence checks in the domain make an older event
arriving late change nothing either.
"""

from __future__ import annotations

import structlog
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.adapters.customer_store import CustomerStore
from crm_analytics.domain.customer import project
from crm_analytics.events.contact_events import CONTACT_TOPIC, contact_change
from crm_shared.db import Database
from crm_shared.events import Envelope
from crm_shared.inbox import subscribe_group
from crm_shared.settings import ServiceSettings

CONSUMER = "analytics.customers"
_log = structlog.get_logger("crm.analytics.customers")


async def project_contact_event(session: AsyncSession, event: Envelope) -> None:
    """Apply one `crm.contacts.contact` event to the customers read model."""
    change = contact_change(event)
    if change is None:
        _log.info("not a contact event; ignored", event_id=event.id, type=event.type)
        return
    store = CustomerStore(session)
    touched = change.touched_ids()
    await store.lock(touched)
    rows = await store.load(touched)
    await store.save(project(change, rows))


def register_consumers(broker: KafkaBroker, db: Database, settings: ServiceSettings) -> None:
    """Subscribe the read-model handlers to the topics they follow."""
    subscribe_group(
        broker, db, settings, consumer=CONSUMER, handlers={CONTACT_TOPIC: project_contact_event}
    )
