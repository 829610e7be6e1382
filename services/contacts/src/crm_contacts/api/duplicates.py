"""Duplicate scan: likely duplicate contacts across the existing data."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import BaseModel, Field

from crm_contacts.adapters.duplicates import Reason, find_duplicates
from crm_contacts.api.deps import API_PREFIX, Reader
from crm_shared.db import SessionDep
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.problems import PROBLEM_RESPONSES

router = APIRouter(prefix=f"{API_PREFIX}/contacts", tags=["contacts"], responses=PROBLEM_RESPONSES)


class DuplicateGroup(BaseModel):
    """Contacts that are likely one person (for now always a pair), and why."""

    contact_ids: list[uuid.UUID] = Field(description="Sorted ids of the group's contacts")
    score: float = Field(ge=0, le=1, description="1.0 for the same email, else name similarity")
    reason: Reason


@router.get("/duplicates", operation_id="list_contact_duplicates")
async def list_duplicates(
    _: Reader, session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[DuplicateGroup]:
    """Likely duplicate pairs among live contacts, best score first, then smallest id.

    Rules: the same normalized email (case, spaces, `+tags`, gmail dots) scores 1.0;
    full names with trigram similarity >= 0.6 plus the same company, phone digits or
    email domain score the similarity. Groups are pairs in this first cut, each listed
    once under its best rule.
    """
    pairs, next_cursor = await find_duplicates(session, limit=limit, cursor=cursor)
    items = [
        DuplicateGroup(contact_ids=list(p.contact_ids), score=p.score, reason=p.reason)
        for p in pairs
    ]
    return Page(items=items, next_cursor=next_cursor)
