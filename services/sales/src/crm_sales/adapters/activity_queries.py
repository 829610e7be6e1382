"""Listing activities in (created_at, id) keyset pages, and checking their targets."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, not_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.activity_store import activity_from_row
from crm_sales.adapters.activity_tables import activities
from crm_sales.adapters.deal_paging import created_key, cut_page, oldest_first
from crm_sales.adapters.deal_tables import deals
from crm_sales.adapters.lead_tables import leads
from crm_sales.domain.activity import Activity, ActivityKind

_EQUALS = ("owner_id", "lead_id", "deal_id", "contact_id", "kind")


@dataclass(frozen=True, slots=True)
class ActivityFilters:
    """What a list is narrowed to; None means any. Due times are inclusive; `overdue`
    compares with `now`."""

    now: datetime
    owner_id: uuid.UUID | None = None
    lead_id: uuid.UUID | None = None
    deal_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    kind: ActivityKind | None = None
    due_from: datetime | None = None
    due_to: datetime | None = None
    completed: bool | None = None
    overdue: bool | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The WHERE conditions of these filters."""
        found: list[ColumnElement[bool]] = [
            activities.c[name] == getattr(self, name)
            for name in _EQUALS
            if getattr(self, name) is not None
        ]
        if self.due_from is not None:
            found.append(activities.c.due_at >= self.due_from)
        if self.due_to is not None:
            found.append(activities.c.due_at <= self.due_to)
        if self.completed is not None:
            done = activities.c.completed_at.is_not(None)
            found.append(done if self.completed else not_(done))
        if self.overdue is not None:
            late = and_(activities.c.completed_at.is_(None), activities.c.due_at <= self.now)
            found.append(late if self.overdue else not_(late))
        return found


async def list_activities(
    session: AsyncSession, filters: ActivityFilters, *, limit: int, cursor: str | None
) -> tuple[list[Activity], str | None]:
    """One page of activities, oldest first."""
    stmt = oldest_first(activities, [activities], filters.conditions(), cursor).limit(limit + 1)
    rows = (await session.execute(stmt)).mappings().all()
    page, next_cursor = cut_page(rows, limit, created_key)
    return [activity_from_row(row) for row in page], next_cursor


async def missing_target(session: AsyncSession, activity: Activity) -> str | None:
    """The target field naming a lead or deal that does not exist, else None (contacts
    belong to the contacts service: their ids are taken on trust)."""
    for field, table, target_id in (
        ("lead_id", leads, activity.lead_id),
        ("deal_id", deals, activity.deal_id),
    ):
        if target_id is not None:
            found = await session.scalar(select(exists().where(table.c.id == target_id)))
            if not found:
                return field
    return None
