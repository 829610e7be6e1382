"""Notes about a contact: written once, listed newest first."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.paging import cut_page, read_cursor
from crm_contacts.adapters.tables import contact_notes
from crm_contacts.events.schemas import NoteData


async def add_note(session: AsyncSession, note: NoteData) -> None:
    """Insert a note (the caller records it on the contact in the same transaction)."""
    await session.execute(insert(contact_notes).values(note.model_dump()))


async def list_notes(
    session: AsyncSession, contact_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[list[NoteData], str | None]:
    """One page of a contact's notes, newest first."""
    order = (contact_notes.c.created_at, contact_notes.c.id)
    stmt = select(contact_notes).where(contact_notes.c.contact_id == contact_id)
    if cursor:
        created_at, note_id = read_cursor(cursor, datetime, uuid.UUID)
        stmt = stmt.where(tuple_(*order) < (created_at, note_id))
    stmt = stmt.order_by(*(column.desc() for column in order)).limit(limit + 1)
    rows = (await session.execute(stmt)).mappings().all()
    page, next_cursor = cut_page(rows, limit, lambda row: (row["created_at"], row["id"]))
    return [NoteData.model_validate(dict(row)) for row in page], next_cursor
