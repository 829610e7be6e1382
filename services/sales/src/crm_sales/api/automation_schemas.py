"""Bodies and answers of automation rules: a trigger and an action, each a JSON object
told apart by its `type`."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from crm_sales.api.activity_schemas import Notes, Subject
from crm_sales.api.lead_fields import RuleName
from crm_sales.domain.automation import MAX_DAYS, check_pair


class StageEntered(BaseModel):
    """A deal enters the stage `stage_id` (of any pipeline)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["deal.stage_entered"]
    stage_id: uuid.UUID


class LeadUntouched(BaseModel):
    """An open lead (new or working) with an owner nobody has worked for `days` days."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["lead.untouched"]
    days: Annotated[int, Field(strict=True, ge=1, le=MAX_DAYS)]


class CreateTask(BaseModel):
    """Log a task against the deal for its owner, due `due_in_days` after it entered."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["create_task"]
    subject: Subject
    notes: Notes = None
    due_in_days: Annotated[int, Field(strict=True, ge=0, le=MAX_DAYS)] = 1


class Reassign(BaseModel):
    """Give the lead to the next owner the assignment rules choose (not its own)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["reassign"]


Trigger = Annotated[StageEntered | LeadUntouched, Field(discriminator="type")]
Action = Annotated[CreateTask | Reassign, Field(discriminator="type")]


class AutomationRuleIn(BaseModel):
    """A rule: `deal.stage_entered` sets off `create_task`, `lead.untouched` sets off
    `reassign`."""

    model_config = ConfigDict(extra="forbid")

    name: RuleName
    active: bool = True
    trigger: Trigger
    action: Action

    @field_validator("action")
    @classmethod
    def _fits_trigger(cls, action: CreateTask | Reassign, info: ValidationInfo) -> Any:
        trigger = info.data.get("trigger")
        if trigger is not None:  # a bad trigger has its own error
            check_pair(trigger.model_dump(), action.model_dump())
        return action

    def values(self) -> dict[str, Any]:
        """The columns of the rule."""
        return self.model_dump(mode="json")


class AutomationRulePatch(BaseModel):
    """A JSON merge patch of a rule; `trigger` and `action` merge key by key (send
    `null` for a key the new type does not have)."""

    model_config = ConfigDict(extra="forbid")

    name: RuleName | None = None
    active: bool | None = None
    trigger: dict[str, Any] | None = None
    action: dict[str, Any] | None = None


class AutomationRuleOut(BaseModel):
    """An automation rule."""

    id: uuid.UUID
    name: str
    active: bool
    trigger: dict[str, Any]
    action: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    version: int


class AutomationRunOut(BaseModel):
    """One thing a rule did: `task_created` (the deal, the event and the task),
    `reassigned` (the lead, its idle time, from and to which owner) or `skipped` (an idle
    lead nobody else could take)."""

    id: uuid.UUID
    rule_id: uuid.UUID
    outcome: str
    event_id: str | None
    deal_id: uuid.UUID | None
    activity_id: uuid.UUID | None
    lead_id: uuid.UUID | None
    lead_touched_at: datetime | None
    from_owner_id: uuid.UUID | None
    to_owner_id: uuid.UUID | None
    created_at: datetime
