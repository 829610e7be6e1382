"""Payloads (`data`) of `crm.sales.pipeline` events: the full pipeline after the change."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from crm_sales.domain.pipeline import Pipeline, StageKind


class StageData(BaseModel):
    """One stage, in pipeline order; a deal entering a won or lost stage is closed."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    probability: int
    kind: StageKind
    position: int


class PipelineData(BaseModel):
    """A pipeline and its ordered stages. One pipeline is the default for new deals."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    is_default: bool
    stages: list[StageData]
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, pipeline: Pipeline) -> PipelineData:
        """The published form of a pipeline."""
        return cls.model_validate(pipeline)


class PipelineUpdatedData(PipelineData):
    """`crm.sales.pipeline.updated`: the pipeline, and the names of the changed fields."""

    changed: list[str]


PipelineEventData = PipelineUpdatedData | PipelineData
