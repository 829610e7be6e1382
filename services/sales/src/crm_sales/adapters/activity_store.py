"""Loading and saving activities; every save writes its event in the same transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.activity_publisher import publish_activity
from crm_sales.adapters.activity_tables import activities
from crm_sales.adapters.lead_tables import leads
from crm_sales.domain.activity import Activity, ActivityKind
from crm_sales.events.activity_schemas import ActivityData
from crm_sales.events.topics import ActivityAction

COLUMNS = tuple(column.name for column in activities.columns)


def activity_from_row(row: RowMapping) -> Activity:
    """An activity loaded from its row."""
    values: dict[str, Any] = {name: row[name] for name in COLUMNS}
    values["kind"] = ActivityKind(values["kind"])
    return Activity(**values)


def activity_to_row(activity: Activity) -> dict[str, Any]:
    """The row of an activity."""
    return {name: getattr(activity, name) for name in COLUMNS}


class ActivityStore:
    """Activities of one database session, changed on behalf of `actor`."""

    def __init__(self, session: AsyncSession, *, actor: str | None) -> None:
        self.session = session
        self.actor = actor

    async def get(self, activity_id: uuid.UUID, *, lock: bool = False) -> Activity | None:
        """The activity, or None; `lock` holds its row until the transaction ends."""
        stmt = select(activities).where(activities.c.id == activity_id)
        if lock:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).mappings().first()
        return activity_from_row(row) if row else None

    async def add(self, activity: Activity) -> ActivityData:
        """Insert a new activity and its `created` event."""
        await self.session.execute(insert(activities).values(activity_to_row(activity)))
        await self._note_lead_worked(activity, activity.created_at)
        return await publish_activity(
            self.session, activity, ActivityAction.CREATED, actor=self.actor
        )

    async def save(self, activity: Activity, changed: list[str]) -> ActivityData:
        """Write a changed activity and its `completed` or `updated` event."""
        row = activity_to_row(activity)
        del row["id"], row["created_at"]
        await self.session.execute(
            update(activities).where(activities.c.id == activity.id).values(row)
        )
        done = "completed_at" in changed and activity.completed_at is not None
        action = ActivityAction.COMPLETED if done else ActivityAction.UPDATED
        if done:
            await self._note_lead_worked(activity, activity.updated_at)
        return await publish_activity(
            self.session, activity, action, actor=self.actor, changed=changed
        )

    async def _note_lead_worked(self, activity: Activity, now: datetime) -> None:
        # Logging or completing an activity on a lead is working it: not idle (automation).
        # touched_at is not part of the lead's resource, so the lead keeps its version.
        if activity.lead_id is not None:
            await self.session.execute(
                update(leads)
                .where(leads.c.id == activity.lead_id, leads.c.touched_at < now)
                .values(touched_at=now)
            )

    async def delete(self, activity: Activity, *, now: datetime) -> None:
        """Delete the activity; the event carries its last state at the next version."""
        await self.session.execute(delete(activities).where(activities.c.id == activity.id))
        activity.touch(now)
        await publish_activity(self.session, activity, ActivityAction.DELETED, actor=self.actor)
