"""The deal aggregate: an opportunity to sell, moving through a pipeline's stages.

A deal's status follows the kind of its stage: entering a won or lost stage closes it
(a lost one needs a reason), entering an open stage reopens it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from crm_sales.domain.deal_errors import InvalidDealError
from crm_sales.domain.deal_money import format_amount
from crm_sales.domain.deal_status import DealChange, DealStatus, StageMove
from crm_sales.domain.pipeline import Stage

# Fields a client sets directly; the stage (and so the status) has rules of its own.
PLAIN_FIELDS = (
    "name",
    "amount",
    "currency",
    "close_date",
    "owner_id",
    "contact_id",
    "company_id",
    "lost_reason",
)
# Every field an event's `changed` may name.
TRACKED_FIELDS = (*PLAIN_FIELDS, "pipeline_id", "stage_id", "status", "probability")


@dataclass(slots=True)
class Deal:
    """An opportunity. `version` grows by one with every change; `probability` is its
    stage's win probability."""

    id: uuid.UUID
    name: str
    amount: Decimal
    currency: str
    pipeline_id: uuid.UUID
    stage_id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    status: DealStatus = DealStatus.OPEN
    probability: int = 0
    close_date: date | None = None
    owner_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    company_id: uuid.UUID | None = None
    lost_reason: str | None = None
    version: int = 1

    @classmethod
    def open(
        cls,
        edits: dict[str, Any],
        stage: Stage,
        *,
        pipeline_id: uuid.UUID,
        now: datetime,
        sent: frozenset[str],
    ) -> tuple[Deal, StageMove]:
        """A new deal in `stage` of `pipeline_id`, and its entry into that stage.

        `sent` names the fields the client gave (a close date left out is set to today
        when the deal is created closed)."""
        deal = cls(
            id=uuid.uuid4(),
            pipeline_id=pipeline_id,
            stage_id=stage.id,
            created_at=now,
            updated_at=now,
            name=edits["name"],
            amount=edits["amount"],
            currency=edits["currency"],
        )
        for name in PLAIN_FIELDS[3:]:  # the optional ones, after name, amount, currency
            setattr(deal, name, edits.get(name))
        move = deal._enter(stage, previous=None, now=now, sent=sent)
        deal._check_lost_reason(sent)
        return deal, move

    def editable(self) -> dict[str, Any]:
        """The fields a PATCH may change, as the JSON a merge patch applies to."""
        data: dict[str, Any] = {name: getattr(self, name) for name in PLAIN_FIELDS}
        data.update(pipeline_id=self.pipeline_id, stage_id=self.stage_id, status=self.status)
        data["amount"] = format_amount(self.amount, self.currency)
        return {name: _json(value) for name, value in data.items() if value is not None}

    def revise(
        self,
        edits: dict[str, Any],
        stage: Stage,
        *,
        pipeline_id: uuid.UUID,
        now: datetime,
        sent: frozenset[str],
    ) -> DealChange:
        """Set every plain field to `edits` (a complete set, as after a merge patch) and
        put the deal in `stage` of `pipeline_id`; `sent` names the fields the client gave."""
        before = {name: getattr(self, name) for name in TRACKED_FIELDS}
        for name in PLAIN_FIELDS:
            setattr(self, name, edits.get(name))
        self.pipeline_id = pipeline_id
        move = None
        if stage.id != before["stage_id"]:
            move = self._enter(stage, previous=before["stage_id"], now=now, sent=sent)
        self._check_lost_reason(sent)
        changed = [name for name in TRACKED_FIELDS if getattr(self, name) != before[name]]
        if changed:
            self.touch(now)
        return DealChange(changed, move)

    def touch(self, now: datetime) -> None:
        """Record a change: next version, new update time."""
        self.version += 1
        self.updated_at = now

    def _enter(
        self, stage: Stage, *, previous: uuid.UUID | None, now: datetime, sent: frozenset[str]
    ) -> StageMove:
        from_status = self.status if previous is not None else None
        self.stage_id, self.probability = stage.id, stage.probability
        self.status = DealStatus(stage.kind.value)
        move = StageMove(previous, stage.id, from_status, self.status)
        if move.closes and "close_date" not in sent:
            # The close date of a closed deal is when it closed, unless the client says.
            self.close_date = now.date()
        return move

    def _check_lost_reason(self, sent: frozenset[str]) -> None:
        if self.status == DealStatus.LOST:
            if not self.lost_reason:
                raise InvalidDealError("a lost deal needs a lost_reason", field="lost_reason")
        elif self.lost_reason:
            if "lost_reason" in sent:
                raise InvalidDealError("only a lost deal has a lost_reason", field="lost_reason")
            self.lost_reason = None  # the reason of a deal reopened no longer holds


def _json(value: Any) -> Any:
    if isinstance(value, uuid.UUID | StrEnum):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
