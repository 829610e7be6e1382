"""Bodies and answers of the assignment configuration: sales reps and assignment rules."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from crm_sales.api.lead_fields import Countries, Name, RuleName
from crm_sales.domain.assignment import AssignmentMethod

Position = Annotated[int, Field(ge=0, le=1_000_000, description="Rules are tried lowest first")]
Team = Annotated[list[uuid.UUID], Field(max_length=500)]


class SalesRepIn(BaseModel):
    """A user who may be given leads; `countries` is their territory."""

    model_config = ConfigDict(extra="forbid")

    user_id: uuid.UUID
    name: Name = None
    active: bool = True
    countries: Countries = []


class SalesRepEdit(BaseModel):
    """A sales rep's editable fields (after a merge patch)."""

    model_config = ConfigDict(extra="forbid")

    name: Name = None
    active: bool = True
    countries: Countries = []


class SalesRepPatch(BaseModel):
    """A JSON merge patch of a sales rep."""

    model_config = ConfigDict(extra="forbid")

    name: Name = None
    active: bool | None = None
    countries: Countries | None = None


class SalesRepOut(BaseModel):
    """A sales rep."""

    user_id: uuid.UUID
    name: str | None
    active: bool
    countries: list[str]
    created_at: datetime
    updated_at: datetime
    version: int


class AssignmentRuleIn(BaseModel):
    """An assignment rule. It applies to leads from `countries` (empty: any country) and
    deals them, in turn, to the active reps of `user_ids` (empty: every active rep);
    `territory` deals only to reps whose territory includes the lead's country."""

    model_config = ConfigDict(extra="forbid")

    name: RuleName
    method: AssignmentMethod
    position: Position = 0
    active: bool = True
    countries: Countries = []
    user_ids: Team = []


class AssignmentRulePatch(BaseModel):
    """A JSON merge patch of an assignment rule."""

    model_config = ConfigDict(extra="forbid")

    name: RuleName | None = None
    method: AssignmentMethod | None = None
    position: Position | None = None
    active: bool | None = None
    countries: Countries | None = None
    user_ids: Team | None = None


class AssignmentRuleOut(BaseModel):
    """An assignment rule; `last_user_id` got its latest lead (whose turn it was)."""

    id: uuid.UUID
    name: str
    method: AssignmentMethod
    position: int
    active: bool
    countries: list[str]
    user_ids: list[uuid.UUID]
    last_user_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int
