"""The pipeline aggregate: the ordered stages a deal moves through, each with the
probability that a deal in it is won."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class StageKind(StrEnum):
    """What being in a stage says about a deal: still open, won or lost."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"


@dataclass(frozen=True, slots=True)
class Stage:
    """One step of a pipeline; `position` orders the stages (0 first)."""

    id: uuid.UUID
    name: str
    probability: int
    kind: StageKind
    position: int


@dataclass(slots=True)
class Pipeline:
    """A sales process. `version` grows by one with every change."""

    id: uuid.UUID
    name: str
    created_at: datetime
    updated_at: datetime
    stages: list[Stage] = field(default_factory=list)
    is_default: bool = False
    version: int = 1

    @classmethod
    def register(cls, name: str, stages: list[Stage], *, now: datetime) -> Pipeline:
        """A new pipeline with stages planned by pipeline_stages.plan_stages."""
        return cls(id=uuid.uuid4(), name=name, created_at=now, updated_at=now, stages=stages)

    def stage(self, stage_id: uuid.UUID | None) -> Stage | None:
        """The stage with this id, if it is one of this pipeline's."""
        return next((s for s in self.stages if s.id == stage_id), None)

    def first_stage(self, kind: StageKind) -> Stage:
        """The first stage of `kind` in pipeline order (every pipeline has one of each)."""
        return next(s for s in self.stages if s.kind == kind)

    def editable(self) -> dict[str, object]:
        """The fields a PATCH may change, as the JSON a merge patch applies to."""
        return {
            "name": self.name,
            "is_default": self.is_default,
            "stages": [
                {"id": str(s.id), "name": s.name, "probability": s.probability, "kind": str(s.kind)}
                for s in self.stages
            ],
        }

    def revise(
        self, name: str, stages: list[Stage], is_default: bool, *, now: datetime
    ) -> list[str]:
        """Set the name, the stages (as planned by pipeline_stages.plan_stages) and whether
        it is the default; returns the names of the fields that changed."""
        changed = []
        if name != self.name:
            self.name = name
            changed.append("name")
        if stages != self.stages:
            self.stages = stages
            changed.append("stages")
        if is_default != self.is_default:
            self.is_default = is_default
            changed.append("is_default")
        if changed:
            self.touch(now)
        return changed

    def make_default(self, is_default: bool, *, now: datetime) -> bool:
        """Become (or stop being) the default pipeline; True if that changed anything."""
        if is_default == self.is_default:
            return False
        self.is_default = is_default
        self.touch(now)
        return True

    def touch(self, now: datetime) -> None:
        """Record a change: next version, new update time."""
        self.version += 1
        self.updated_at = now
