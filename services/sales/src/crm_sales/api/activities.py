"""Activities: log, read, merge-patch (complete with `{"completed": true}`), delete."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.activity_queries import missing_target
from crm_sales.adapters.activity_store import ActivityStore
from crm_sales.api.activity_schemas import ActivityIn, ActivityPatch, editable
from crm_sales.api.deal_loading import created_headers, etag, user_id
from crm_sales.api.deps import API_PREFIX, DealWriter, Reader, ReadSession, utc_now
from crm_sales.domain.activity import Activity
from crm_sales.domain.deal_errors import InvalidDealError
from crm_sales.events.activity_schemas import ActivityData
from crm_shared.db import SessionDep
from crm_shared.patching import merged
from crm_shared.problems import PROBLEM_RESPONSES, not_found
from crm_shared.versioning import IfMatch, check_version

router = APIRouter(
    prefix=f"{API_PREFIX}/activities", tags=["activities"], responses=PROBLEM_RESPONSES
)
ActivityId = Annotated[uuid.UUID, Path(description="The activity's id (a UUID)")]


async def _check_target(session: AsyncSession, activity: Activity) -> None:
    field = await missing_target(session, activity)
    if field is not None:
        raise InvalidDealError(f"no {field.removesuffix('_id')} has this id", field=field)


async def _lock(store: ActivityStore, activity_id: uuid.UUID, if_match: int | None) -> Activity:
    activity = await store.get(activity_id, lock=True)
    if activity is None:
        raise not_found("Activity")
    check_version(if_match, activity.version)
    return activity


@router.post("", status_code=201, operation_id="create_activity")
async def create_activity(
    body: ActivityIn, session: SessionDep, principal: DealWriter, response: Response
) -> ActivityData:
    """Log an activity against one lead, deal or contact (owned by the caller unless
    `owner_id` says otherwise). 422 naming the field for no or several targets, or a
    lead or deal that does not exist."""
    edits = body.edits()
    if "owner_id" not in body.model_fields_set:
        edits["owner_id"] = user_id(principal)
    activity = Activity.log(edits, completed=body.completed, now=utc_now())
    async with session.begin():
        await _check_target(session, activity)
        resource = await ActivityStore(session, actor=principal.subject).add(activity)
    response.headers.update(created_headers("activities", activity.id, activity.version))
    return resource


@router.get("/{activity_id}", operation_id="get_activity")
async def get_activity(
    activity_id: ActivityId, _: Reader, session: ReadSession, response: Response
) -> ActivityData:
    """One activity."""
    activity = await ActivityStore(session, actor=None).get(activity_id)
    if activity is None:
        raise not_found("Activity")
    response.headers["ETag"] = etag(activity.version)
    return ActivityData.of(activity)


@router.patch("/{activity_id}", operation_id="update_activity")
async def update_activity(
    activity_id: ActivityId,
    body: ActivityPatch,
    session: SessionDep,
    principal: DealWriter,
    if_match: IfMatch,
    response: Response,
) -> ActivityData:
    """Apply a JSON merge patch. `{"completed": true}` completes the activity (event
    `completed`), `false` reopens it; a new `due_at` may make it overdue again."""
    store = ActivityStore(session, actor=principal.subject)
    async with session.begin():
        activity = await _lock(store, activity_id, if_match)
        document = merged(ActivityIn, editable(activity), body)
        changed = activity.revise(document.edits(), completed=document.completed, now=utc_now())
        if set(changed) & {"lead_id", "deal_id"}:
            await _check_target(session, activity)
        resource = await store.save(activity, changed) if changed else ActivityData.of(activity)
    response.headers["ETag"] = etag(activity.version)
    return resource


@router.delete("/{activity_id}", status_code=204, operation_id="delete_activity")
async def delete_activity(
    activity_id: ActivityId, session: SessionDep, principal: DealWriter, if_match: IfMatch
) -> None:
    """Delete an activity."""
    store = ActivityStore(session, actor=principal.subject)
    async with session.begin():
        activity = await _lock(store, activity_id, if_match)
        await store.delete(activity, now=utc_now())
