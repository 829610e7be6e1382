"""Writing a batch of imported contacts: rows, timeline entries and events, a statement
each for the whole batch, all in the caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Text, any_, bindparam, cast, select
from sqlalchemy.dialects.postgresql import ARRAY, CITEXT
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.import_sql import column_arrays, unnest_insert, unnest_update
from crm_contacts.adapters.publisher import contact_event
from crm_contacts.adapters.rows import CONTACT_COLUMNS, contact_from_row, contact_to_row
from crm_contacts.adapters.tables import contact_timeline, contacts
from crm_contacts.domain.contact import Contact
from crm_contacts.domain.timeline import TimelineEntry
from crm_contacts.events.topics import CONTACT_TOPIC, ContactAction

_INSERT = unnest_insert(contacts, CONTACT_COLUMNS, skip_conflicts=True, returning="id")
_UPDATE = unnest_update(contacts, "id", [c for c in CONTACT_COLUMNS if c != "id"])
_TIMELINE_COLUMNS = ("id", "contact_id", "kind", "occurred_at", "actor", "version", "details")
_TIMELINE = unnest_insert(contact_timeline, _TIMELINE_COLUMNS)


async def live_contacts_by_email(
    session: AsyncSession, emails: Iterable[str], *, lock: bool
) -> dict[str, Contact]:
    """The live contacts owning `emails`, by lowercase email; `lock` holds their rows."""
    wanted = sorted({email.lower() for email in emails})
    if not wanted:
        return {}
    # An array parameter keeps this one prepared statement, whatever the batch's size.
    stmt = select(contacts).where(
        contacts.c.email == any_(cast(bindparam("emails", wanted, ARRAY(Text)), ARRAY(CITEXT))),
        ~contacts.c.erased,
    )
    if lock:
        stmt = stmt.order_by(contacts.c.id).with_for_update()
    rows = (await session.execute(stmt)).mappings().all()
    return {row["email"].lower(): contact_from_row(row) for row in rows}


async def insert_contacts(session: AsyncSession, new: Sequence[Contact]) -> set[uuid.UUID]:
    """Insert the contacts a unique index lets in (emails and unique custom fields);
    returns their ids. The others are left out, never an error that loses the batch."""
    if not new:
        return set()
    rows = [contact_to_row(contact) for contact in new]
    result = await session.execute(_INSERT, column_arrays(contacts, CONTACT_COLUMNS, rows))
    return {row[0] for row in result}


async def save_contacts(session: AsyncSession, changed: Sequence[Contact]) -> None:
    """Write contacts changed in memory (their rows locked by this transaction)."""
    if not changed:
        return
    rows = [contact_to_row(contact) for contact in changed]
    await session.execute(_UPDATE, column_arrays(contacts, CONTACT_COLUMNS, rows))


async def add_timeline(
    session: AsyncSession,
    entries: Sequence[tuple[Contact, TimelineEntry]],
    *,
    actor: str | None,
) -> None:
    """One timeline row per (contact, entry), stamped with the contact's version and time."""
    rows = [
        {
            "id": uuid.uuid4(),
            "contact_id": contact.id,
            "kind": entry.kind.value,
            "occurred_at": contact.updated_at,
            "actor": actor,
            "version": contact.version,
            "details": entry.details,
        }
        for contact, entry in entries
    ]
    if rows:
        await session.execute(_TIMELINE, column_arrays(contact_timeline, _TIMELINE_COLUMNS, rows))


def contact_events(
    changes: Sequence[tuple[Contact, ContactAction, list[str] | None]], *, actor: str | None
) -> list[tuple[dict[str, Any], str, str]]:
    """The outbox entry of each (contact, action, changed fields): CPU only, no I/O (the
    import builds them in a thread while PostgreSQL inserts the contacts)."""
    events: list[tuple[dict[str, Any], str, str]] = []
    for contact, action, changed in changes:
        _, event = contact_event(contact, action, actor=actor, changed=changed)
        events.append((event, CONTACT_TOPIC, str(contact.id)))
    return events
