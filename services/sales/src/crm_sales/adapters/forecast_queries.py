"""What the forecast reads: a period's deals added up per owner, currency, status and stage
probability (a handful of rows, whatever the number of deals), and the period's targets."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.deal_tables import deals, pipeline_stages, sales_targets
from crm_sales.domain.deal_status import DealStatus
from crm_sales.domain.forecast import StageTotal
from crm_sales.domain.forecast_period import Period


async def stage_totals(
    session: AsyncSession,
    period: Period,
    *,
    owner_id: uuid.UUID | None = None,
    pipeline_id: uuid.UUID | None = None,
) -> list[StageTotal]:
    """The open and won deals closing in `period`, added up (lost deals count nowhere).

    Deals are added up per stage first (from the close-date index alone), and only those
    few sums are joined to the stages for their probabilities."""
    conditions = [
        deals.c.close_date >= period.starts_on,
        deals.c.close_date < period.ends_before,
        deals.c.status != DealStatus.LOST.value,
    ]
    if owner_id is not None:
        conditions.append(deals.c.owner_id == owner_id)
    if pipeline_id is not None:
        conditions.append(deals.c.pipeline_id == pipeline_id)
    keys = [deals.c.owner_id, deals.c.currency, deals.c.status, deals.c.stage_id]
    sums = (
        select(*keys, func.sum(deals.c.amount).label("amount"), func.count().label("deals"))
        .where(*conditions)
        .group_by(*keys)
        .subquery("sums")
    )
    stmt = select(
        sums.c.owner_id,
        sums.c.currency,
        sums.c.status,
        pipeline_stages.c.probability,
        sums.c.amount,
        sums.c.deals,
    ).join(pipeline_stages, pipeline_stages.c.id == sums.c.stage_id)
    return [
        StageTotal(row[0], row[1], DealStatus(row[2]), row[3], Decimal(row[4]), row[5])
        for row in await session.execute(stmt)
    ]


async def period_targets(
    session: AsyncSession, period: Period, *, owner_id: uuid.UUID | None = None
) -> list[tuple[uuid.UUID, str, Decimal]]:
    """(owner, currency, amount) of every target set for exactly this period."""
    stmt = select(sales_targets.c.owner_id, sales_targets.c.currency, sales_targets.c.amount)
    stmt = stmt.where(sales_targets.c.period == period.label)
    if owner_id is not None:
        stmt = stmt.where(sales_targets.c.owner_id == owner_id)
    return [(row[0], row[1], Decimal(row[2])) for row in await session.execute(stmt)]
