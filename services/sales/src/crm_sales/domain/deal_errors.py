"""Rule violations of pipelines, deals and targets; the API turns each into a problem."""

from __future__ import annotations

import uuid


class SalesRuleError(Exception):
    """A business rule of pipelines, deals or targets refused the change."""


class InvalidDealError(SalesRuleError, ValueError):
    """A value breaks a rule (422 naming `field`).

    It is a ValueError too, so the same rules work as Pydantic validators.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class StageInUseError(SalesRuleError):
    """A pipeline edit would remove a stage, or change its kind, while deals sit in it."""

    def __init__(self, stage_ids: list[uuid.UUID], what: str) -> None:
        names = ", ".join(str(stage_id) for stage_id in stage_ids)
        super().__init__(f"deals are in stage(s) {names}: move them first, then {what}")
        self.stage_ids = stage_ids
