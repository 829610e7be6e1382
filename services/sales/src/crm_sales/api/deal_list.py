"""Listing deals: a pipeline board, one owner's deals, a contact's, a close-date range."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from crm_sales.adapters.deal_queries import DealFilters, list_deals
from crm_sales.api.deps import API_PREFIX, Reader, ReadSession
from crm_sales.domain.deal_status import DealStatus
from crm_sales.events.deal_schemas import DealData
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.problems import PROBLEM_RESPONSES, ProblemError

router = APIRouter(prefix=f"{API_PREFIX}/deals", tags=["deals"], responses=PROBLEM_RESPONSES)


@router.get("", operation_id="list_deals")
async def list_deals_route(
    _: Reader,
    session: ReadSession,
    pipeline_id: Annotated[uuid.UUID | None, Query(description="Deals of this pipeline")] = None,
    stage_id: Annotated[uuid.UUID | None, Query(description="Deals in this stage")] = None,
    owner_id: Annotated[uuid.UUID | None, Query(description="Deals this user owns")] = None,
    status: Annotated[DealStatus | None, Query(description="open, won or lost")] = None,
    contact_id: Annotated[uuid.UUID | None, Query(description="Deals with this contact")] = None,
    company_id: Annotated[uuid.UUID | None, Query(description="Deals with this company")] = None,
    close_date_from: Annotated[
        date | None, Query(alias="close_date.gte", description="Close date on or after")
    ] = None,
    close_date_to: Annotated[
        date | None, Query(alias="close_date.lte", description="Close date on or before")
    ] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[DealData]:
    """Deals, oldest first, narrowed by any of the filters (all must hold)."""
    if close_date_from and close_date_to and close_date_from > close_date_to:
        msg = "close_date.gte is after close_date.lte"
        raise ProblemError(
            422, detail=msg, errors=[{"loc": ["query", "close_date.gte"], "msg": msg}]
        )
    filters = DealFilters(
        pipeline_id=pipeline_id,
        stage_id=stage_id,
        owner_id=owner_id,
        contact_id=contact_id,
        company_id=company_id,
        status=status,
        close_date_from=close_date_from,
        close_date_to=close_date_to,
    )
    found, next_cursor = await list_deals(session, filters, limit=limit, cursor=cursor)
    return Page(items=[DealData.of(deal) for deal in found], next_cursor=next_cursor)
