"""The company of a lead being converted (see crm_contacts.events.conversion)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.company_store import CompanyStore
from crm_contacts.adapters.tables import companies
from crm_contacts.domain.company import Company


async def company_for_lead(
    session: AsyncSession, data: dict[str, Any], *, actor: str, now: datetime
) -> uuid.UUID | None:
    """The company named by the lead: found by name, else by the email's domain, else new."""
    name = (data.get("company_name") or "").strip()
    if not name:
        return None
    found = await session.execute(
        select(companies.c.id)
        .where(func.lower(companies.c.name) == name.lower())
        .order_by(companies.c.created_at, companies.c.id)
        .limit(1)
    )
    company_id = found.scalar_one_or_none()
    domain = str(data.get("email") or "").rpartition("@")[2].lower()
    if company_id is None and domain:
        found = await session.execute(
            select(companies.c.id)
            .where(func.lower(companies.c.domain) == domain)
            .order_by(companies.c.created_at, companies.c.id)
            .limit(1)
        )
        company_id = found.scalar_one_or_none()
    if company_id is not None:
        return company_id
    company = Company.register({"name": name}, now=now)
    await CompanyStore(session, actor=actor).add(company)
    return company.id
