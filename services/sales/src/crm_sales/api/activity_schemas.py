"""Request bodies of activities; they are served as events.activity_schemas defines them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict

from crm_sales.api.deal_schemas import text
from crm_sales.domain.activity import PLAIN_FIELDS, Activity, ActivityKind


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


Subject = Annotated[str, text(300)]
Notes = Annotated[Annotated[str, text(10_000)] | None, BeforeValidator(_blank_is_none)]


class ActivityIn(BaseModel):
    """A new activity, or one after a merge patch: exactly one of `lead_id`, `deal_id`,
    `contact_id`; `due_at` with a time zone; `completed` true marks it done."""

    model_config = ConfigDict(extra="forbid")

    kind: ActivityKind
    subject: Subject
    notes: Notes = None
    due_at: AwareDatetime | None = None
    owner_id: uuid.UUID | None = None
    lead_id: uuid.UUID | None = None
    deal_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    completed: bool = False

    def edits(self) -> dict[str, Any]:
        """The plain fields as Activity.log and Activity.revise take them."""
        return {name: getattr(self, name) for name in PLAIN_FIELDS}


class ActivityPatch(BaseModel):
    """A JSON merge patch of an activity: absent fields stay, null clears.
    `{"completed": true}` completes it, `false` reopens it."""

    model_config = ConfigDict(extra="forbid")

    kind: ActivityKind | None = None
    subject: Subject | None = None
    notes: Notes = None
    due_at: AwareDatetime | None = None
    owner_id: uuid.UUID | None = None
    lead_id: uuid.UUID | None = None
    deal_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    completed: bool | None = None


def editable(activity: Activity) -> dict[str, Any]:
    """The activity as the JSON document a merge patch applies to."""
    document = ActivityIn.model_construct(
        **{name: getattr(activity, name) for name in PLAIN_FIELDS},
        completed=activity.completed_at is not None,
    )
    return {k: v for k, v in document.model_dump(mode="json").items() if v is not None}
