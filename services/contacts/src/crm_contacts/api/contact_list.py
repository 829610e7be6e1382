"""Listing and searching contacts: filters, sorts, cursor pages."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from crm_contacts.adapters.contact_queries import ContactFilter, list_contacts
from crm_contacts.api.deps import API_PREFIX, Reader, ReadSession
from crm_contacts.api.fields import SearchQuery, Tag
from crm_contacts.domain.lifecycle import LifecycleStage
from crm_contacts.events.schemas import ContactData
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix=f"{API_PREFIX}/contacts", tags=["contacts"], responses=PROBLEM_RESPONSES)


@router.get("", operation_id="list_contacts")
async def list_contacts_route(
    _: Reader,
    session: ReadSession,
    q: Annotated[SearchQuery | None, Query(description="Search names, email, company")] = None,
    lifecycle_stage: LifecycleStage | None = None,
    owner_id: uuid.UUID | None = None,
    company_id: uuid.UUID | None = None,
    tag: Annotated[Tag | None, Query()] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[ContactData]:
    """Live contacts, oldest first; with `q`, best match first."""
    wanted = ContactFilter(q, lifecycle_stage, owner_id, company_id, tag)
    found, next_cursor = await list_contacts(session, wanted, limit=limit, cursor=cursor)
    return Page(items=[ContactData.of(c) for c in found], next_cursor=next_cursor)
