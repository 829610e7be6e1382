"""Loading and saving deals. Every save writes the stage history entry and the event of
the change in the caller's transaction, so the row, its history and the outbox agree."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.deal_history import record_move
from crm_sales.adapters.deal_publisher import move_action, publish_deal
from crm_sales.adapters.deal_rows import DEAL_COLUMNS, deal_from_row, deal_to_row
from crm_sales.adapters.deal_tables import deals, pipeline_stages
from crm_sales.domain.deal import Deal
from crm_sales.domain.deal_status import DealChange, StageMove
from crm_sales.events.deal_schemas import DealData
from crm_sales.events.topics import DealAction

# A deal's columns and its stage's probability, in one statement.
DEAL_SELECT = select(*(deals.c[name] for name in DEAL_COLUMNS), pipeline_stages.c.probability).join(
    pipeline_stages, pipeline_stages.c.id == deals.c.stage_id
)


class DealStore:
    """Deals of one database session, changed on behalf of `actor`."""

    def __init__(self, session: AsyncSession, *, actor: str | None) -> None:
        self.session = session
        self.actor = actor

    async def get(self, deal_id: uuid.UUID, *, lock: bool = False) -> Deal | None:
        """The deal, or None; `lock` holds its row until the transaction ends."""
        stmt = DEAL_SELECT.where(deals.c.id == deal_id)
        if lock:
            stmt = stmt.with_for_update(of=deals)
        row = (await self.session.execute(stmt)).mappings().first()
        return deal_from_row(row) if row else None

    async def add(
        self, deal: Deal, move: StageMove, *, now: datetime, extra: dict[str, Any] | None = None
    ) -> DealData:
        """Insert a new deal, its first history entry and its `created` event (with
        `extra` in its data).

        A deal created in a won or lost stage has then been won or lost: that is a second
        change (version 2) with its own event, so consumers of `won` and `lost` see it."""
        await self.session.execute(insert(deals).values(deal_to_row(deal)))
        await record_move(self.session, deal, move, actor=self.actor)
        resource = await publish_deal(
            self.session, deal, DealAction.CREATED, actor=self.actor, extra=extra
        )
        if move.closes:
            deal.touch(now)
            await self.session.execute(
                update(deals)
                .where(deals.c.id == deal.id)
                .values(version=deal.version, updated_at=deal.updated_at)
            )
            resource = await publish_deal(
                self.session,
                deal,
                move_action(move),
                actor=self.actor,
                changed=["status"],
                move=move,
            )
        return resource

    async def save(self, deal: Deal, change: DealChange) -> DealData:
        """Write a changed deal, its history entry if it moved, and the change's event."""
        row = deal_to_row(deal)
        del row["id"], row["created_at"]
        await self.session.execute(update(deals).where(deals.c.id == deal.id).values(row))
        if change.move is not None:
            await record_move(self.session, deal, change.move, actor=self.actor)
        return await publish_deal(
            self.session,
            deal,
            move_action(change.move),
            actor=self.actor,
            changed=change.changed,
            move=change.move,
        )

    async def delete(self, deal: Deal, *, now: datetime) -> None:
        """Delete the deal and its history; the event carries its last state."""
        await self.session.execute(delete(deals).where(deals.c.id == deal.id))
        # The deletion is a change too: it gets the next version, so consumers that keep
        # the highest sequence seen do not mistake it for a replay.
        deal.touch(now)
        await publish_deal(self.session, deal, DealAction.DELETED, actor=self.actor)
