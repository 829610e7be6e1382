"""Listing activities: one owner's, one target's, a due range, open or done, overdue."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from crm_sales.adapters.activity_queries import ActivityFilters, list_activities
from crm_sales.api.deps import API_PREFIX, Reader, ReadSession, utc_now
from crm_sales.domain.activity import ActivityKind
from crm_sales.events.activity_schemas import ActivityData
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.problems import PROBLEM_RESPONSES, ProblemError

router = APIRouter(
    prefix=f"{API_PREFIX}/activities", tags=["activities"], responses=PROBLEM_RESPONSES
)


@router.get("", operation_id="list_activities")
async def list_activities_route(
    _: Reader,
    session: ReadSession,
    owner_id: Annotated[uuid.UUID | None, Query(description="This user's activities")] = None,
    lead_id: Annotated[uuid.UUID | None, Query(description="Logged against this lead")] = None,
    deal_id: Annotated[uuid.UUID | None, Query(description="Logged against this deal")] = None,
    contact_id: Annotated[uuid.UUID | None, Query(description="Against this contact")] = None,
    kind: Annotated[ActivityKind | None, Query(description="task, call, meeting or email")] = None,
    due_from: Annotated[
        AwareDatetime | None, Query(alias="due_at.gte", description="Due at or after")
    ] = None,
    due_to: Annotated[
        AwareDatetime | None, Query(alias="due_at.lte", description="Due at or before")
    ] = None,
    status: Annotated[
        Literal["open", "completed"] | None, Query(description="open or completed")
    ] = None,
    overdue: Annotated[bool | None, Query(description="Due in the past and not done")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[ActivityData]:
    """Activities, oldest first, narrowed by any of the filters (all must hold)."""
    if due_from and due_to and due_from > due_to:
        msg = "due_at.gte is after due_at.lte"
        raise ProblemError(422, detail=msg, errors=[{"loc": ["query", "due_at.gte"], "msg": msg}])
    filters = ActivityFilters(
        now=utc_now(),
        owner_id=owner_id,
        lead_id=lead_id,
        deal_id=deal_id,
        contact_id=contact_id,
        kind=kind,
        due_from=due_from,
        due_to=due_to,
        completed=None if status is None else status == "completed",
        overdue=overdue,
    )
    found, next_cursor = await list_activities(session, filters, limit=limit, cursor=cursor)
    return Page(items=[ActivityData.of(item) for item in found], next_cursor=next_cursor)
