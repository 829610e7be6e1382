"""A contact's timeline: one entry per change, newest first."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from crm_contacts.adapters.contact_store import ContactStore
from crm_contacts.adapters.timeline import list_timeline
from crm_contacts.api.deps import API_PREFIX, ContactId, Reader, ReadSession
from crm_contacts.api.redirects import MOVED_RESPONSES, redirect_or_not_found
from crm_contacts.api.schemas import TimelineEntryOut
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix=f"{API_PREFIX}/contacts", tags=["timeline"], responses=PROBLEM_RESPONSES)


@router.get(
    "/{contact_id}/timeline",
    operation_id="get_contact_timeline",
    response_model=Page[TimelineEntryOut],
    responses=MOVED_RESPONSES,
)
async def get_contact_timeline(
    contact_id: ContactId,
    _: Reader,
    session: ReadSession,
    request: Request,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[TimelineEntryOut] | JSONResponse:
    """Created, updated (which fields), stage changes, notes, tags, erasure, merges:
    newest first (a merged id answers 301 to the survivor's timeline)."""
    if await ContactStore(session, actor=None).get(contact_id) is None:
        query = request.url.query
        return await redirect_or_not_found(
            session, "contact", contact_id, suffix="/timeline", query=query
        )
    rows, next_cursor = await list_timeline(session, contact_id, limit=limit, cursor=cursor)
    return Page(
        items=[TimelineEntryOut.model_validate(row) for row in rows], next_cursor=next_cursor
    )
