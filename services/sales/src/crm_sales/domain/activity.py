"""The activity aggregate: a task, call, meeting or email logged against exactly one lead,
deal or contact, possibly due at some time, possibly completed.

An incomplete activity whose due time has passed is overdue; the scheduler announces
that once (adapters.activity_overdue). Moving the due time re-arms the announcement.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from crm_sales.domain.deal_errors import InvalidDealError

TARGETS = ("lead_id", "deal_id", "contact_id")
# Fields a client sets directly; completion has its own flag.
PLAIN_FIELDS = ("kind", "subject", "notes", "due_at", "owner_id", *TARGETS)
TRACKED_FIELDS = (*PLAIN_FIELDS, "completed_at")


class ActivityKind(StrEnum):
    """What sort of activity it is."""

    TASK = "task"
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"


@dataclass(slots=True)
class Activity:
    """One activity. `version` grows by one with every change (the overdue mark too)."""

    id: uuid.UUID
    kind: ActivityKind
    subject: str
    created_at: datetime
    updated_at: datetime
    notes: str | None = None
    due_at: datetime | None = None
    completed_at: datetime | None = None
    overdue_notified_at: datetime | None = None
    owner_id: uuid.UUID | None = None
    lead_id: uuid.UUID | None = None
    deal_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    version: int = 1

    @classmethod
    def log(cls, edits: dict[str, Any], *, completed: bool, now: datetime) -> Activity:
        """A new activity from `edits` (completed now if `completed`)."""
        activity = cls(id=uuid.uuid4(), created_at=now, updated_at=now, **edits)
        activity._check_target()
        if completed:
            activity.completed_at = now
        return activity

    def revise(self, edits: dict[str, Any], *, completed: bool, now: datetime) -> list[str]:
        """Set every plain field to `edits` (complete, as after a merge patch) and the
        completion; the names of the fields that changed."""
        before = {name: getattr(self, name) for name in TRACKED_FIELDS}
        for name in PLAIN_FIELDS:
            setattr(self, name, edits.get(name))
        self._check_target()
        if completed and self.completed_at is None:
            self.completed_at = now
        elif not completed:
            self.completed_at = None
        changed = [name for name in TRACKED_FIELDS if getattr(self, name) != before[name]]
        if "due_at" in changed:
            self.overdue_notified_at = None  # a new due time may become overdue again
        if changed:
            self.touch(now)
        return changed

    def is_overdue(self, now: datetime) -> bool:
        """Due in the past and not done."""
        return self.completed_at is None and self.due_at is not None and self.due_at <= now

    def touch(self, now: datetime) -> None:
        """Record a change: next version, new update time."""
        self.version += 1
        self.updated_at = now

    def _check_target(self) -> None:
        given = [name for name in TARGETS if getattr(self, name) is not None]
        if len(given) != 1:
            raise InvalidDealError(
                "an activity belongs to exactly one of lead_id, deal_id, contact_id",
                field=given[1] if len(given) > 1 else "lead_id",
            )
