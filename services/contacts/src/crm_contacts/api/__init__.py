"""HTTP API under /api/v1: routers and request/response schemas."""

from fastapi import APIRouter

from crm_contacts.api import companies, contacts, duplicates, erase, notes, tags, timeline

ROUTERS: tuple[APIRouter, ...] = (
    # Before contacts: `/contacts/duplicates` must not be read as a `/{contact_id}`.
    duplicates.router,
    contacts.router,
    tags.router,
    notes.router,
    timeline.router,
    erase.router,
    companies.router,
)
