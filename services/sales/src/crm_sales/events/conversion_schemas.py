"""Payloads of a lead conversion: `data.conversion` of `crm.sales.lead.conversion_requested`
and `crm.sales.lead.converted`, and the `conversion` the API shows with a lead."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from crm_sales.domain.conversion import ConversionStatus
from crm_sales.events.lead_schemas import LeadData


class ConversionDealData(BaseModel):
    """The deal the conversion opens (no `pipeline_id`: the default pipeline)."""

    name: str
    amount: str
    currency: str
    pipeline_id: uuid.UUID | None


class ConversionData(BaseModel):
    """A lead's conversion; `contact_id`, `company_id` and `deal_id` once completed,
    `error` if it failed."""

    id: uuid.UUID
    lead_id: uuid.UUID
    status: ConversionStatus
    deal: ConversionDealData
    contact_id: uuid.UUID | None
    company_id: uuid.UUID | None
    deal_id: uuid.UUID | None
    error: str | None
    created_at: datetime
    updated_at: datetime


class LeadConversionEventData(LeadData):
    """`conversion_requested` (the contacts service creates or links the contact) and
    `converted` (the deal is open, the lead converted): the lead and its conversion."""

    changed: list[str]
    conversion: ConversionData


class LeadWithConversion(LeadData):
    """A lead as GET /leads/{id} shows it: with its conversion, if it has one (absent
    otherwise, so a lead never converted reads exactly as its events carry it)."""

    conversion: ConversionData | None = Field(default=None, exclude_if=lambda value: value is None)
