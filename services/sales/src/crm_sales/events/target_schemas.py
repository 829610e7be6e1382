"""Payloads (`data`) of `crm.sales.target` events: the full target after the change."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from crm_sales.domain.deal_money import format_amount
from crm_sales.domain.target import Target


class TargetData(BaseModel):
    """What `owner_id` should win in `period` (a month or quarter), in one currency."""

    id: uuid.UUID
    owner_id: uuid.UUID
    period: str = Field(examples=["2026-Q4", "2026-11"])
    starts_on: date
    ends_on: date
    amount: str = Field(description="Decimal string", examples=["250000.00"])
    currency: str
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, target: Target) -> TargetData:
        """The published form of a target."""
        span = target.span
        return cls(
            id=target.id,
            owner_id=target.owner_id,
            period=target.period,
            starts_on=span.starts_on,
            ends_on=span.ends_on,
            amount=format_amount(target.amount, target.currency),
            currency=target.currency,
            created_at=target.created_at,
            updated_at=target.updated_at,
            version=target.version,
        )


class TargetUpdatedData(TargetData):
    """`crm.sales.target.updated`: the target, and the names of the changed fields."""

    changed: list[str]


TargetEventData = TargetUpdatedData | TargetData
