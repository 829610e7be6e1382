"""Reading a contact's timeline, newest first (entries are written by ContactStore)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.paging import cut_page, read_cursor
from crm_contacts.adapters.tables import contact_timeline


async def list_timeline(
    session: AsyncSession, contact_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of entries (as rows); `seq` gives the order, even within one instant."""
    table = contact_timeline
    stmt = select(table).where(table.c.contact_id == contact_id)
    if cursor:
        (last_seq,) = read_cursor(cursor, int)
        stmt = stmt.where(table.c.seq < last_seq)
    stmt = stmt.order_by(table.c.seq.desc()).limit(limit + 1)
    rows = (await session.execute(stmt)).mappings().all()
    page, next_cursor = cut_page(rows, limit, lambda row: (row["seq"],))
    return [dict(row) for row in page], next_cursor
