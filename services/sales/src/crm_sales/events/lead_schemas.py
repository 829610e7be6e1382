"""Payloads (`data`) of `crm.sales.lead` events: the full lead after the change.

The API serves the same shape, so what a consumer reads is what a client reads. Schemas
only grow; a breaking change gets a new `.v2` event type.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from crm_sales.domain.lead import Lead
from crm_sales.domain.lead_status import LeadStatus


class LeadData(BaseModel):
    """A lead. `score` = `fit_score` (profile rules) + `engagement_score` (marketing)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    company_name: str | None
    title: str | None
    source: str | None
    country: str | None
    company_size: int | None
    status: LeadStatus
    score: int
    fit_score: int
    engagement_score: int
    owner_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, lead: Lead) -> LeadData:
        """The published form of a lead."""
        return cls.model_validate(lead)


class LeadUpdatedData(LeadData):
    """`updated`, `qualified`, `disqualified`: the lead and the names of changed fields."""

    changed: list[str]


class LeadAssignedData(LeadData):
    """`crm.sales.lead.assigned`: the lead, its changed fields, and how the owner was
    chosen: `assignment` (`{"rule_id", "rule", "method"}`, or `{"method": "manual"}`
    from POST /leads/{id}/assign), and `automation` (`{"rule_id", "rule"}`) when an
    untouched-lead automation rule took the lead from its owner."""

    changed: list[str]
    assignment: dict[str, Any] | None = None
    automation: dict[str, Any] | None = None


class LeadScoredData(LeadData):
    """`crm.sales.lead.scored`: the score changed on its own; `cause` says why
    (`{"rules_version": n}` or `{"engagement": {"type", "event_id", "points"}}`)."""

    changed: list[str]
    cause: dict[str, Any]


# What `data` may be on the topic, for the AsyncAPI document (the most specific first).
LeadEventData = LeadScoredData | LeadAssignedData | LeadUpdatedData | LeadData
