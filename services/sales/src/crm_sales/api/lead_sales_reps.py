"""Sales reps (`/leads/sales-reps`): the users assignment rules may give leads to, each
with an active flag and a territory. The gateway owns users; sales keeps this list."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import RowMapping
from sqlalchemy.exc import IntegrityError

from crm_sales.adapters import sales_rep_store as store
from crm_sales.api.deps import API_PREFIX, ReadSession, utc_now
from crm_sales.api.lead_assignment_schemas import (
    SalesRepEdit,
    SalesRepIn,
    SalesRepOut,
    SalesRepPatch,
)
from crm_sales.api.lead_deps import LeadConfigurer, LeadReader, UserId
from crm_sales.api.lead_loading import etag
from crm_shared.db import SessionDep
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.patching import merged
from crm_shared.problems import PROBLEM_RESPONSES, ProblemError, not_found
from crm_shared.versioning import IfMatch, check_version

PATH = f"{API_PREFIX}/leads/sales-reps"
router = APIRouter(prefix=PATH, tags=["lead assignment"], responses=PROBLEM_RESPONSES)


def _out(row: RowMapping, response: Response) -> SalesRepOut:
    response.headers["ETag"] = etag(row["version"])
    return SalesRepOut.model_validate(dict(row))


@router.get("", operation_id="list_sales_reps")
async def list_sales_reps(
    _: LeadReader,
    session: ReadSession,
    active: Annotated[bool | None, Query(description="Only active (or inactive) reps")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[SalesRepOut]:
    """Sales reps, oldest first."""
    rows, next_cursor = await store.list_reps(session, active=active, limit=limit, cursor=cursor)
    return Page(items=[SalesRepOut.model_validate(dict(r)) for r in rows], next_cursor=next_cursor)


@router.post("", status_code=201, operation_id="create_sales_rep")
async def create_sales_rep(
    body: SalesRepIn, session: SessionDep, _: LeadConfigurer, response: Response
) -> SalesRepOut:
    """Make a user a sales rep (409 if they are one already)."""
    try:
        async with session.begin():
            row = await store.add_rep(session, body.model_dump(), utc_now())
    except IntegrityError as exc:
        raise ProblemError(
            409,
            "Already a sales rep",
            f"user {body.user_id} is a sales rep already: change them with PATCH",
            type_="urn:crm:problem:duplicate-sales-rep",
        ) from exc
    response.headers["Location"] = f"{PATH}/{row['user_id']}"
    return _out(row, response)


@router.get("/{user_id}", operation_id="get_sales_rep")
async def get_sales_rep(
    user_id: UserId, _: LeadReader, session: ReadSession, response: Response
) -> SalesRepOut:
    """One sales rep."""
    row = await store.get_rep(session, user_id)
    if row is None:
        raise not_found("Sales rep")
    return _out(row, response)


@router.patch("/{user_id}", operation_id="update_sales_rep")
async def update_sales_rep(
    user_id: UserId,
    body: SalesRepPatch,
    session: SessionDep,
    _: LeadConfigurer,
    if_match: IfMatch,
    response: Response,
) -> SalesRepOut:
    """Apply a JSON merge patch (deactivate a rep on leave: `{"active": false}`)."""
    async with session.begin():
        row = await store.get_rep(session, user_id, lock=True)
        if row is None:
            raise not_found("Sales rep")
        check_version(if_match, row["version"])
        current = {name: row[name] for name in SalesRepEdit.model_fields}
        values = merged(SalesRepEdit, current, body).model_dump()
        if any(values[name] != row[name] for name in values):
            row = await store.save_rep(session, user_id, values, utc_now())
    return _out(row, response)


@router.delete("/{user_id}", status_code=204, operation_id="delete_sales_rep")
async def delete_sales_rep(
    user_id: UserId, session: SessionDep, _: LeadConfigurer, if_match: IfMatch
) -> None:
    """Stop giving this user leads (their leads keep their owner)."""
    async with session.begin():
        row = await store.get_rep(session, user_id, lock=True)
        if row is None:
            raise not_found("Sales rep")
        check_version(if_match, row["version"])
        await store.delete_rep(session, user_id)
