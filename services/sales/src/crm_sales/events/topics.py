"""Topics this service publishes (DESIGN §4). Other services import these names.

Event types will be `<topic>.<action>`; the payload schemas come with the features.
"""

from __future__ import annotations

from enum import StrEnum

from crm_shared.events import topic_for

SERVICE = "sales"
LEAD_TOPIC = topic_for(SERVICE, "lead")  # crm.sales.lead
DEAL_TOPIC = topic_for(SERVICE, "deal")  # crm.sales.deal
ACTIVITY_TOPIC = topic_for(SERVICE, "activity")  # crm.sales.activity
QUOTE_TOPIC = topic_for(SERVICE, "quote")  # crm.sales.quote

PIPELINE_TOPIC = topic_for(SERVICE, "pipeline")  # crm.sales.pipeline
TARGET_TOPIC = topic_for(SERVICE, "target")  # crm.sales.target

PUBLISHED_TOPICS: tuple[str, ...] = (
    LEAD_TOPIC,
    DEAL_TOPIC,
    ACTIVITY_TOPIC,
    QUOTE_TOPIC,
    PIPELINE_TOPIC,
    TARGET_TOPIC,
)

LEAD_AGGREGATE = "lead"


class LeadAction(StrEnum):
    """What happened to a lead; the event type is `crm.sales.lead.<action>`.

    One write publishes one event, named by its most telling change: a status moving to
    qualified or disqualified, else a new owner (assigned), else `updated`; `data.changed`
    lists every changed field. `scored` is a score change alone (rules or engagement).
    """

    CREATED = "created"
    UPDATED = "updated"
    QUALIFIED = "qualified"
    DISQUALIFIED = "disqualified"
    ASSIGNED = "assigned"
    SCORED = "scored"
    DELETED = "deleted"

    @property
    def event_type(self) -> str:
        """The CloudEvents `type` of this action."""
        return f"{LEAD_TOPIC}.{self.value}"


DEAL_AGGREGATE = "deal"
PIPELINE_AGGREGATE = "pipeline"
TARGET_AGGREGATE = "target"


class DealAction(StrEnum):
    """What happened to a deal; the event type is `crm.sales.deal.<action>`.

    One write publishes one event, named by its most telling change: entering a won
    stage (`won`) or a lost one (`lost`), else any other stage move (`stage_changed`,
    also when a closed deal is reopened), else `updated`. Moves carry
    `data.from_stage_id` and `data.to_stage_id`; every change lists `data.changed`. A
    deal created in a closed stage publishes `created`, then `won` or `lost`.
    """

    CREATED = "created"
    UPDATED = "updated"
    STAGE_CHANGED = "stage_changed"
    WON = "won"
    LOST = "lost"
    DELETED = "deleted"

    @property
    def event_type(self) -> str:
        """The CloudEvents `type` of this action."""
        return f"{DEAL_TOPIC}.{self.value}"


class PipelineAction(StrEnum):
    """What happened to a pipeline; the event type is `crm.sales.pipeline.<action>`."""

    CREATED = "created"
    UPDATED = "updated"


ACTIVITY_AGGREGATE = "activity"
QUOTE_AGGREGATE = "quote"


class ActivityAction(StrEnum):
    """What happened to an activity; the event type is `crm.sales.activity.<action>`.

    `completed` is a change that completes it (other fields may change with it);
    `overdue` comes once per due time, from the scheduler, never from a request.
    """

    CREATED = "created"
    UPDATED = "updated"
    COMPLETED = "completed"
    DELETED = "deleted"
    OVERDUE = "overdue"


class QuoteAction(StrEnum):
    """What happened to a quote; the event type is `crm.sales.quote.<action>`.

    `deleted` comes only with its deal: deleting a deal deletes its quotes.
    """

    CREATED = "created"
    UPDATED = "updated"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DELETED = "deleted"


class TargetAction(StrEnum):
    """What happened to a sales target; the event type is `crm.sales.target.<action>`."""

    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
