"""Loading and saving leads. Every save writes the change's event in the caller's
transaction, so the row and the outbox never disagree."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.lead_publisher import publish_lead
from crm_sales.adapters.lead_rows import COLUMNS, lead_from_row, lead_to_row
from crm_sales.adapters.lead_tables import leads
from crm_sales.domain.lead import Lead
from crm_sales.events.lead_schemas import LeadData
from crm_sales.events.topics import LeadAction


class LeadStore:
    """Leads of one database session, changed on behalf of `actor`."""

    def __init__(self, session: AsyncSession, *, actor: str | None) -> None:
        self.session = session
        self.actor = actor

    async def get(self, lead_id: uuid.UUID, *, lock: bool = False) -> Lead | None:
        """The lead, or None; `lock` holds its row until the transaction ends."""
        stmt = select(*COLUMNS).where(leads.c.id == lead_id)
        if lock:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).mappings().first()
        return lead_from_row(row) if row else None

    async def lock_many(self, lead_ids: Sequence[uuid.UUID]) -> list[Lead]:
        """The leads that exist among `lead_ids`, locked in id order (so two writers that
        lock overlapping sets queue up instead of deadlocking)."""
        stmt = (
            select(*COLUMNS).where(leads.c.id.in_(lead_ids)).order_by(leads.c.id).with_for_update()
        )
        return [lead_from_row(row) for row in (await self.session.execute(stmt)).mappings()]

    async def add(self, lead: Lead) -> LeadData:
        """Insert a new lead and its `created` event."""
        await self.session.execute(insert(leads).values(lead_to_row(lead)))
        return await publish_lead(self.session, lead, LeadAction.CREATED, actor=self.actor)

    async def save(
        self,
        lead: Lead,
        action: LeadAction,
        *,
        changed: list[str],
        extra: dict[str, Any] | None = None,
    ) -> LeadData:
        """Write a changed lead and the event of `action`; any change but a score
        counts as work on the lead (touched_at)."""
        lead.note_worked(changed)
        row = lead_to_row(lead)
        del row["id"], row["created_at"]
        await self.session.execute(update(leads).where(leads.c.id == lead.id).values(row))
        return await publish_lead(
            self.session, lead, action, actor=self.actor, changed=changed, extra=extra
        )

    async def delete(self, lead: Lead) -> None:
        """Delete the lead; the event carries its last state at the next version."""
        await self.session.execute(delete(leads).where(leads.c.id == lead.id))
        lead.version += 1
        await publish_lead(self.session, lead, LeadAction.DELETED, actor=self.actor)
