"""A deal's status and its moves between stages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum


class DealStatus(StrEnum):
    """Whether the deal is still being worked, or was won or lost."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"


@dataclass(frozen=True, slots=True)
class StageMove:
    """A deal entering a stage (from none, when it is created)."""

    from_stage_id: uuid.UUID | None
    to_stage_id: uuid.UUID
    from_status: DealStatus | None
    to_status: DealStatus

    @property
    def closes(self) -> bool:
        """True when the move wins or loses the deal (it was not won, or lost, before)."""
        return self.to_status != DealStatus.OPEN and self.to_status != self.from_status


@dataclass(frozen=True, slots=True)
class DealChange:
    """What a revision changed: field names, and the stage move if there was one."""

    changed: list[str]
    move: StageMove | None
