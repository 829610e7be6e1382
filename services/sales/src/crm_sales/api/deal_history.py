"""A deal's stage history: every stage it entered, oldest first, with when and by whom."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from crm_sales.adapters.deal_history import list_history
from crm_sales.adapters.deal_store import DealStore
from crm_sales.api.deps import API_PREFIX, DealId, Reader, ReadSession
from crm_sales.domain.deal_money import format_amount
from crm_sales.domain.deal_status import DealStatus
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.problems import PROBLEM_RESPONSES, not_found

router = APIRouter(prefix=f"{API_PREFIX}/deals", tags=["deals"], responses=PROBLEM_RESPONSES)


class StageEntryOut(BaseModel):
    """The deal entering `to_stage_id` (from `from_stage_id`, none when it was created),
    with its status, probability and amount as they were then."""

    pipeline_id: uuid.UUID
    from_stage_id: uuid.UUID | None
    to_stage_id: uuid.UUID
    status: DealStatus
    probability: int
    amount: str
    currency: str
    changed_at: datetime
    actor: str | None
    version: int


@router.get("/{deal_id}/history", operation_id="get_deal_history")
async def get_deal_history(
    deal_id: DealId,
    _: Reader,
    session: ReadSession,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[StageEntryOut]:
    """Every stage the deal entered, oldest first (time in a stage is the gap between
    two entries)."""
    if await DealStore(session, actor=None).get(deal_id) is None:
        raise not_found("Deal")
    rows, next_cursor = await list_history(session, deal_id, limit=limit, cursor=cursor)
    items = [
        StageEntryOut.model_validate(
            {**row, "amount": format_amount(row["amount"], row["currency"])}
        )
        for row in rows
    ]
    return Page(items=items, next_cursor=next_cursor)
