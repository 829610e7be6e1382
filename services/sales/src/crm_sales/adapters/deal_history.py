"""A deal's stage history: one row per stage it entered, with when and by whom."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.deal_paging import cut_page, read_cursor
from crm_sales.adapters.deal_tables import deal_stage_history
from crm_sales.domain.deal import Deal
from crm_sales.domain.deal_status import StageMove

HISTORY_COLUMNS = [
    deal_stage_history.c[name]
    for name in (
        "seq",
        "pipeline_id",
        "from_stage_id",
        "to_stage_id",
        "status",
        "probability",
        "amount",
        "currency",
        "changed_at",
        "actor",
        "version",
    )
]


async def record_move(
    session: AsyncSession, deal: Deal, move: StageMove, *, actor: str | None
) -> None:
    """Add the entry of `deal` entering its stage by `move` (the deal is already moved)."""
    await session.execute(
        insert(deal_stage_history).values(
            deal_id=deal.id,
            pipeline_id=deal.pipeline_id,
            from_stage_id=move.from_stage_id,
            to_stage_id=move.to_stage_id,
            status=deal.status.value,
            probability=deal.probability,
            amount=deal.amount,
            currency=deal.currency,
            changed_at=deal.updated_at,
            actor=actor,
            version=deal.version,
        )
    )


async def list_history(
    session: AsyncSession, deal_id: uuid.UUID, *, limit: int, cursor: str | None
) -> tuple[list[RowMapping], str | None]:
    """One page of the deal's stage entries, oldest first."""
    stmt = select(*HISTORY_COLUMNS).where(deal_stage_history.c.deal_id == deal_id)
    if cursor:
        (after,) = read_cursor(cursor, int)
        stmt = stmt.where(deal_stage_history.c.seq > after)
    stmt = stmt.order_by(deal_stage_history.c.seq).limit(limit + 1)
    rows = (await session.execute(stmt)).mappings().all()
    return cut_page(rows, limit, _seq_key)


def _seq_key(row: Any) -> tuple[Any, ...]:
    return (row["seq"],)
