"""Listing and searching companies, in stable keyset pages."""

from __future__ import annotations

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.paging import best_match_first, cut_page, oldest_first
from crm_contacts.adapters.rows import COMPANY_COLUMNS, company_from_row
from crm_contacts.adapters.search import matches, rank
from crm_contacts.adapters.tables import companies
from crm_contacts.domain.company import Company

COLUMNS = [companies.c[name] for name in COMPANY_COLUMNS]


async def list_companies(
    session: AsyncSession,
    *,
    q: str | None,
    domain: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[Company], str | None]:
    """One page of companies: by (created_at, id), or best match first when searching."""
    conditions: list[ColumnElement[bool]] = []
    if domain:
        conditions.append(companies.c.domain == domain)
    if q:
        conditions.append(matches(companies.c.search_text, q))
        score = rank(companies.c.search_text, q)
        stmt, key = best_match_first(COLUMNS, score, conditions, cursor)
    else:
        stmt, key = oldest_first(companies, COLUMNS, conditions, cursor)
    rows = (await session.execute(stmt.limit(limit + 1))).mappings().all()
    page, next_cursor = cut_page(rows, limit, key)
    return [company_from_row(row) for row in page], next_cursor
