"""Payloads (`data`) of `crm.sales.activity` events: the full activity after the change.

The API serves the same shape. Schemas only grow; a breaking change gets a `.v2` type.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from crm_sales.domain.activity import Activity, ActivityKind


class ActivityData(BaseModel):
    """An activity; `completed` says whether `completed_at` is set."""

    id: uuid.UUID
    kind: ActivityKind
    subject: str
    notes: str | None
    due_at: datetime | None
    completed: bool
    completed_at: datetime | None
    overdue_notified_at: datetime | None
    owner_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    deal_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, activity: Activity) -> ActivityData:
        """The published form of an activity."""
        return cls(
            id=activity.id,
            kind=activity.kind,
            subject=activity.subject,
            notes=activity.notes,
            due_at=activity.due_at,
            completed=activity.completed_at is not None,
            completed_at=activity.completed_at,
            overdue_notified_at=activity.overdue_notified_at,
            owner_id=activity.owner_id,
            lead_id=activity.lead_id,
            deal_id=activity.deal_id,
            contact_id=activity.contact_id,
            created_at=activity.created_at,
            updated_at=activity.updated_at,
            version=activity.version,
        )


class ActivityUpdatedData(ActivityData):
    """`crm.sales.activity.updated` and `.completed`: the activity and its changed fields."""

    changed: list[str]


ActivityEventData = ActivityUpdatedData | ActivityData
