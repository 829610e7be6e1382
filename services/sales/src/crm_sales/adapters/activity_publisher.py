"""Events about activities, written to the outbox in the caller's transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.domain.activity import Activity
from crm_sales.events.activity_schemas import ActivityData
from crm_sales.events.topics import ACTIVITY_AGGREGATE, ACTIVITY_TOPIC, SERVICE, ActivityAction
from crm_shared import outbox
from crm_shared.events import new_event


async def publish_activity(
    session: AsyncSession,
    activity: Activity,
    action: ActivityAction,
    *,
    actor: str | None,
    changed: list[str] | None = None,
) -> ActivityData:
    """Publish `action` with the activity as it now is; its version is the sequence."""
    resource = ActivityData.of(activity)
    event = new_event(
        service=SERVICE,
        aggregate=ACTIVITY_AGGREGATE,
        action=action,
        subject=activity.id,
        data=resource.model_dump(mode="json"),
        sequence=activity.version,
        actor=actor,
        changed=changed,
    )
    await outbox.add(session, event, topic=ACTIVITY_TOPIC, key=str(activity.id))
    return resource
