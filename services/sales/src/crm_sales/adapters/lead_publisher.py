"""Events about leads, written to the outbox in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.domain.lead import SCORE_FIELDS, Lead
from crm_sales.domain.lead_status import LeadStatus
from crm_sales.events.lead_schemas import LeadData
from crm_sales.events.topics import LEAD_AGGREGATE, LEAD_TOPIC, SERVICE, LeadAction
from crm_shared import outbox
from crm_shared.events import new_event

_STATUS_ACTIONS = {
    LeadStatus.QUALIFIED: LeadAction.QUALIFIED,
    LeadStatus.DISQUALIFIED: LeadAction.DISQUALIFIED,
}


def action_of(lead: Lead, changed: list[str]) -> LeadAction:
    """The event a write of `changed` fields publishes: its most telling change."""
    if set(changed) <= set(SCORE_FIELDS):
        return LeadAction.SCORED
    if "status" in changed and lead.status in _STATUS_ACTIONS:
        return _STATUS_ACTIONS[lead.status]
    if "owner_id" in changed and lead.owner_id is not None:
        return LeadAction.ASSIGNED
    return LeadAction.UPDATED


def lead_event(
    lead: Lead,
    action: LeadAction,
    *,
    actor: str | None,
    changed: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> tuple[LeadData, dict[str, Any]]:
    """The lead as published, and the CloudEvent of `action` carrying it.

    `extra` adds the action's own fields (`assignment` of assigned, `cause` of scored).
    """
    resource = LeadData.of(lead)
    data = resource.model_dump(mode="json")
    if extra:
        data.update(extra)
    event = new_event(
        service=SERVICE,
        aggregate=LEAD_AGGREGATE,
        action=action.value,
        subject=lead.id,
        data=data,
        sequence=lead.version,
        actor=actor,
        changed=changed,
    )
    return resource, event


async def publish_lead(
    session: AsyncSession,
    lead: Lead,
    action: LeadAction,
    *,
    actor: str | None,
    changed: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> LeadData:
    """Publish `action` with the lead as it now is; returns that published form."""
    resource, event = lead_event(lead, action, actor=actor, changed=changed, extra=extra)
    await outbox.add(session, event, topic=LEAD_TOPIC, key=str(lead.id))
    return resource
