"""Converting a lead: POST /leads/{id}/convert starts the saga (202), and
GET /leads/{id}/conversion follows it to its end."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.conversion_publisher import conversion_view
from crm_sales.adapters.conversion_saga import request_conversion
from crm_sales.adapters.conversion_store import ConversionStore
from crm_sales.adapters.lead_store import LeadStore
from crm_sales.adapters.pipeline_store import PipelineStore
from crm_sales.api.deal_schemas import Amount, CurrencyCode, DealName
from crm_sales.api.deps import API_PREFIX, ReadSession, utc_now
from crm_sales.api.lead_deps import LeadId, LeadReader, LeadWriter
from crm_sales.api.lead_loading import lock_lead
from crm_sales.domain.conversion import DealSpec
from crm_sales.domain.deal_errors import InvalidDealError
from crm_sales.domain.deal_money import check_amount
from crm_sales.domain.lead import Lead
from crm_sales.events.conversion_schemas import ConversionData, LeadWithConversion
from crm_sales.events.lead_schemas import LeadData
from crm_shared.db import SessionDep
from crm_shared.problems import PROBLEM_RESPONSES, ProblemError, not_found

router = APIRouter(prefix=f"{API_PREFIX}/leads", tags=["leads"], responses=PROBLEM_RESPONSES)


class ConvertDealIn(BaseModel):
    """The deal to open for the new contact (no `pipeline_id`: the default pipeline)."""

    model_config = ConfigDict(extra="forbid")

    name: DealName
    amount: Amount
    currency: CurrencyCode
    pipeline_id: uuid.UUID | None = None


class ConvertIn(BaseModel):
    """A conversion request."""

    model_config = ConfigDict(extra="forbid")

    deal: ConvertDealIn


def _invalid(field: str, message: str) -> ProblemError:
    loc = ["body", "deal", field]
    return ProblemError(422, detail=message, errors=[{"loc": loc, "msg": message}])


@router.post("/{lead_id}/convert", status_code=202, operation_id="convert_lead")
async def convert_lead(
    lead_id: LeadId, body: ConvertIn, session: SessionDep, principal: LeadWriter, response: Response
) -> ConversionData:
    """Convert a lead: the contacts service creates (or links, by email) its contact and
    company, then the deal is opened for them and the lead becomes `converted`. The
    answer comes at once (202, status `pending`); follow it at `Location`. A lead is
    converted once: a second request is a 409 naming the conversion."""
    try:
        amount = check_amount(body.deal.amount, body.deal.currency)
    except InvalidDealError as exc:
        raise _invalid("amount", str(exc)) from None
    spec = DealSpec(body.deal.name, amount, body.deal.currency, body.deal.pipeline_id)
    async with session.begin():
        pipeline = await PipelineStore(session, actor=None).get(spec.pipeline_id)
        if pipeline is None:
            field = "pipeline_id" if spec.pipeline_id else "deal"
            raise _invalid(field, "no such pipeline (and no default one)")
        store = LeadStore(session, actor=principal.subject)
        lead = await lock_lead(store, lead_id, None, editing=False)
        conversion = await request_conversion(
            session, lead, spec, actor=principal.subject, now=utc_now()
        )
    response.headers["Location"] = f"{API_PREFIX}/leads/{lead_id}/conversion"
    return ConversionData.model_validate(conversion_view(conversion))


@router.get("/{lead_id}/conversion", operation_id="get_lead_conversion")
async def get_lead_conversion(
    lead_id: LeadId, _: LeadReader, session: ReadSession
) -> ConversionData:
    """The lead's conversion: `status` pending, completed (with `contact_id`,
    `company_id`, `deal_id`) or failed (with `error`)."""
    conversion = await ConversionStore(session).of_lead(lead_id)
    if conversion is None:
        raise not_found("Lead conversion")
    return ConversionData.model_validate(conversion_view(conversion))


async def with_conversion(session: AsyncSession, lead: Lead) -> LeadWithConversion:
    """The lead as GET /leads/{id} shows it, with its conversion if it has one."""
    conversion = await ConversionStore(session).of_lead(lead.id)
    shown = LeadWithConversion.model_validate(LeadData.of(lead).model_dump())
    if conversion is not None:
        shown.conversion = ConversionData.model_validate(conversion_view(conversion))
    return shown
