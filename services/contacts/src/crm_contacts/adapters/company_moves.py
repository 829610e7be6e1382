"""Moving contacts from merged companies to the survivor, and company events that carry
extra fields (`merged_ids`, `survivor_id`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.publisher import contact_event
from crm_contacts.adapters.rows import CONTACT_COLUMNS, contact_from_row
from crm_contacts.adapters.tables import contact_timeline, contacts
from crm_contacts.domain.company import Company
from crm_contacts.domain.timeline import TimelineKind
from crm_contacts.events.schemas import CompanyData
from crm_contacts.events.topics import (
    COMPANY_AGGREGATE,
    COMPANY_TOPIC,
    CONTACT_TOPIC,
    SERVICE,
    CompanyAction,
    ContactAction,
)
from crm_shared import outbox
from crm_shared.events import new_event
from crm_shared.outbox import OUTBOX


async def move_contacts_to_company(
    session: AsyncSession,
    from_ids: Sequence[uuid.UUID],
    to_id: uuid.UUID,
    *,
    actor: str | None,
    now: datetime,
) -> int:
    """Every contact of the companies `from_ids` now works at `to_id`; returns how many
    live contacts moved.

    Live contacts change like any other write: a new version, a timeline entry and an
    `updated` event naming `company_id`, so read-copies elsewhere follow. Erased
    tombstones cannot change, so they are repointed silently, as deleting a company
    lets them go silently.
    """
    at_old = contacts.c.company_id.in_(from_ids)
    locked = (
        await session.execute(
            select(contacts.c.id, contacts.c.company_id)
            .where(at_old, ~contacts.c.erased)
            .order_by(contacts.c.id)
            .with_for_update()
        )
    ).all()
    tombstones = update(contacts).where(at_old, contacts.c.erased)
    await session.execute(tombstones.values(company_id=to_id))
    if not locked:
        return 0
    previous = {row.id: row.company_id for row in locked}
    moved = (
        await session.execute(
            update(contacts)
            .where(at_old, ~contacts.c.erased)
            .values(company_id=to_id, version=contacts.c.version + 1, updated_at=now)
            .returning(*(contacts.c[name] for name in CONTACT_COLUMNS))
        )
    ).mappings()
    entries, events = [], []
    for row in moved:
        contact = contact_from_row(row)
        change = {"from": str(previous[contact.id]), "to": str(to_id)}
        details = {"changed": ["company_id"], "changes": {"company_id": change}}
        entries.append(
            {
                "id": uuid.uuid4(),
                "contact_id": contact.id,
                "kind": TimelineKind.UPDATED.value,
                "occurred_at": now,
                "actor": actor,
                "version": contact.version,
                "details": details,
            }
        )
        _, event = contact_event(
            contact, ContactAction.UPDATED, actor=actor, changed=["company_id"]
        )
        events.append(
            {
                "event_id": uuid.UUID(event["id"]),
                "topic": CONTACT_TOPIC,
                "key": str(contact.id),
                "payload": event,
                "traceparent": event.get("traceparent"),
            }
        )
    # One statement each, however many contacts moved (the same rows outbox.add writes).
    await session.execute(insert(contact_timeline), entries)
    await session.execute(insert(OUTBOX), events)
    return len(events)


async def publish_company_change(
    session: AsyncSession,
    company: Company,
    action: CompanyAction,
    *,
    actor: str | None,
    changed: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> CompanyData:
    """Publish `action` with the company as it now is plus `extra`; returns the company."""
    resource = CompanyData.of(company)
    data = {**resource.model_dump(mode="json"), **(extra or {})}
    event = new_event(
        service=SERVICE,
        aggregate=COMPANY_AGGREGATE,
        action=action.value,
        subject=company.id,
        data=data,
        sequence=company.version,
        actor=actor,
        changed=changed,
    )
    await outbox.add(session, event, topic=COMPANY_TOPIC, key=str(company.id))
    return resource
