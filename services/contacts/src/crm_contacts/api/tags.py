"""Tagging a contact: PUT adds a tag, DELETE removes it; both are idempotent."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Response
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.contact_store import ContactStore
from crm_contacts.api.deps import API_PREFIX, ContactId, Writer, utc_now
from crm_contacts.api.fields import Tag
from crm_contacts.api.loading import etag, lock_contact
from crm_contacts.api.redirects import GONE_RESPONSES
from crm_contacts.events.schemas import ContactData
from crm_contacts.events.topics import ContactAction
from crm_shared.auth import Principal
from crm_shared.db import SessionDep
from crm_shared.problems import PROBLEM_RESPONSES
from crm_shared.versioning import IfMatch

router = APIRouter(prefix=f"{API_PREFIX}/contacts", tags=["contacts"], responses=PROBLEM_RESPONSES)
TagPath = Annotated[Tag, Path(description="The tag (compared case-insensitively)")]


async def _retag(
    contact_id: uuid.UUID,
    tag: str,
    session: AsyncSession,
    principal: Principal,
    if_match: int | None,
    response: Response,
    action: ContactAction,
) -> ContactData:
    store = ContactStore(session, actor=principal.subject)
    async with session.begin():
        contact = await lock_contact(store, contact_id, if_match)
        change = contact.tag if action is ContactAction.TAGGED else contact.untag
        entry = change(tag, now=utc_now())
        resource = ContactData.of(contact)
        if entry:
            resource = await store.save(contact, [entry], action, extra={"tag": tag})
    response.headers["ETag"] = etag(contact.version)
    return resource


@router.put("/{contact_id}/tags/{tag}", operation_id="tag_contact", responses=GONE_RESPONSES)
async def tag_contact(
    contact_id: ContactId,
    tag: TagPath,
    session: SessionDep,
    principal: Writer,
    if_match: IfMatch,
    response: Response,
) -> ContactData:
    """Add a tag to the contact (nothing changes if it already has it)."""
    return await _retag(
        contact_id, tag, session, principal, if_match, response, ContactAction.TAGGED
    )


@router.delete("/{contact_id}/tags/{tag}", operation_id="untag_contact", responses=GONE_RESPONSES)
async def untag_contact(
    contact_id: ContactId,
    tag: TagPath,
    session: SessionDep,
    principal: Writer,
    if_match: IfMatch,
    response: Response,
) -> ContactData:
    """Remove a tag from the contact (nothing changes if it does not have it)."""
    return await _retag(
        contact_id, tag, session, principal, if_match, response, ContactAction.UNTAGGED
    )
