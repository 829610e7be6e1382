"""Listing and searching contacts, in stable keyset pages. Erased contacts never show.

How a page is read (adapters/keyset; plans checked with EXPLAIN ANALYZE at 1,000,000).
A list is read in order from one btree: the sort key's, or for the default created_at
order one of (company|owner|stage, created_at, id) when that filter is given. Filters
on that index's columns are ranges of it; any other filter is either
- checked row by row while walking that index (WALK, at most keyset.BUDGET rows a
  request), when the planner expects the walk to fill the page well within the budget,
  or when there are too many matches to sort; or
- applied first through its own index, the matches (at most keyset.CAP, else a WALK)
  then sorted in memory (FILTER_FIRST), when they are few.
Either way a request's work is bounded. A filter correlated with the sort (created long
ago, sorted by latest update) can leave a WALK's page short, with a cursor to go on.
`?q=` is adapters/contact_search: prefix then typo tier, each a merge of index ranges.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters import keyset
from crm_contacts.adapters.contact_search import search_page
from crm_contacts.adapters.estimates import estimated_rows
from crm_contacts.adapters.keyset import Plan, sorted_page
from crm_contacts.adapters.list_filters import filter_condition, sort_key
from crm_contacts.adapters.rows import contact_from_row
from crm_contacts.adapters.tables import contacts
from crm_contacts.domain.contact import Contact
from crm_contacts.domain.list_query import ListRequest

# Columns leading a (column, created_at, id) btree.
LEADING = frozenset({"company_id", "owner_id", "lifecycle_stage"})


async def list_contacts(
    session: AsyncSession, wanted: ListRequest
) -> tuple[list[Contact], str | None]:
    """One page of live contacts as `wanted` asks, and the next page's cursor."""
    if wanted.q:
        filters = [filter_condition(f) for f in wanted.filters]
        rows, cursor = await search_page(
            session, filters, wanted.q, limit=wanted.limit, cursor=wanted.cursor
        )
        return [contact_from_row(row) for row in rows], cursor
    bounds, others = _split(wanted)
    page, cursor = await sorted_page(
        session,
        others,
        sort_key(wanted.sort),
        bounds=bounds,
        plan=await _plan(session, wanted.limit, bounds, others),
        token=wanted.sort.token,
        descending=wanted.sort.descending,
        limit=wanted.limit,
        cursor=wanted.cursor,
    )
    return [contact_from_row(row) for row in page], cursor


def _split(wanted: ListRequest) -> tuple[list[ColumnElement[bool]], list[ColumnElement[bool]]]:
    """Conditions that are ranges of the index the page is read in order from (on the
    sort key itself; or one of (company|owner|stage, created_at, id)), and the others."""
    bounds, others = [], []
    prefix_free = wanted.sort.field == "created_at"
    for wanted_filter in wanted.filters:
        condition = filter_condition(wanted_filter)
        if wanted_filter.field == wanted.sort.field:
            bounds.append(condition)
        elif prefix_free and wanted_filter.field in LEADING and len(wanted_filter.values) == 1:
            bounds.append(condition)
            prefix_free = False
        else:
            others.append(condition)
    return bounds, others


async def _plan(
    session: AsyncSession,
    limit: int,
    bounds: list[ColumnElement[bool]],
    others: list[ColumnElement[bool]],
) -> Plan:
    """DIRECT when one index serves it all; else WALK when the planner expects the walk
    to fill the page well within its budget, FILTER_FIRST when the matches are few, and
    a (bounded) WALK when neither holds."""
    if not others:
        return Plan.DIRECT
    live = ~contacts.c.erased
    in_range = await estimated_rows(session, select(contacts.c.id).where(live, *bounds))
    matching = await estimated_rows(session, select(contacts.c.id).where(live, *bounds, *others))
    walk_rows = (limit + 1) * in_range / max(matching, 1.0)
    if walk_rows <= keyset.BUDGET / 2 or matching >= keyset.CAP:
        return Plan.WALK
    return Plan.FILTER_FIRST
