"""HTTP API under /api/v1: routers and request/response schemas."""

from fastapi import APIRouter

from crm_contacts.api import (
    companies,
    contact_list,
    contacts,
    custom_fields,
    duplicates,
    erase,
    imports,
    merge,
    notes,
    tags,
    timeline,
)

ROUTERS: tuple[APIRouter, ...] = (
    # Fixed paths first: `/contacts/duplicates`, `/contacts/merge`, `/contacts/imports`,
    # `/contacts/custom-fields` (and the company ones) must not be read as an `{id}`.
    custom_fields.router,
    duplicates.router,
    merge.router,
    imports.router,
    contact_list.router,
    contacts.router,
    tags.router,
    notes.router,
    timeline.router,
    erase.router,
    companies.router,
)
