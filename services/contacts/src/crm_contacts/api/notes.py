"""Notes on a contact: anyone who may write adds them; the author is the caller."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from crm_contacts.adapters.contact_store import ContactStore
from crm_contacts.adapters.notes import add_note, list_notes
from crm_contacts.api.deps import API_PREFIX, ContactId, Reader, ReadSession, Writer, utc_now
from crm_contacts.api.loading import lock_contact
from crm_contacts.api.redirects import (
    GONE_RESPONSES,
    MOVED_RESPONSES,
    redirect_or_not_found,
)
from crm_contacts.api.schemas import NoteIn
from crm_contacts.events.schemas import NoteData
from crm_contacts.events.topics import ContactAction
from crm_shared.db import SessionDep
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix=f"{API_PREFIX}/contacts", tags=["notes"], responses=PROBLEM_RESPONSES)


@router.post(
    "/{contact_id}/notes",
    status_code=201,
    operation_id="add_contact_note",
    responses=GONE_RESPONSES,
)
async def add_contact_note(
    contact_id: ContactId, body: NoteIn, session: SessionDep, principal: Writer
) -> NoteData:
    """Write a note about the contact; it shows on the timeline."""
    now = utc_now()
    store = ContactStore(session, actor=principal.subject)
    async with session.begin():
        contact = await lock_contact(store, contact_id, None)
        note = NoteData(
            id=uuid.uuid4(),
            contact_id=contact_id,
            body=body.body,
            author_id=principal.subject,
            created_at=now,
        )
        entry = contact.note_added(note.id, now=now)
        await add_note(session, note)
        extra = {"note": note.model_dump(mode="json")}
        await store.save(contact, [entry], ContactAction.NOTE_ADDED, extra=extra)
    return note


@router.get(
    "/{contact_id}/notes",
    operation_id="list_contact_notes",
    response_model=Page[NoteData],
    responses=MOVED_RESPONSES,
)
async def list_contact_notes(
    contact_id: ContactId,
    _: Reader,
    session: ReadSession,
    request: Request,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[NoteData] | JSONResponse:
    """The contact's notes, newest first (a merged id answers 301 to the survivor's)."""
    if await ContactStore(session, actor=None).get(contact_id) is None:
        query = request.url.query
        return await redirect_or_not_found(
            session, "contact", contact_id, suffix="/notes", query=query
        )
    notes, next_cursor = await list_notes(session, contact_id, limit=limit, cursor=cursor)
    return Page(items=notes, next_cursor=next_cursor)
