"""Request bodies of pipelines; pipelines are served as crm_sales.events.pipeline_schemas
defines them."""

from __future__ import annotations

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from crm_sales.api.deal_schemas import text
from crm_sales.domain.pipeline import StageKind
from crm_sales.domain.pipeline_stages import MAX_STAGES, StageSpec

PipelineName = Annotated[str, text(100)]


class StageIn(BaseModel):
    """A stage, in the order the list gives. Keep a stage's `id` to keep the stage (and
    its deals); a stage without one is new. Won stages have probability 100, lost ones 0."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID | None = None
    name: Annotated[str, text(100)]
    probability: int | None = Field(None, ge=0, le=100, description="Win probability, 0-100")
    kind: StageKind = StageKind.OPEN
    # Accepted so that a pipeline read can be sent back as it is; the list order rules.
    position: int | None = Field(None, description="Ignored: stages are in list order")

    def spec(self) -> StageSpec:
        """The stage as pipeline_stages.plan_stages takes it."""
        return StageSpec(self.name, self.kind, self.probability, self.id)


class PipelineIn(BaseModel):
    """A pipeline: a name and its stages (at least one open, one won and one lost)."""

    model_config = ConfigDict(extra="forbid")

    name: PipelineName
    stages: list[StageIn] = Field(min_length=1, max_length=MAX_STAGES)
    is_default: bool = Field(False, description="New deals without a pipeline_id go here")


class PipelinePatch(BaseModel):
    """A JSON merge patch of a pipeline; `stages`, a list, replaces the whole list."""

    model_config = ConfigDict(extra="forbid")

    name: PipelineName | None = None
    stages: list[StageIn] | None = Field(None, min_length=1, max_length=MAX_STAGES)
    is_default: bool | None = None
