"""The saga's steps on the sales side: start a conversion, and finish it when the
contacts service answers with the contact. Both run in the caller's transaction, so the
state change and its events are written together or not at all."""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.conversion_publisher import ConversionAction, save_and_publish
from crm_sales.adapters.conversion_store import ConversionStore
from crm_sales.adapters.deal_store import DealStore
from crm_sales.adapters.lead_store import LeadStore
from crm_sales.adapters.pipeline_store import PipelineStore
from crm_sales.domain.conversion import Conversion, ConversionExistsError, DealSpec
from crm_sales.domain.deal import Deal
from crm_sales.domain.deal_stages import choose_stage
from crm_sales.domain.lead import Lead
from crm_sales.domain.lead_status import LeadStatus

_log = structlog.get_logger("crm.sales.conversion")


async def request_conversion(
    session: AsyncSession, lead: Lead, spec: DealSpec, *, actor: str | None, now: datetime
) -> Conversion:
    """Record a pending conversion of the (locked) lead and publish
    `conversion_requested`; the lead gets a new version."""
    store = ConversionStore(session)
    existing = await store.of_lead(lead.id)
    if existing is not None:
        raise ConversionExistsError(existing.id)
    conversion = Conversion.request(lead, spec, now=now)
    await store.add(conversion)
    lead.touch(now)
    await save_and_publish(
        session, lead, conversion, ConversionAction.CONVERSION_REQUESTED, actor=actor, changed=[]
    )
    return conversion


async def complete_conversion(
    session: AsyncSession,
    conversion_id: uuid.UUID,
    *,
    contact_id: uuid.UUID,
    company_id: uuid.UUID | None,
    actor: str | None,
    now: datetime,
) -> Conversion | None:
    """Open the conversion's deal for the contact and mark the lead converted, once.

    Only a pending conversion moves on (checked under its row lock), so a redelivered or
    replayed answer changes nothing. Returns the conversion, or None if unknown.
    """
    conversion = await ConversionStore(session).get(conversion_id, lock=True)
    if conversion is None or not conversion.pending:
        return conversion
    lead = await LeadStore(session, actor=actor).get(conversion.lead_id, lock=True)
    if lead is None:  # deleted meanwhile: the row went with it (cascade)
        return None
    pipelines = PipelineStore(session, actor=None)
    pipeline = None
    if conversion.deal.pipeline_id is not None:
        pipeline = await pipelines.get(conversion.deal.pipeline_id, lock="share")
    # A pipeline deleted since the request: the default one takes the deal.
    pipeline = pipeline or await pipelines.get(None, lock="share")
    if pipeline is None:
        conversion.fail("no pipeline to open the deal in", now=now)
        await ConversionStore(session).save(conversion)
        _log.warning("conversion failed: no pipeline", conversion_id=str(conversion.id))
        return conversion
    stage = choose_stage(pipeline, stage_id=None, status=None)
    spec = conversion.deal
    edits = {
        "name": spec.name,
        "amount": spec.amount,
        "currency": spec.currency,
        "owner_id": conversion.owner_id,
        "contact_id": contact_id,
        "company_id": company_id,
    }
    deal, move = Deal.open(edits, stage, pipeline_id=pipeline.id, now=now, sent=frozenset())
    await DealStore(session, actor=actor).add(deal, move, now=now)
    conversion.complete(contact_id=contact_id, company_id=company_id, deal_id=deal.id, now=now)
    await ConversionStore(session).save(conversion)
    changed = ["status"] + (["contact_id"] if lead.contact_id != contact_id else [])
    lead.status, lead.contact_id = LeadStatus.CONVERTED, contact_id
    lead.touch(now)
    await save_and_publish(
        session, lead, conversion, ConversionAction.CONVERTED, actor=actor, changed=changed
    )
    _log.info("lead converted", lead_id=str(lead.id), deal_id=str(deal.id))
    return conversion
