"""Opening the renewal deal of a contract's term, once, in the caller's transaction."""

from __future__ import annotations

import uuid
from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.deal_store import DealStore
from crm_sales.adapters.pipeline_store import PipelineStore
from crm_sales.adapters.renewal_tables import contract_renewals
from crm_sales.domain.deal import Deal
from crm_sales.domain.deal_stages import choose_stage
from crm_sales.domain.renewal import RenewalDue

_log = structlog.get_logger("crm.sales.renewals")


class NoPipelineError(RuntimeError):
    """There is no default pipeline to open a renewal deal in."""


async def open_renewal_deal(
    session: AsyncSession,
    renewal: RenewalDue,
    *,
    event_id: str,
    actor: str | None,
    now: datetime,
) -> uuid.UUID | None:
    """Open the renewal deal in the default pipeline's first open stage and publish its
    `created` event; the new deal's id, or None when this term already has its deal.

    The term is claimed first (INSERT ... ON CONFLICT DO NOTHING on its primary key): a
    concurrent transaction claiming the same term waits for this one, then finds it taken.
    """
    pipeline = await PipelineStore(session, actor=None).get(None, lock="share")
    if pipeline is None:
        raise NoPipelineError("no default pipeline to open the renewal deal in")
    deals = DealStore(session, actor=actor)
    edits = {
        "name": renewal.deal_name,
        "amount": renewal.amount,
        "currency": renewal.currency,
        "close_date": renewal.close_date,
        "owner_id": renewal.owner_id or await _origin_owner(deals, renewal.origin_deal_id),
        "contact_id": renewal.contact_id,
        "company_id": renewal.company_id,
    }
    stage = choose_stage(pipeline, stage_id=None, status=None)
    deal, move = Deal.open(edits, stage, pipeline_id=pipeline.id, now=now, sent=frozenset(edits))
    claimed = await session.execute(
        insert(contract_renewals)
        .values(
            contract_id=renewal.contract_id,
            term_key=renewal.term_key,
            deal_id=deal.id,
            event_id=event_id,
            created_at=now,
        )
        .on_conflict_do_nothing()
        .returning(contract_renewals.c.deal_id)
    )
    if claimed.first() is None:
        _log.info(
            "renewal deal already opened for this term; nothing to do",
            contract_id=str(renewal.contract_id),
            term=renewal.term_key,
        )
        return None
    origin = {"contract_id": str(renewal.contract_id), "term": renewal.term_key}
    await deals.add(deal, move, now=now, extra={"renewal_of": origin})
    _log.info(
        "renewal deal opened",
        contract_id=str(renewal.contract_id),
        term=renewal.term_key,
        deal_id=str(deal.id),
    )
    return deal.id


async def renewal_deal_id(
    session: AsyncSession, contract_id: uuid.UUID, term_key: str
) -> uuid.UUID | None:
    """The deal opened for this contract's term, if any."""
    stmt = select(contract_renewals.c.deal_id).where(
        contract_renewals.c.contract_id == contract_id, contract_renewals.c.term_key == term_key
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def _origin_owner(deals: DealStore, origin_deal_id: uuid.UUID | None) -> uuid.UUID | None:
    if origin_deal_id is None:
        return None
    origin = await deals.get(origin_deal_id)
    return origin.owner_id if origin is not None else None
