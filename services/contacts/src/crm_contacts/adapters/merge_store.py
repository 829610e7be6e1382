"""Saving a merge in the caller's transaction: the duplicates' children move to the
survivor, the duplicates become redirects, and every event goes to the outbox.

Order matters: redirects are repointed before the duplicates are deleted (deleting a
record deletes the redirects to it), and duplicates are deleted before the survivor is
written, so unique indexes (email, unique custom fields) never see a value twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Text, cast, delete, func, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.company_moves import move_contacts_to_company, publish_company_change
from crm_contacts.adapters.contact_store import ContactStore
from crm_contacts.adapters.publisher import publish_contact
from crm_contacts.adapters.redirects import COMPANY_REDIRECTS, CONTACT_REDIRECTS
from crm_contacts.adapters.rows import company_from_row, company_to_row, contact_from_row
from crm_contacts.adapters.tables import companies, contact_notes, contact_timeline, contacts
from crm_contacts.domain.changes import Revision
from crm_contacts.domain.company import Company
from crm_contacts.domain.contact import Contact
from crm_contacts.events.schemas import CompanyData, ContactData
from crm_contacts.events.topics import CompanyAction, ContactAction


class ContactMergeStore:
    """Contact merges of one database session, on behalf of `actor`."""

    def __init__(self, session: AsyncSession, *, actor: str | None) -> None:
        self.session = session
        self.actor = actor

    async def lock(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Contact]:
        """The contacts among `ids` that exist, locked in id order: two merges of
        overlapping contacts queue up instead of deadlocking."""
        stmt = (
            select(contacts).where(contacts.c.id.in_(list(ids))).order_by(contacts.c.id)
        ).with_for_update()
        rows = (await self.session.execute(stmt)).mappings().all()
        return {row["id"]: contact_from_row(row) for row in rows}

    async def absorb(
        self, survivor: Contact, duplicates: Sequence[Contact], revision: Revision
    ) -> ContactData:
        """Save a merge that crm_contacts.domain.contact_merge planned; returns the survivor
        as published in `merged`. Each duplicate's stream ends with `merged_into`."""
        merged_ids = [duplicate.id for duplicate in duplicates]
        now = survivor.updated_at
        await self.session.execute(
            update(contact_notes)
            .where(contact_notes.c.contact_id.in_(merged_ids))
            .values(contact_id=survivor.id)
        )
        timeline = contact_timeline.c
        # Each moved entry says which contact it came from (SET sees the old contact_id).
        origin = func.jsonb_build_object("merged_from", cast(timeline.contact_id, Text))
        details = timeline.details.op("||", return_type=JSONB)(origin)
        await self.session.execute(
            update(contact_timeline)
            .where(timeline.contact_id.in_(merged_ids))
            .values(contact_id=survivor.id, details=details)
        )
        await CONTACT_REDIRECTS.record(self.session, merged_ids, survivor.id, now=now)
        await self.session.execute(delete(contacts).where(contacts.c.id.in_(merged_ids)))
        for duplicate in duplicates:
            duplicate.version += 1
            duplicate.updated_at = now
            await publish_contact(
                self.session,
                duplicate,
                ContactAction.MERGED_INTO,
                actor=self.actor,
                extra={"survivor_id": str(survivor.id)},
            )
        extra = {"merged_ids": [str(merged_id) for merged_id in merged_ids]}
        store = ContactStore(self.session, actor=self.actor)
        return await store.save(
            survivor, revision.entries, ContactAction.MERGED, changed=revision.changed, extra=extra
        )


class CompanyMergeStore:
    """Company merges of one database session, on behalf of `actor`."""

    def __init__(self, session: AsyncSession, *, actor: str | None) -> None:
        self.session = session
        self.actor = actor

    async def lock(self, ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Company]:
        """The companies among `ids` that exist, locked in id order."""
        stmt = (
            select(companies).where(companies.c.id.in_(list(ids))).order_by(companies.c.id)
        ).with_for_update()
        rows = (await self.session.execute(stmt)).mappings().all()
        return {row["id"]: company_from_row(row) for row in rows}

    async def absorb(
        self, survivor: Company, duplicates: Sequence[Company], changed: list[str]
    ) -> CompanyData:
        """Save a planned company merge: the duplicates' contacts move to the survivor
        (each with its own `updated` event), then the duplicates become redirects."""
        merged_ids = [duplicate.id for duplicate in duplicates]
        now = survivor.updated_at
        await move_contacts_to_company(
            self.session, merged_ids, survivor.id, actor=self.actor, now=now
        )
        await COMPANY_REDIRECTS.record(self.session, merged_ids, survivor.id, now=now)
        await self.session.execute(delete(companies).where(companies.c.id.in_(merged_ids)))
        for duplicate in duplicates:
            duplicate.version += 1
            duplicate.updated_at = now
            extra: dict[str, Any] = {"survivor_id": str(survivor.id)}
            await publish_company_change(
                self.session, duplicate, CompanyAction.MERGED_INTO, actor=self.actor, extra=extra
            )
        row = company_to_row(survivor)
        del row["id"], row["created_at"]
        await self.session.execute(
            update(companies).where(companies.c.id == survivor.id).values(row)
        )
        extra = {"merged_ids": [str(merged_id) for merged_id in merged_ids]}
        return await publish_company_change(
            self.session,
            survivor,
            CompanyAction.MERGED,
            actor=self.actor,
            changed=changed,
            extra=extra,
        )
