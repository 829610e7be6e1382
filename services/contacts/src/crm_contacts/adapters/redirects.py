"""Where a merged id points now: one row per merged id, always naming a live survivor."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.tables import company_redirects, contact_redirects


class Redirects:
    """The redirects of one kind of record (contacts or companies)."""

    def __init__(self, table: Table) -> None:
        self.table = table

    async def survivor_of(self, session: AsyncSession, merged_id: uuid.UUID) -> uuid.UUID | None:
        """The record `merged_id` was merged into, or None if it never was."""
        stmt = select(self.table.c.survivor_id).where(self.table.c.merged_id == merged_id)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def merged_into(self, session: AsyncSession, survivor_id: uuid.UUID) -> list[uuid.UUID]:
        """The ids merged into `survivor_id` (directly or through earlier merges)."""
        stmt = select(self.table.c.merged_id).where(self.table.c.survivor_id == survivor_id)
        return list((await session.execute(stmt)).scalars())

    async def record(
        self,
        session: AsyncSession,
        merged_ids: Sequence[uuid.UUID],
        survivor_id: uuid.UUID,
        *,
        now: datetime,
    ) -> None:
        """Point `merged_ids`, and every id merged into them before, at `survivor_id`.

        Runs before the merged rows are deleted: their own redirects would go with them.
        """
        await session.execute(
            update(self.table)
            .where(self.table.c.survivor_id.in_(merged_ids))
            .values(survivor_id=survivor_id)
        )
        rows = [
            {"merged_id": merged_id, "survivor_id": survivor_id, "merged_at": now}
            for merged_id in merged_ids
        ]
        await session.execute(insert(self.table), rows)


CONTACT_REDIRECTS = Redirects(contact_redirects)
COMPANY_REDIRECTS = Redirects(company_redirects)
