"""Reading `crm.contacts.contact` events: the consumer's side of the contacts contract.

Only the fields this service uses are read; anything else in `data` is ignored, so the
publisher's schemas may grow freely.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict

from crm_analytics.domain.customer import ContactChange
from crm_shared.events import Envelope

CONTACT_TOPIC = "crm.contacts.contact"
_PREFIX = CONTACT_TOPIC + "."


class _ContactData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    company_id: uuid.UUID | None = None
    lifecycle_stage: str | None = None
    erased: bool = False
    updated_at: datetime | None = None
    merged_ids: list[uuid.UUID] = []
    survivor_id: uuid.UUID | None = None


def contact_change(event: Envelope) -> ContactChange | None:
    """The change `event` describes; None for another topic's type. A malformed event
    raises ValueError (the inbox retries it, then parks it on the DLQ)."""
    if not event.type.startswith(_PREFIX):
        return None
    action = event.type.removeprefix(_PREFIX)
    if not event.subject or event.sequence is None:
        raise ValueError(f"{event.type} {event.id} has no subject or sequence")
    data = _ContactData.model_validate(event.data)
    if action == "merged_into" and data.survivor_id is None:
        raise ValueError(f"{event.type} {event.id} names no survivor_id")
    name = " ".join(part for part in (data.first_name, data.last_name) if part) or None
    return ContactChange(
        action=action,
        contact_id=uuid.UUID(event.subject),
        sequence=int(event.sequence),
        occurred_at=data.updated_at or _event_time(event),
        name=name,
        email=data.email,
        company_id=data.company_id,
        lifecycle_stage=data.lifecycle_stage,
        erased=data.erased,
        merged_ids=tuple(data.merged_ids),
        survivor_id=data.survivor_id,
    )


def _event_time(event: Envelope) -> datetime:
    if event.time:
        return datetime.fromisoformat(event.time)
    return datetime.now(UTC)
