"""Listing leads: filters, a sort (score too), cursor pages."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from crm_sales.adapters.lead_queries import list_leads
from crm_sales.api.deps import API_PREFIX, ReadSession
from crm_sales.api.lead_deps import LeadReader
from crm_sales.api.lead_fields import Country, SearchQuery
from crm_sales.domain.lead_query import LeadQuery, LeadSort
from crm_sales.domain.lead_status import LeadStatus
from crm_sales.domain.lead_values import normalize_source
from crm_sales.events.lead_schemas import LeadData
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.problems import PROBLEM_RESPONSES, ProblemError

router = APIRouter(prefix=f"{API_PREFIX}/leads", tags=["leads"], responses=PROBLEM_RESPONSES)


def _split(values: list[str] | None) -> list[str]:
    # `?status=new,working` and `?status=new&status=working` mean the same.
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def _invalid(name: str, msg: str) -> ProblemError:
    return ProblemError(422, detail=msg, errors=[{"loc": ["query", name], "msg": msg}])


def _statuses(values: list[str] | None) -> tuple[LeadStatus, ...]:
    try:
        return tuple(LeadStatus(value) for value in _split(values))
    except ValueError as exc:
        allowed = ", ".join(LeadStatus)
        raise _invalid("status", f"status is one of: {allowed}") from exc


def _owner(value: str | None) -> tuple[uuid.UUID | None, bool]:
    if value is None:
        return None, False
    if value.strip().lower() == "none":
        return None, True
    try:
        return uuid.UUID(value), False
    except ValueError as exc:
        raise _invalid("owner_id", "owner_id is a user id (a UUID) or `none`") from exc


@router.get("", operation_id="list_leads")
async def list_leads_route(
    _: LeadReader,
    session: ReadSession,
    status: Annotated[
        list[str] | None, Query(max_length=20, description="Any of these statuses (`a,b`)")
    ] = None,
    owner_id: Annotated[
        str | None, Query(max_length=40, description="An owner's user id, or `none`")
    ] = None,
    source: Annotated[
        list[str] | None, Query(max_length=50, description="Any of these sources (`a,b`)")
    ] = None,
    country: Annotated[Country, Query(description="ISO 3166-1 alpha-2 code")] = None,
    contact_id: Annotated[uuid.UUID | None, Query(description="Leads of this contact")] = None,
    score_gte: Annotated[int | None, Query(alias="score.gte", description="Score at least")] = None,
    score_lte: Annotated[int | None, Query(alias="score.lte", description="Score at most")] = None,
    q: Annotated[
        SearchQuery | None, Query(description="Words found in names, email or company")
    ] = None,
    sort: Annotated[LeadSort, Query(description="`-score` puts the best leads first")] = (
        LeadSort.CREATED_AT
    ),
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[LeadData]:
    """Leads matching every filter given, in `sort` order (oldest first by default),
    in cursor pages (a cursor is only valid with the sort it came from)."""
    owner, unassigned = _owner(owner_id)
    query = LeadQuery(
        statuses=_statuses(status),
        owner_id=owner,
        unassigned=unassigned,
        sources=tuple(normalize_source(value) for value in _split(source)),
        country=country,
        contact_id=contact_id,
        score_gte=score_gte,
        score_lte=score_lte,
        q=q,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    found, next_cursor = await list_leads(session, query)
    return Page(items=[LeadData.of(lead) for lead in found], next_cursor=next_cursor)
