"""Sales reps: the users assignment rules may give leads to (configuration, no events)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.lead_keyset import after_cursor, cut_page
from crm_sales.adapters.lead_tables import sales_reps
from crm_sales.domain.assignment import SalesRep

_KEYS = (sales_reps.c.created_at, sales_reps.c.user_id)
_LIST = "reps"


def rep_from_row(row: RowMapping) -> SalesRep:
    """A rep as assignment sees it."""
    return SalesRep(**dict(row))


async def list_reps(
    session: AsyncSession, *, active: bool | None, limit: int, cursor: str | None
) -> tuple[list[RowMapping], str | None]:
    """Reps, oldest first, in cursor pages."""
    stmt = select(sales_reps)
    if active is not None:
        stmt = stmt.where(sales_reps.c.active == active)
    stmt = after_cursor(stmt, _KEYS, (datetime, uuid.UUID), token=_LIST, cursor=cursor)
    rows = (await session.execute(stmt.limit(limit + 1))).mappings().all()
    return cut_page(rows, limit, _LIST, lambda row: (row["created_at"], row["user_id"]))


async def active_reps(session: AsyncSession) -> list[SalesRep]:
    """Every active rep (a sales team is small: tens or hundreds)."""
    stmt = select(sales_reps).where(sales_reps.c.active)
    return [rep_from_row(row) for row in (await session.execute(stmt)).mappings()]


async def get_rep(
    session: AsyncSession, user_id: uuid.UUID, *, lock: bool = False
) -> RowMapping | None:
    """One rep's row, or None."""
    stmt = select(sales_reps).where(sales_reps.c.user_id == user_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).mappings().first()


async def add_rep(session: AsyncSession, values: dict[str, Any], now: datetime) -> RowMapping:
    """Insert a rep (IntegrityError if the user is one already)."""
    row = {**values, "created_at": now, "updated_at": now, "version": 1}
    stmt = insert(sales_reps).values(row).returning(sales_reps)
    return (await session.execute(stmt)).mappings().one()


async def save_rep(
    session: AsyncSession, user_id: uuid.UUID, values: dict[str, Any], now: datetime
) -> RowMapping:
    """Change a rep; its row after the change."""
    stmt = (
        update(sales_reps)
        .where(sales_reps.c.user_id == user_id)
        .values(**values, updated_at=now, version=sales_reps.c.version + 1)
        .returning(sales_reps)
    )
    return (await session.execute(stmt)).mappings().one()


async def delete_rep(session: AsyncSession, user_id: uuid.UUID) -> None:
    """Forget a rep (the leads they own keep their owner)."""
    await session.execute(delete(sales_reps).where(sales_reps.c.user_id == user_id))
