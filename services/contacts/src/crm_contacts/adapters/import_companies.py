"""The companies a batch of rows names: found by domain, else by name (case-insensitive),
else created with their `created` events (one statement for all of a batch's new ones).

Two batches (of one import or two, on any replica) naming a new company at once must not
create it twice, so creators take a transaction-scoped advisory lock per name and domain,
in sorted order (no deadlock), before they look.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.import_sql import column_arrays, unnest_insert
from crm_contacts.adapters.publisher import company_event
from crm_contacts.adapters.rows import COMPANY_COLUMNS, company_to_row
from crm_contacts.adapters.tables import companies
from crm_contacts.domain.company import Company
from crm_contacts.domain.imports import CompanyRef
from crm_contacts.events.topics import COMPANY_TOPIC, CompanyAction
from crm_shared import outbox

_INSERT = unnest_insert(companies, COMPANY_COLUMNS)
_LOCK = text(
    "SELECT pg_advisory_xact_lock(hashtext('crm-company:' || k))"
    " FROM (SELECT k FROM unnest(CAST(:keys AS text[])) AS k ORDER BY k) AS ordered"
)
_BY_DOMAIN = text(
    "SELECT DISTINCT ON (domain) domain AS match, id FROM companies"
    " WHERE domain = ANY(CAST(:wanted AS text[])) ORDER BY domain, created_at, id"
)
_BY_NAME = text(
    "SELECT DISTINCT ON (lower(name)) lower(name) AS match, id FROM companies"
    " WHERE lower(name) = ANY(CAST(:wanted AS text[])) ORDER BY lower(name), created_at, id"
)


def _keys(ref: CompanyRef) -> list[str]:
    keys = [f"d:{ref.domain}"] if ref.domain else []
    return keys + ([f"n:{ref.name.lower()}"] if ref.name else [])


async def _matches(session: AsyncSession, query: object, wanted: set[str]) -> dict[str, uuid.UUID]:
    if not wanted:
        return {}
    rows = await session.execute(query, {"wanted": sorted(wanted)})  # type: ignore[call-overload]
    return {row.match: row.id for row in rows}


async def resolve_companies(
    session: AsyncSession,
    refs: Iterable[CompanyRef],
    *,
    actor: str | None,
    now: datetime,
    create: bool,
) -> dict[str, uuid.UUID]:
    """The company id of each ref, by `ref.key`. Without `create` (a dry run) a missing
    company gets a new id but is not written."""
    unique = {ref.key: ref for ref in refs}
    if not unique:
        return {}
    if create:
        keys = sorted({key for ref in unique.values() for key in _keys(ref)})
        await session.execute(_LOCK, {"keys": keys})
    by_domain = await _matches(session, _BY_DOMAIN, {r.domain for r in unique.values() if r.domain})
    by_name = await _matches(session, _BY_NAME, {r.name.lower() for r in unique.values() if r.name})
    ids: dict[str, uuid.UUID] = {}
    new: list[Company] = []
    for key, ref in unique.items():
        found = (by_domain.get(ref.domain) if ref.domain else None) or (
            by_name.get(ref.name.lower()) if ref.name else None
        )
        if found is None:
            name = ref.name or ref.domain or ""
            company = Company.register({"name": name, "domain": ref.domain}, now=now)
            new.append(company)
            found = company.id
        ids[key] = found
        if ref.domain:
            by_domain.setdefault(ref.domain, found)
        if ref.name:
            by_name.setdefault(ref.name.lower(), found)
    if create and new:
        await _add_companies(session, new, actor=actor)
    return ids


async def _add_companies(session: AsyncSession, new: list[Company], *, actor: str | None) -> None:
    """Insert new companies and their `created` events, a statement each for all of them."""
    rows = [company_to_row(company) for company in new]
    await session.execute(_INSERT, column_arrays(companies, COMPANY_COLUMNS, rows))
    events = []
    for company in new:
        _, event = company_event(company, CompanyAction.CREATED, actor=actor)
        events.append((event, COMPANY_TOPIC, str(company.id)))
    await outbox.add_many(session, events)
