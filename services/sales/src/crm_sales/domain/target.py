"""The sales target aggregate: what one owner should win in a period, in one currency."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from crm_sales.domain.deal_money import format_amount
from crm_sales.domain.forecast_period import Period, parse_period

FIELDS = ("owner_id", "period", "amount", "currency")


@dataclass(slots=True)
class Target:
    """A quota. `period` is a month or quarter label; `version` grows with every change."""

    id: uuid.UUID
    owner_id: uuid.UUID
    period: str
    amount: Decimal
    currency: str
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @classmethod
    def register(cls, edits: dict[str, Any], *, now: datetime) -> Target:
        """A new target from validated fields (`period` already normalized)."""
        return cls(id=uuid.uuid4(), created_at=now, updated_at=now, **edits)

    @property
    def span(self) -> Period:
        """The days the target covers."""
        return parse_period(self.period)

    def editable(self) -> dict[str, Any]:
        """The fields a PATCH may change, as the JSON a merge patch applies to."""
        return {
            "owner_id": str(self.owner_id),
            "period": self.period,
            "amount": format_amount(self.amount, self.currency),
            "currency": self.currency,
        }

    def revise(self, edits: dict[str, Any], *, now: datetime) -> list[str]:
        """Set every field to `edits` (a complete set); returns the names that changed."""
        changed = [name for name in FIELDS if getattr(self, name) != edits[name]]
        for name in changed:
            setattr(self, name, edits[name])
        if changed:
            self.version += 1
            self.updated_at = now
        return changed
