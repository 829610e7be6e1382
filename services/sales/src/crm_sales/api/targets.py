"""Sales targets: what an owner should win per month or quarter, and how far they got."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.exc import IntegrityError

from crm_sales.adapters.target_store import TargetStore, closed_won, list_targets
from crm_sales.api.deal_loading import created_headers, etag
from crm_sales.api.deps import API_PREFIX, Reader, ReadSession, SalesAdmin, TargetId, utc_now
from crm_sales.api.target_schemas import PeriodText, TargetIn, TargetOut, TargetPatch
from crm_sales.domain.target import Target
from crm_shared.db import SessionDep
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.patching import merged
from crm_shared.problems import PROBLEM_RESPONSES, ProblemError, not_found
from crm_shared.versioning import IfMatch, check_version

router = APIRouter(prefix=f"{API_PREFIX}/targets", tags=["targets"], responses=PROBLEM_RESPONSES)


async def _taken(store: TargetStore, target: Target) -> ProblemError:
    existing = await store.id_of(target)
    return ProblemError(
        409,
        "Target exists",
        f"the owner already has a {target.currency} target for {target.period}",
        type_="urn:crm:problem:duplicate-target",
        extra={"existing_id": str(existing) if existing else None},
    )


async def _lock(store: TargetStore, target_id: uuid.UUID, if_match: int | None) -> Target:
    target = await store.get(target_id, lock=True)
    if target is None:
        raise not_found("Target")
    check_version(if_match, target.version)
    return target


async def _served(store: TargetStore, target: Target) -> TargetOut:
    won = await closed_won(store.session, [target])
    return TargetOut.with_progress(target, won[target.id])


@router.post("", status_code=201, operation_id="create_target")
async def create_target(
    body: TargetIn, session: SessionDep, principal: SalesAdmin, response: Response
) -> TargetOut:
    """Set an owner's target for a period (admins and managers); 409 with `existing_id`
    if the owner has one for that period and currency."""
    target = Target.register(body.edits(), now=utc_now())
    store = TargetStore(session, actor=principal.subject)
    try:
        async with session.begin():
            await store.add(target)
            served = await _served(store, target)
    except IntegrityError as exc:
        raise await _taken(store, target) from exc
    response.headers.update(created_headers("targets", target.id, target.version))
    return served


@router.get("", operation_id="list_targets")
async def list_targets_route(
    _: Reader,
    session: ReadSession,
    owner_id: Annotated[uuid.UUID | None, Query(description="One owner's targets")] = None,
    period: Annotated[PeriodText | None, Query(description="2026-11 or 2026-Q4")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[TargetOut]:
    """Targets, oldest first, each with its attainment so far."""
    found, next_cursor = await list_targets(
        session, owner_id=owner_id, period=period, limit=limit, cursor=cursor
    )
    won = await closed_won(session, found)
    items = [TargetOut.with_progress(target, won[target.id]) for target in found]
    return Page(items=items, next_cursor=next_cursor)


@router.get("/{target_id}", operation_id="get_target")
async def get_target(
    target_id: TargetId, _: Reader, session: ReadSession, response: Response
) -> TargetOut:
    """One target with its attainment so far."""
    store = TargetStore(session, actor=None)
    target = await store.get(target_id)
    if target is None:
        raise not_found("Target")
    response.headers["ETag"] = etag(target.version)
    return await _served(store, target)


@router.patch("/{target_id}", operation_id="update_target")
async def update_target(
    target_id: TargetId,
    body: TargetPatch,
    session: SessionDep,
    principal: SalesAdmin,
    if_match: IfMatch,
    response: Response,
) -> TargetOut:
    """Apply a JSON merge patch (admins and managers)."""
    store = TargetStore(session, actor=principal.subject)
    try:
        async with session.begin():
            target = await _lock(store, target_id, if_match)
            edits = merged(TargetIn, target.editable(), body).edits()
            changed = target.revise(edits, now=utc_now())
            if changed:
                await store.save(target, changed)
            served = await _served(store, target)
    except IntegrityError as exc:
        raise await _taken(store, target) from exc
    response.headers["ETag"] = etag(target.version)
    return served


@router.delete("/{target_id}", status_code=204, operation_id="delete_target")
async def delete_target(
    target_id: TargetId, session: SessionDep, principal: SalesAdmin, if_match: IfMatch
) -> None:
    """Delete a target (admins and managers)."""
    store = TargetStore(session, actor=principal.subject)
    async with session.begin():
        await store.delete(await _lock(store, target_id, if_match), now=utc_now())
