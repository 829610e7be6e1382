"""Listing quotes in (created_at, id) keyset pages."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.deal_paging import created_key, cut_page, oldest_first
from crm_sales.adapters.quote_store import quote_from_row
from crm_sales.adapters.quote_tables import quotes
from crm_sales.domain.quote import Quote, QuoteStatus


async def list_quotes(
    session: AsyncSession,
    *,
    deal_id: uuid.UUID | None,
    status: QuoteStatus | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Quote], str | None]:
    """One page of quotes, oldest first, of one deal and in one status if asked."""
    conditions: list[ColumnElement[bool]] = []
    if deal_id is not None:
        conditions.append(quotes.c.deal_id == deal_id)
    if status is not None:
        conditions.append(quotes.c.status == str(status))
    stmt = oldest_first(quotes, [quotes], conditions, cursor).limit(limit + 1)
    rows = (await session.execute(stmt)).mappings().all()
    page, next_cursor = cut_page(rows, limit, created_key)
    return [quote_from_row(row) for row in page], next_cursor
