"""A contact's timeline: one entry per change, newest first."""

from __future__ import annotations

from fastapi import APIRouter

from crm_contacts.adapters.contact_store import ContactStore
from crm_contacts.adapters.timeline import list_timeline
from crm_contacts.api.deps import API_PREFIX, ContactId, Reader, ReadSession
from crm_contacts.api.schemas import TimelineEntryOut
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.problems import PROBLEM_RESPONSES, not_found

router = APIRouter(prefix=f"{API_PREFIX}/contacts", tags=["timeline"], responses=PROBLEM_RESPONSES)


@router.get("/{contact_id}/timeline", operation_id="get_contact_timeline")
async def get_contact_timeline(
    contact_id: ContactId,
    _: Reader,
    session: ReadSession,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[TimelineEntryOut]:
    """Created, updated (which fields), stage changes, notes, tags, erasure: newest first."""
    if await ContactStore(session, actor=None).get(contact_id) is None:
        raise not_found("contact")
    rows, next_cursor = await list_timeline(session, contact_id, limit=limit, cursor=cursor)
    return Page(
        items=[TimelineEntryOut.model_validate(row) for row in rows], next_cursor=next_cursor
    )
