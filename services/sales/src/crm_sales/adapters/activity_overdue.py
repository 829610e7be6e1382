"""Claiming overdue activities: one `overdue` event per activity and due time, however
many replicas look at once.

Each batch is one transaction: `FOR UPDATE SKIP LOCKED` hands every due row to exactly
one replica (the others skip it rather than wait), and the mark and the event commit
together, so a crash before the commit leaves the row unmarked for the next pass, and
after it the mark keeps every replica from announcing it again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.activity_publisher import publish_activity
from crm_sales.adapters.activity_store import activity_from_row
from crm_sales.adapters.activity_tables import activities
from crm_sales.events.topics import ActivityAction
from crm_shared.db import Database

PENDING = (
    activities.c.completed_at.is_(None),
    activities.c.overdue_notified_at.is_(None),
)


async def claim_overdue(session: AsyncSession, *, now: datetime, batch: int) -> int:
    """Mark up to `batch` overdue activities nobody else holds and publish `overdue` for
    each, in the caller's transaction; how many it marked."""
    stmt = (
        select(activities)
        .where(*PENDING, activities.c.due_at <= now)
        .order_by(activities.c.due_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    rows = (await session.execute(stmt)).mappings().all()
    for row in rows:
        activity = activity_from_row(row)
        activity.overdue_notified_at = now
        activity.touch(now)
        await session.execute(
            update(activities)
            .where(activities.c.id == activity.id)
            .values(
                overdue_notified_at=now, version=activity.version, updated_at=activity.updated_at
            )
        )
        await publish_activity(
            session, activity, ActivityAction.OVERDUE, actor=None, changed=["overdue_notified_at"]
        )
    return len(rows)


async def notify_overdue(db: Database, *, now: datetime, batch: int) -> int:
    """Claim batches until none is left (or only rows other replicas hold); the total."""
    total = 0
    while True:
        async with db.sessions() as session, session.begin():
            claimed = await claim_overdue(session, now=now, batch=batch)
        total += claimed
        if claimed < batch:
            return total
