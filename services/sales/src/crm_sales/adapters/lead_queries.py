"""Listing leads: filters, a sort, keyset pages; each sort has its (column, id) index."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.lead_keyset import after_cursor, cut_page
from crm_sales.adapters.lead_rows import COLUMNS, lead_from_row
from crm_sales.adapters.lead_tables import leads
from crm_sales.domain.lead import Lead
from crm_sales.domain.lead_query import LeadQuery

_KINDS: dict[str, type] = {"created_at": datetime, "updated_at": datetime, "score": int}


def like_pattern(query: str) -> str:
    """`%query%` for LIKE, with the query's own wildcards escaped."""
    escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def lead_filters(query: LeadQuery) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a list request."""
    where: list[ColumnElement[bool]] = []
    if query.statuses:
        where.append(leads.c.status.in_([status.value for status in query.statuses]))
    if query.unassigned:
        where.append(leads.c.owner_id.is_(None))
    elif query.owner_id:
        where.append(leads.c.owner_id == query.owner_id)
    if query.sources:
        where.append(leads.c.source.in_(query.sources))
    if query.country:
        where.append(leads.c.country == query.country)
    if query.contact_id:
        where.append(leads.c.contact_id == query.contact_id)
    if query.score_gte is not None:
        where.append(leads.c.score >= query.score_gte)
    if query.score_lte is not None:
        where.append(leads.c.score <= query.score_lte)
    if query.q:
        # Every word of the query is part of a name, the email or the company (each LIKE
        # is served by the trigram index); no fuzzy matches, since the list keeps its sort.
        where += [leads.c.search_text.like(like_pattern(word)) for word in query.q.split()]
    return where


async def list_leads(session: AsyncSession, query: LeadQuery) -> tuple[list[Lead], str | None]:
    """One page of leads matching `query`, in its sort order, and the next page's cursor."""
    column = query.sort.column
    keys = (leads.c[column], leads.c.id)
    stmt = after_cursor(
        select(*COLUMNS).where(*lead_filters(query)),
        keys,
        (_KINDS[column], uuid.UUID),
        token=query.sort.value,
        cursor=query.cursor,
        descending=query.sort.descending,
    )
    rows = (await session.execute(stmt.limit(query.limit + 1))).mappings().all()
    page, next_cursor = cut_page(
        rows, query.limit, query.sort.value, lambda row: (row[column], row["id"])
    )
    return [lead_from_row(row) for row in page], next_cursor
