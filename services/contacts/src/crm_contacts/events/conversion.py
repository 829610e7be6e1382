"""The contacts side of the sales lead conversion saga.

`crm.sales.lead.conversion_requested` carries the lead (`data`) and its conversion
(`data.conversion.id`). The contact is created, or linked when a live contact has the
lead's email (blanks filled in from the lead); the company is found by name, then by the
email's domain, or created. The answer is the contact's own event, `created` or
`linked`, carrying `data.lead_conversion` {lead_id, conversion_id, company_id, outcome},
which sales consumes to open the deal.

It runs in the lifecycle consumer's inbox transaction, after the event id was claimed
(see and_convert_leads): a redelivered request does nothing, and a replayed one (new id)
finds the contact by email and links to it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.contact_store import ContactStore
from crm_contacts.adapters.publisher import publish_contact
from crm_contacts.adapters.rows import contact_to_row
from crm_contacts.adapters.tables import contact_timeline, contacts
from crm_contacts.domain.contact import Contact
from crm_contacts.domain.lifecycle import LifecycleStage
from crm_contacts.domain.timeline import TimelineEntry, TimelineKind
from crm_contacts.events.conversion_company import company_for_lead
from crm_contacts.events.topics import ContactAction
from crm_shared.events import Envelope, uuid_or_none
from crm_shared.inbox import Handler

CONVERSION_REQUESTED = "crm.sales.lead.conversion_requested"
# What a lead brings to its contact.
LEAD_FIELDS = ("first_name", "last_name", "phone", "title")

_log = structlog.get_logger("crm.contacts.conversion")


async def convert_lead(session: AsyncSession, event: Envelope) -> None:
    """Create or link the contact (and company) of a lead being converted; other lead
    events are ignored."""
    if event.type != CONVERSION_REQUESTED:
        return
    data = event.data
    conversion_id = uuid_or_none((data.get("conversion") or {}).get("id"))
    lead_id = uuid_or_none(event.subject) or uuid_or_none(data.get("id"))
    if conversion_id is None or lead_id is None:
        _log.warning("conversion request without ids; ignored", event_id=event.id)
        return
    actor = event.actor or event.source
    now = datetime.now(UTC)
    company_id = await company_for_lead(session, data, actor=actor, now=now)
    answer: dict[str, Any] = {
        "lead_id": str(lead_id),
        "conversion_id": str(conversion_id),
        "company_id": None,
    }
    store = ContactStore(session, actor=actor)
    email = data.get("email")
    existing_id = await store.id_by_email(email) if email else None
    contact = await store.get(existing_id, lock=True) if existing_id else None
    if contact is None:
        await _create(session, data, company_id, answer, actor=actor, now=now)
        return
    changed = [name for name in LEAD_FIELDS if getattr(contact, name) is None and data.get(name)]
    for name in changed:
        setattr(contact, name, data[name])
    if contact.company_id is None and company_id is not None:
        contact.company_id = company_id
        changed.append("company_id")
    # Linking is a change of the contact (it gained a lead and maybe fields): a version.
    contact.version += 1
    contact.updated_at = now
    answer.update(company_id=_text(contact.company_id), outcome="linked")
    entry = TimelineEntry(TimelineKind.UPDATED, {"changed": changed, "lead_conversion": answer})
    extra = {"lead_conversion": answer}
    await store.save(contact, [entry], ContactAction.LINKED, changed=changed, extra=extra)
    _log.info("lead linked to contact", lead_id=str(lead_id), contact_id=str(contact.id))


async def _create(
    session: AsyncSession,
    data: dict[str, Any],
    company_id: uuid.UUID | None,
    answer: dict[str, Any],
    *,
    actor: str,
    now: datetime,
) -> None:
    edits = {name: data.get(name) for name in (*LEAD_FIELDS, "email")}
    edits.update(company_id=company_id, lifecycle_stage=LifecycleStage.LEAD)
    contact, entry = Contact.register(edits, now=now)
    # A concurrent create with this email breaks the unique index: the handler fails,
    # is retried, and then links to that contact.
    await session.execute(insert(contacts).values(contact_to_row(contact)))
    answer.update(company_id=_text(company_id), outcome="created")
    await session.execute(
        insert(contact_timeline).values(
            id=uuid.uuid4(),
            contact_id=contact.id,
            kind=entry.kind.value,
            occurred_at=now,
            actor=actor,
            version=contact.version,
            details={"lead_conversion": answer},
        )
    )
    extra = {"lead_conversion": answer}
    await publish_contact(session, contact, ContactAction.CREATED, actor=actor, extra=extra)
    _log.info("lead became a contact", lead_id=answer["lead_id"], contact_id=str(contact.id))


def _text(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


def and_convert_leads(handler: Handler) -> Handler:
    """`handler` of sales lead events, followed by the conversion step, in its one
    transaction (one consumer group reads the lead topic; its AsyncAPI channel is one)."""

    async def handle(session: AsyncSession, event: Envelope) -> None:
        await handler(session, event)
        await convert_lead(session, event)

    return handle
