"""HTTP API under /api/v1: routers and request/response schemas."""

from fastapi import APIRouter

from crm_contacts.api import companies, contacts, erase, notes, tags, timeline

ROUTERS: tuple[APIRouter, ...] = (
    contacts.router,
    tags.router,
    notes.router,
    timeline.router,
    erase.router,
    companies.router,
)
