"""Loading and saving contacts. Every save writes the change's timeline entries and its
event in the caller's transaction, so the row, the timeline and the outbox never disagree."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.publisher import publish_contact
from crm_contacts.adapters.rows import contact_from_row, contact_to_row
from crm_contacts.adapters.tables import contact_notes, contact_timeline, contacts
from crm_contacts.domain.contact import Contact
from crm_contacts.domain.timeline import TimelineEntry
from crm_contacts.events.schemas import ContactData
from crm_contacts.events.topics import ContactAction


class ContactStore:
    """Contacts of one database session, changed on behalf of `actor`."""

    def __init__(self, session: AsyncSession, *, actor: str | None) -> None:
        self.session = session
        self.actor = actor

    async def get(self, contact_id: uuid.UUID, *, lock: bool = False) -> Contact | None:
        """The contact, or None; `lock` holds its row until the transaction ends."""
        stmt = select(contacts).where(contacts.c.id == contact_id)
        if lock:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).mappings().first()
        return contact_from_row(row) if row else None

    async def id_by_email(self, email: str) -> uuid.UUID | None:
        """The live contact that has this email (compared case-insensitively)."""
        stmt = select(contacts.c.id).where(contacts.c.email == email, ~contacts.c.erased)
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def save(
        self,
        contact: Contact,
        entries: Sequence[TimelineEntry],
        action: ContactAction,
        *,
        changed: list[str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> ContactData:
        """Write a changed contact, its timeline entries and the event of `action`."""
        row = contact_to_row(contact)
        del row["id"], row["created_at"]
        await self.session.execute(update(contacts).where(contacts.c.id == contact.id).values(row))
        await self._add_entries(contact, entries)
        return await publish_contact(
            self.session, contact, action, actor=self.actor, changed=changed, extra=extra
        )

    async def erase(self, contact: Contact, entry: TimelineEntry) -> ContactData:
        """Save an erased contact after blanking what its notes and timeline say."""
        await self.session.execute(
            update(contact_notes).where(contact_notes.c.contact_id == contact.id).values(body="")
        )
        await self.session.execute(
            update(contact_timeline)
            .where(contact_timeline.c.contact_id == contact.id)
            .values(details={})
        )
        return await self.save(contact, [entry], ContactAction.ERASED)

    async def delete(self, contact: Contact) -> None:
        """Delete the contact with its notes and timeline; the event carries its last state."""
        await self.session.execute(delete(contacts).where(contacts.c.id == contact.id))
        # The deletion is a change too: it gets the next version, so consumers that keep
        # the highest sequence seen do not mistake it for a replay.
        contact.version += 1
        await publish_contact(self.session, contact, ContactAction.DELETED, actor=self.actor)

    async def _add_entries(self, contact: Contact, entries: Sequence[TimelineEntry]) -> None:
        if not entries:
            return
        rows = [
            {
                "id": uuid.uuid4(),
                "contact_id": contact.id,
                "kind": entry.kind.value,
                "occurred_at": contact.updated_at,
                "actor": self.actor,
                "version": contact.version,
                "details": entry.details,
            }
            for entry in entries
        ]
        await self.session.execute(insert(contact_timeline).values(rows))
