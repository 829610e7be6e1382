"""Engagements recorded against leads: who an engagement event is about, and counting it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.lead_tables import lead_engagements, leads
from crm_sales.domain.lead_errors import InvalidLeadError
from crm_sales.domain.lead_status import LeadStatus
from crm_sales.domain.lead_values import normalize_email
from crm_shared.events import uuid_or_none


def _email(raw: Any) -> str | None:
    if not isinstance(raw, str) or not raw.strip():
        return None
    try:
        return normalize_email(raw)
    except InvalidLeadError:
        return None


async def engaged_lead_ids(session: AsyncSession, data: dict[str, Any]) -> list[uuid.UUID]:
    """The open (not converted) leads an engagement is about: `data.lead_id` if it names
    one; else every lead of `data.contact_id` or with `data.email` (one person may have
    several leads, e.g. two forms filled in)."""
    lead_id = uuid_or_none(data.get("lead_id"))
    contact_id = uuid_or_none(data.get("contact_id"))
    email = _email(data.get("email"))
    who: list[ColumnElement[bool]] = []
    if lead_id is not None:
        who.append(leads.c.id == lead_id)
    else:
        if contact_id is not None:
            who.append(leads.c.contact_id == contact_id)
        if email is not None:
            who.append(leads.c.email == email)
    if not who:
        return []
    stmt = select(leads.c.id).where(or_(*who), leads.c.status != LeadStatus.CONVERTED.value)
    return list((await session.execute(stmt.order_by(leads.c.id))).scalars())


async def count_engagement(
    session: AsyncSession, lead_ids: list[uuid.UUID], kind: str, at: datetime
) -> None:
    """One more engagement of `kind` for each lead (the caller's transaction)."""
    if not lead_ids:
        return
    stmt = insert(lead_engagements).values(
        [{"lead_id": lead_id, "type": kind, "count": 1, "last_at": at} for lead_id in lead_ids]
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[lead_engagements.c.lead_id, lead_engagements.c.type],
        set_={"count": lead_engagements.c.count + 1, "last_at": stmt.excluded.last_at},
    )
    await session.execute(stmt)
