"""Listing and searching contacts, in stable keyset pages. Erased contacts never show."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, any_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.paging import best_match_first, cut_page, oldest_first
from crm_contacts.adapters.rows import CONTACT_COLUMNS, contact_from_row
from crm_contacts.adapters.search import matches, rank
from crm_contacts.adapters.tables import companies, contacts
from crm_contacts.domain.contact import Contact
from crm_contacts.domain.lifecycle import LifecycleStage

COLUMNS = [contacts.c[name] for name in CONTACT_COLUMNS]


@dataclass(frozen=True, slots=True)
class ContactFilter:
    """What a list asks for; `q` searches names, email and company name, best match first."""

    q: str | None = None
    lifecycle_stage: LifecycleStage | None = None
    owner_id: uuid.UUID | None = None
    company_id: uuid.UUID | None = None
    tag: str | None = None


async def list_contacts(
    session: AsyncSession, wanted: ContactFilter, *, limit: int, cursor: str | None
) -> tuple[list[Contact], str | None]:
    """One page of live contacts: by (created_at, id), or by rank when searching."""
    conditions = _conditions(wanted)
    if wanted.q:
        stmt, key = best_match_first(COLUMNS, _score(wanted.q), conditions, cursor)
    else:
        stmt, key = oldest_first(contacts, COLUMNS, conditions, cursor)
    rows = (await session.execute(stmt.limit(limit + 1))).mappings().all()
    page, next_cursor = cut_page(rows, limit, key)
    return [contact_from_row(row) for row in page], next_cursor


def _conditions(wanted: ContactFilter) -> list[ColumnElement[bool]]:
    conditions = [~contacts.c.erased]
    if wanted.lifecycle_stage:
        conditions.append(contacts.c.lifecycle_stage == wanted.lifecycle_stage.value)
    if wanted.owner_id:
        conditions.append(contacts.c.owner_id == wanted.owner_id)
    if wanted.company_id:
        conditions.append(contacts.c.company_id == wanted.company_id)
    if wanted.tag:
        conditions.append(contacts.c.tags.contains([wanted.tag]))
    if wanted.q:
        # ARRAY(subquery) lets the planner OR two index scans; `IN (subquery)` would not.
        matching_companies = select(companies.c.id).where(
            matches(companies.c.search_text, wanted.q)
        )
        conditions.append(
            or_(
                matches(contacts.c.search_text, wanted.q),
                contacts.c.company_id == any_(func.array(matching_companies.scalar_subquery())),
            )
        )
    return conditions


def _score(q: str) -> ColumnElement[int]:
    """The better of how well the contact and how well its company match."""
    company_rank = (
        select(rank(companies.c.search_text, q))
        .where(companies.c.id == contacts.c.company_id)
        .scalar_subquery()
    )
    return func.greatest(rank(contacts.c.search_text, q), func.coalesce(company_rank, 0))
