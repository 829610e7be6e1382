"""Sales reps: the users assignment rules may give leads to (configuration, no events)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.config_rows import ConfigRows
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


REPS = ConfigRows(sales_reps, key="user_id", generated_key=False)
# Forgetting a rep leaves the leads they own with their owner.
get_rep, add_rep, save_rep, delete_rep = REPS.get, REPS.add, REPS.save, REPS.delete
