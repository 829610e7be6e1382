"""Bodies and answers of the scoring configuration: fit rules and engagement points."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from crm_sales.api.lead_fields import RuleName
from crm_sales.domain.scoring import MAX_POINTS, Operator, ScoreField

Points = Annotated[int, Field(ge=-MAX_POINTS, le=MAX_POINTS)]
RuleValue = Annotated[
    str | int | list[str | int],
    Field(description="Text or a number; a list for `in`; a number of employees for size"),
]


class ScoringRuleIn(BaseModel):
    """A fit rule: leads whose `field` meets `operator` `value` get `points`.

    title and source: equals, in, contains; country: equals, in; company_size: equals,
    in, gte, lte. Text is compared ignoring case.
    """

    model_config = ConfigDict(extra="forbid")

    name: RuleName | None = None
    field: ScoreField
    operator: Operator
    value: RuleValue
    points: Points
    active: bool = True


class ScoringRulePatch(BaseModel):
    """A JSON merge patch of a fit rule."""

    model_config = ConfigDict(extra="forbid")

    name: RuleName | None = None
    field: ScoreField | None = None
    operator: Operator | None = None
    value: RuleValue | None = None
    points: Points | None = None
    active: bool | None = None


class ScoringRuleOut(BaseModel):
    """A fit rule as stored (values normalized: trimmed text, uppercase countries)."""

    id: uuid.UUID
    name: str | None
    field: ScoreField
    operator: Operator
    value: Any
    points: int
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int


class ScoringStatus(BaseModel):
    """How far rescoring has come: leads scored with an older ruleset wait for it."""

    rules_version: int
    stale_leads: int = Field(description="Leads still to rescore (counted up to 100,000)")


class EngagementPointsPatch(BaseModel):
    """A merge patch of the points: `{"points": {"bounced": -2, "opened": null}}` adds
    or changes `bounced` and stops scoring `opened`."""

    model_config = ConfigDict(extra="forbid")

    points: dict[str, int | None] = Field(max_length=50)


class EngagementPointsOut(BaseModel):
    """Points per engagement type (`crm.marketing.engagement.<type>`)."""

    points: dict[str, int]
    version: int
    updated_at: datetime
