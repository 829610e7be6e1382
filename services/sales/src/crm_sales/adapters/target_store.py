"""Loading and saving sales targets (with their events), listing them, and how much of
each was won."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.deal_paging import created_key, cut_page, oldest_first
from crm_sales.adapters.deal_publisher import publish_target
from crm_sales.adapters.deal_rows import TARGET_COLUMNS, target_from_row, target_to_row
from crm_sales.adapters.deal_tables import deals, sales_targets
from crm_sales.domain.deal_status import DealStatus
from crm_sales.domain.target import Target
from crm_sales.events.target_schemas import TargetData
from crm_sales.events.topics import TargetAction

COLUMNS = [sales_targets.c[name] for name in TARGET_COLUMNS]


class TargetStore:
    """Targets of one database session, changed on behalf of `actor`."""

    def __init__(self, session: AsyncSession, *, actor: str | None) -> None:
        self.session = session
        self.actor = actor

    async def get(self, target_id: uuid.UUID, *, lock: bool = False) -> Target | None:
        """The target, or None; `lock` holds its row until the transaction ends."""
        stmt = select(*COLUMNS).where(sales_targets.c.id == target_id)
        if lock:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).mappings().first()
        return target_from_row(row) if row else None

    async def id_of(self, target: Target) -> uuid.UUID | None:
        """The id of the target that has `target`'s owner, period and currency."""
        stmt = select(sales_targets.c.id).where(
            sales_targets.c.owner_id == target.owner_id,
            sales_targets.c.period == target.period,
            sales_targets.c.currency == target.currency,
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def add(self, target: Target) -> TargetData:
        """Insert a new target and its `created` event."""
        await self.session.execute(insert(sales_targets).values(target_to_row(target)))
        return await publish_target(self.session, target, TargetAction.CREATED, actor=self.actor)

    async def save(self, target: Target, changed: list[str]) -> TargetData:
        """Write a changed target and its `updated` event."""
        row = target_to_row(target)
        del row["id"], row["created_at"]
        await self.session.execute(
            update(sales_targets).where(sales_targets.c.id == target.id).values(row)
        )
        return await publish_target(
            self.session, target, TargetAction.UPDATED, actor=self.actor, changed=changed
        )

    async def delete(self, target: Target, *, now: datetime) -> None:
        """Delete the target; the event carries its last state (at the next version)."""
        await self.session.execute(delete(sales_targets).where(sales_targets.c.id == target.id))
        target.version += 1
        target.updated_at = now
        await publish_target(self.session, target, TargetAction.DELETED, actor=self.actor)


async def list_targets(
    session: AsyncSession,
    *,
    owner_id: uuid.UUID | None,
    period: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Target], str | None]:
    """One page of targets, oldest first, of one owner and/or period if given."""
    conditions = []
    if owner_id is not None:
        conditions.append(sales_targets.c.owner_id == owner_id)
    if period is not None:
        conditions.append(sales_targets.c.period == period)
    stmt = oldest_first(sales_targets, COLUMNS, conditions, cursor).limit(limit + 1)
    rows, next_cursor = cut_page((await session.execute(stmt)).mappings().all(), limit, created_key)
    return [target_from_row(row) for row in rows], next_cursor


async def closed_won(session: AsyncSession, targets: Sequence[Target]) -> dict[uuid.UUID, Decimal]:
    """For each target, the amount its owner won in its currency with a close date in its
    period."""
    if not targets:
        return {}
    t, d = sales_targets, deals
    won = and_(
        d.c.owner_id == t.c.owner_id,
        d.c.currency == t.c.currency,
        d.c.status == DealStatus.WON.value,
        d.c.close_date >= t.c.starts_on,
        d.c.close_date < t.c.ends_before,
    )
    stmt = (
        select(t.c.id, func.coalesce(func.sum(d.c.amount), 0))
        .select_from(t.outerjoin(d, won))
        .where(t.c.id.in_([target.id for target in targets]))
        .group_by(t.c.id)
    )
    return {row[0]: Decimal(row[1]) for row in await session.execute(stmt)}
