"""GDPR erasure: forget a person but keep a tombstone so references stay valid."""

from __future__ import annotations

from fastapi import APIRouter, Response

from crm_contacts.adapters.contact_store import ContactStore
from crm_contacts.adapters.redirects import CONTACT_REDIRECTS
from crm_contacts.api.deps import API_PREFIX, ContactId, Eraser, utc_now
from crm_contacts.api.loading import etag, lock_contact
from crm_contacts.api.redirects import GONE_RESPONSES
from crm_contacts.events.schemas import ContactData
from crm_shared.db import SessionDep
from crm_shared.idempotency import forget_responses_mentioning
from crm_shared.problems import PROBLEM_RESPONSES
from crm_shared.versioning import IfMatch

router = APIRouter(prefix=f"{API_PREFIX}/contacts", tags=["contacts"], responses=PROBLEM_RESPONSES)


@router.post("/{contact_id}/erase", operation_id="erase_contact", responses=GONE_RESPONSES)
async def erase_contact(
    contact_id: ContactId,
    session: SessionDep,
    principal: Eraser,
    if_match: IfMatch,
    response: Response,
) -> ContactData:
    """Blank the contact's personal data, notes and timeline details (admin, manager).

    The email becomes free for a new contact and search no longer finds it. Erasing
    an erased contact changes nothing.
    """
    store = ContactStore(session, actor=principal.subject)
    async with session.begin():
        contact = await lock_contact(store, contact_id, if_match)
        entry = contact.erase(now=utc_now())
        resource = await store.erase(contact, entry) if entry else ContactData.of(contact)
        # A replayed Idempotency-Key must not bring the erased person back, nor the
        # records merged into this contact (their stored responses hold the same person).
        for mentioned in (contact_id, *await CONTACT_REDIRECTS.merged_into(session, contact_id)):
            await forget_responses_mentioning(session, str(mentioned))
    response.headers["ETag"] = etag(contact.version)
    return resource
