"""Payloads (`data`) of `crm.sales.deal` events: the full deal after the change.

The API serves the same shape, so what a consumer reads is what a client reads. Schemas
only grow; a breaking change gets a new `.v2` event type.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from crm_sales.domain.deal import Deal
from crm_sales.domain.deal_money import format_amount
from crm_sales.domain.deal_status import DealStatus


class DealData(BaseModel):
    """A deal. `probability` is its stage's win probability (0-100)."""

    id: uuid.UUID
    name: str
    amount: str = Field(
        description="Decimal string with the currency's minor digits", examples=["1500.00"]
    )
    currency: str = Field(description="ISO 4217 code", examples=["EUR"])
    close_date: date | None
    pipeline_id: uuid.UUID
    stage_id: uuid.UUID
    status: DealStatus
    probability: int
    owner_id: uuid.UUID | None
    contact_id: uuid.UUID | None
    company_id: uuid.UUID | None
    lost_reason: str | None
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, deal: Deal) -> DealData:
        """The published form of a deal."""
        return cls(
            id=deal.id,
            name=deal.name,
            amount=format_amount(deal.amount, deal.currency),
            currency=deal.currency,
            close_date=deal.close_date,
            pipeline_id=deal.pipeline_id,
            stage_id=deal.stage_id,
            status=deal.status,
            probability=deal.probability,
            owner_id=deal.owner_id,
            contact_id=deal.contact_id,
            company_id=deal.company_id,
            lost_reason=deal.lost_reason,
            created_at=deal.created_at,
            updated_at=deal.updated_at,
            version=deal.version,
        )


class DealUpdatedData(DealData):
    """`crm.sales.deal.updated`: the deal, and the names of the changed fields."""

    changed: list[str]


class DealStageChangedData(DealUpdatedData):
    """`crm.sales.deal.stage_changed`, `.won` and `.lost`: the deal, its changed fields
    and the stage it left (none when it was just created) and entered."""

    from_stage_id: uuid.UUID | None
    to_stage_id: uuid.UUID


class RenewalOf(BaseModel):
    """The contract term a renewal deal was opened for."""

    contract_id: uuid.UUID
    term: str


class DealCreatedData(DealData):
    """`crm.sales.deal.created`: the deal; a renewal deal (opened for a contract's
    `renewal_due`) adds `renewal_of`."""

    renewal_of: RenewalOf | None = None


# What `data` may be on the topic, for the AsyncAPI document (the most specific first).
DealEventData = DealStageChangedData | DealUpdatedData | DealCreatedData | DealData
