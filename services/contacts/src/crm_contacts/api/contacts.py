"""Contacts: create, list and search, read, merge-patch, delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from crm_contacts.adapters.contact_create import insert_new_contact
from crm_contacts.adapters.contact_store import ContactStore
from crm_contacts.adapters.custom_field_store import load_schema
from crm_contacts.api.deps import API_PREFIX, ContactId, Reader, ReadSession, Writer, utc_now
from crm_contacts.api.errors import contact_write_problem
from crm_contacts.api.fast_create import FastCreateRoute
from crm_contacts.api.loading import created_headers, etag, lock_contact
from crm_contacts.api.redirects import (
    GONE_RESPONSES,
    MOVED_RESPONSES,
    redirect_or_not_found,
)
from crm_contacts.api.schemas import ContactIn, ContactPatch
from crm_contacts.domain.contact import Contact
from crm_contacts.domain.custom_fields import ObjectType
from crm_contacts.events.schemas import ContactData
from crm_contacts.events.topics import ContactAction
from crm_shared.db import DatabaseDep, SessionDep
from crm_shared.patching import merged
from crm_shared.problems import PROBLEM_RESPONSES
from crm_shared.versioning import IfMatch

router = APIRouter(prefix=f"{API_PREFIX}/contacts", tags=["contacts"], responses=PROBLEM_RESPONSES)


async def create_contact(
    body: ContactIn, db: DatabaseDep, principal: Writer, response: Response
) -> ContactData:
    """Create a contact. 409 (with `existing_id`) if a live contact has the email or the
    value of a unique custom field; 422 naming each custom field that breaks its definition."""
    edits = body.edits()
    schema = await load_schema(db, ObjectType.CONTACT)
    edits["custom_fields"] = schema.validate(edits["custom_fields"])
    contact, created = Contact.register(edits, now=utc_now())
    try:
        resource = await insert_new_contact(db.pool, contact, created, actor=principal.subject)
    except IntegrityError as exc:
        async with db.sessions() as session:
            store = ContactStore(session, actor=principal.subject)
            raise await contact_write_problem(
                store, exc, contact.email, contact.custom_fields
            ) from exc
    response.headers.update(created_headers(contact.id, contact.version))
    return resource


# FastCreateRoute runs the ordinary create without FastAPI's dependency solving, and hands
# every other request to this endpoint (api/fast_create.py).
router.add_api_route(
    "",
    create_contact,
    methods=["POST"],
    status_code=201,
    operation_id="create_contact",
    route_class_override=FastCreateRoute,
)


@router.get(
    "/{contact_id}",
    operation_id="get_contact",
    response_model=ContactData,
    responses=MOVED_RESPONSES,
)
async def get_contact(
    contact_id: ContactId, _: Reader, session: ReadSession, response: Response
) -> ContactData | JSONResponse:
    """One contact; an erased one is a tombstone with `erased: true`. A merged id answers
    301 with `Location` naming the survivor."""
    contact = await ContactStore(session, actor=None).get(contact_id)
    if contact is None:
        return await redirect_or_not_found(session, "contact", contact_id)
    response.headers["ETag"] = etag(contact.version)
    return ContactData.of(contact)


@router.patch("/{contact_id}", operation_id="update_contact", responses=GONE_RESPONSES)
async def update_contact(
    contact_id: ContactId,
    body: ContactPatch,
    session: SessionDep,
    principal: Writer,
    if_match: IfMatch,
    response: Response,
) -> ContactData:
    """Apply a JSON merge patch. Moving the stage backwards is for admins only (409)."""
    store = ContactStore(session, actor=principal.subject)
    custom_fields: dict[str, Any] = {}
    try:
        async with session.begin():
            contact = await lock_contact(store, contact_id, if_match)
            edits = merged(ContactIn, contact.editable(), body).edits()
            if not contact.erased:  # a tombstone answers 409 (revise), not about its fields
                schema = await load_schema(session, ObjectType.CONTACT)
                edits["custom_fields"] = custom_fields = schema.validate(edits["custom_fields"])
            revision = contact.revise(edits, is_admin=principal.is_admin, now=utc_now())
            resource = ContactData.of(contact)
            if revision.changed:
                resource = await store.save(
                    contact, revision.entries, ContactAction.UPDATED, changed=revision.changed
                )
    except IntegrityError as exc:
        raise await contact_write_problem(store, exc, body.email, custom_fields) from exc
    response.headers["ETag"] = etag(contact.version)
    return resource


@router.delete(
    "/{contact_id}", status_code=204, operation_id="delete_contact", responses=GONE_RESPONSES
)
async def delete_contact(
    contact_id: ContactId, session: SessionDep, principal: Writer, if_match: IfMatch
) -> None:
    """Delete a contact with its notes and timeline (to forget a person, use erase)."""
    store = ContactStore(session, actor=principal.subject)
    async with session.begin():
        contact = await lock_contact(store, contact_id, if_match)
        await store.delete(contact)
