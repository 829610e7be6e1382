"""Deals: create, read, merge-patch (stage moves, winning, losing), delete."""

from __future__ import annotations

from fastapi import APIRouter, Response

from crm_sales.adapters.deal_store import DealStore
from crm_sales.adapters.pipeline_store import PipelineStore
from crm_sales.adapters.quote_store import QuoteStore
from crm_sales.api.deal_loading import (
    created_headers,
    etag,
    lock_deal,
    pipeline_for_deal,
    user_id,
)
from crm_sales.api.deal_schemas import DealIn, DealPatch
from crm_sales.api.deps import API_PREFIX, DealId, DealWriter, Reader, ReadSession, utc_now
from crm_sales.domain.deal import Deal
from crm_sales.domain.deal_stages import choose_stage
from crm_sales.events.deal_schemas import DealData
from crm_shared.db import SessionDep
from crm_shared.patching import merged
from crm_shared.problems import PROBLEM_RESPONSES, not_found
from crm_shared.versioning import IfMatch

router = APIRouter(prefix=f"{API_PREFIX}/deals", tags=["deals"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=201, operation_id="create_deal")
async def create_deal(
    body: DealIn, session: SessionDep, principal: DealWriter, response: Response
) -> DealData:
    """Open a deal (owned by the caller unless `owner_id` says otherwise). 422 naming the
    field for an unknown pipeline, a stage of another pipeline, a lost deal without a
    `lost_reason`, an amount finer than its currency."""
    edits = body.edits()
    sent = frozenset(body.model_fields_set)
    if "owner_id" not in sent:
        edits["owner_id"] = user_id(principal)
    now = utc_now()
    async with session.begin():
        pipeline = await pipeline_for_deal(PipelineStore(session, actor=None), body.pipeline_id)
        stage = choose_stage(pipeline, stage_id=body.stage_id, status=body.status)
        deal, move = Deal.open(edits, stage, pipeline_id=pipeline.id, now=now, sent=sent)
        resource = await DealStore(session, actor=principal.subject).add(deal, move, now=now)
    response.headers.update(created_headers("deals", deal.id, deal.version))
    return resource


@router.get("/{deal_id}", operation_id="get_deal")
async def get_deal(
    deal_id: DealId, _: Reader, session: ReadSession, response: Response
) -> DealData:
    """One deal."""
    deal = await DealStore(session, actor=None).get(deal_id)
    if deal is None:
        raise not_found("Deal")
    response.headers["ETag"] = etag(deal.version)
    return DealData.of(deal)


@router.patch("/{deal_id}", operation_id="update_deal")
async def update_deal(
    deal_id: DealId,
    body: DealPatch,
    session: SessionDep,
    principal: DealWriter,
    if_match: IfMatch,
    response: Response,
) -> DealData:
    """Apply a JSON merge patch. A new `stage_id` (or `status`) moves the deal: into a won
    stage wins it, into a lost one loses it (with a `lost_reason`), into an open one
    reopens it; each move is kept in its history. A new `pipeline_id` without a stage
    takes the new pipeline's first stage with the deal's status."""
    store = DealStore(session, actor=principal.subject)
    sent = frozenset(body.model_fields_set)
    async with session.begin():
        deal = await lock_deal(store, deal_id, if_match)
        document = merged(DealIn, deal.editable(), body)
        pipeline_id = document.pipeline_id or deal.pipeline_id
        pipeline = await pipeline_for_deal(PipelineStore(session, actor=None), pipeline_id)
        status = document.status if "status" in sent else None
        if status is None and pipeline.id != deal.pipeline_id:
            status = deal.status  # a won deal moved to another pipeline stays won
        stage = choose_stage(
            pipeline,
            stage_id=body.stage_id if "stage_id" in sent else None,
            status=status,
            current=deal.stage_id,
        )
        change = deal.revise(
            document.edits(), stage, pipeline_id=pipeline.id, now=utc_now(), sent=sent
        )
        resource = await store.save(deal, change) if change.changed else DealData.of(deal)
    response.headers["ETag"] = etag(deal.version)
    return resource


@router.delete("/{deal_id}", status_code=204, operation_id="delete_deal")
async def delete_deal(
    deal_id: DealId, session: SessionDep, principal: DealWriter, if_match: IfMatch
) -> None:
    """Delete a deal, its stage history and its quotes (each quote gets a `deleted`
    event); activities logged against it stay, as the record of what was done."""
    store = DealStore(session, actor=principal.subject)
    async with session.begin():
        deal = await lock_deal(store, deal_id, if_match)
        now = utc_now()
        await QuoteStore(session, actor=principal.subject).delete_of_deal(deal.id, now=now)
        await store.delete(deal, now=now)
