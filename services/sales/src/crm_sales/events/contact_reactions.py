"""Reacting to `crm.contacts.contact` events.

- `created` / `linked` carrying `data.lead_conversion`: the contacts service's answer to a
  conversion request; the deal is opened and the lead converted (once per conversion).
- `merged` (subject = survivor, `data.merged_ids`): leads, deals, activities and
  conversions that named a merged contact name the survivor; each changed lead, deal and
  activity gets a new version and an `updated` event.
- `erased` (subject = the contact): the personal data of its leads is blanked, and its
  activities (and its leads') keep neither subject nor notes; deals carry none of it.

Each runs in crm_shared.inbox's transaction after the event id was claimed, and every
step is a no-op when already done, so redelivery changes nothing.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import structlog
from faststream.kafka import KafkaBroker
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.activity_store import ActivityStore
from crm_sales.adapters.activity_tables import activities
from crm_sales.adapters.conversion_saga import complete_conversion
from crm_sales.adapters.conversion_tables import lead_conversions
from crm_sales.adapters.deal_store import DealStore
from crm_sales.adapters.deal_tables import deals
from crm_sales.adapters.lead_store import LeadStore
from crm_sales.adapters.lead_tables import leads
from crm_sales.domain.deal_status import DealChange
from crm_sales.events.topics import LeadAction
from crm_shared.db import Database
from crm_shared.events import Envelope, uuid_or_none
from crm_shared.inbox import subscribe_group
from crm_shared.settings import ServiceSettings

CONSUMER = "sales.contacts"
CONTACT_TOPIC = "crm.contacts.contact"
PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone", "title")
# What an erased contact's activities say instead of their subject (notes are cleared).
ERASED_SUBJECT = "(erased)"

_log = structlog.get_logger("crm.sales.contacts")


async def react_to_contact(session: AsyncSession, event: Envelope) -> None:
    """Dispatch a contact event to its reaction; other types are ignored."""
    action = event.type.removeprefix(f"{CONTACT_TOPIC}.")
    actor = event.actor or event.source
    now = datetime.now(UTC)
    if action in ("created", "linked") and isinstance(event.data.get("lead_conversion"), dict):
        await _answer_conversion(session, event, actor, now)
    elif action == "merged":
        survivor = uuid_or_none(event.subject)
        merged = [uuid_or_none(value) for value in event.data.get("merged_ids") or []]
        if survivor is not None:
            await repoint(session, [m for m in merged if m], survivor, actor=actor, now=now)
    elif action == "erased" and (contact_id := uuid_or_none(event.subject)) is not None:
        await scrub(session, contact_id, actor=actor, now=now)


async def _answer_conversion(
    session: AsyncSession, event: Envelope, actor: str, now: datetime
) -> None:
    answer: dict[str, Any] = event.data["lead_conversion"]
    conversion_id = uuid_or_none(answer.get("conversion_id"))
    contact_id = uuid_or_none(event.subject) or uuid_or_none(event.data.get("id"))
    if conversion_id is None or contact_id is None:
        _log.warning("conversion answer without ids; ignored", event_id=event.id)
        return
    company_id = uuid_or_none(event.data.get("company_id"))
    await complete_conversion(
        session, conversion_id, contact_id=contact_id, company_id=company_id, actor=actor, now=now
    )


async def repoint(
    session: AsyncSession,
    merged_ids: list[uuid.UUID],
    survivor_id: uuid.UUID,
    *,
    actor: str,
    now: datetime,
) -> None:
    """Make every lead, deal, activity and conversion naming a merged contact name the
    survivor."""
    if not merged_ids:
        return
    lead_store = LeadStore(session, actor=actor)
    lead_ids = await _ids(session, leads.c.id, leads.c.contact_id.in_(merged_ids))
    for lead in await lead_store.lock_many(lead_ids):
        lead.contact_id = survivor_id
        lead.touch(now)
        await lead_store.save(lead, LeadAction.UPDATED, changed=["contact_id"])
    deal_store = DealStore(session, actor=actor)
    for deal_id in await _ids(session, deals.c.id, deals.c.contact_id.in_(merged_ids)):
        deal = await deal_store.get(deal_id, lock=True)
        if deal is None or deal.contact_id not in merged_ids:
            continue
        deal.contact_id = survivor_id
        deal.touch(now)
        await deal_store.save(deal, DealChange(["contact_id"], None))
    activity_store = ActivityStore(session, actor=actor)
    logged = activities.c.contact_id.in_(merged_ids)
    for activity_id in await _ids(session, activities.c.id, logged):
        activity = await activity_store.get(activity_id, lock=True)
        if activity is None or activity.contact_id not in merged_ids:
            continue
        activity.contact_id = survivor_id
        activity.touch(now)
        await activity_store.save(activity, ["contact_id"])
    await session.execute(
        update(lead_conversions)
        .where(lead_conversions.c.contact_id.in_(merged_ids))
        .values(contact_id=survivor_id)
    )


async def scrub(session: AsyncSession, contact_id: uuid.UUID, *, actor: str, now: datetime) -> None:
    """Blank the personal data of the erased contact's leads, and the subject and notes of
    the activities logged against the contact or those leads (already blank: no change).

    Deals keep only the contact id, money and stages: nothing personal to drop."""
    store = LeadStore(session, actor=actor)
    lead_ids = await _ids(session, leads.c.id, leads.c.contact_id == contact_id)
    for lead in await store.lock_many(lead_ids):
        changed = [name for name in PERSONAL_FIELDS if getattr(lead, name) is not None]
        if not changed:
            continue
        for name in changed:
            setattr(lead, name, None)
        lead.touch(now)
        await store.save(lead, LeadAction.UPDATED, changed=changed)
    activity_store = ActivityStore(session, actor=actor)
    about = or_(activities.c.contact_id == contact_id, activities.c.lead_id.in_(lead_ids))
    for activity_id in await _ids(session, activities.c.id, about):
        activity = await activity_store.get(activity_id, lock=True)
        if activity is None:
            continue
        blanks = {"subject": ERASED_SUBJECT, "notes": None}
        changed = [name for name, blank in blanks.items() if getattr(activity, name) != blank]
        if not changed:
            continue
        activity.subject, activity.notes = ERASED_SUBJECT, None
        activity.touch(now)
        await activity_store.save(activity, changed)


async def _ids(session: AsyncSession, column: Any, condition: Any) -> list[uuid.UUID]:
    rows = await session.execute(select(column).where(condition).order_by(column))
    return list(rows.scalars())


def register_contact_reactions(
    broker: KafkaBroker, db: Database, settings: ServiceSettings
) -> None:
    """Subscribe the reactions to contact events, as a consumer group of their own."""
    subscribe_group(
        broker, db, settings, consumer=CONSUMER, handlers={CONTACT_TOPIC: react_to_contact}
    )
