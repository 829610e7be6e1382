"""What a request naming a merged id gets: reads are redirected, writes are refused.

A read (GET) of a merged contact or company answers 301 with `Location` naming the
survivor's same resource: the data now lives there, and every HTTP client follows it.

A write (PATCH, DELETE, a note, a tag, an erase) answers 410 Gone with the survivor's id
instead. Following a redirect with a write would let a change meant for one record land
on another that the client has not seen (different fields, a different version), and
RFC 9110 lets clients turn a redirected POST into a GET, silently dropping the write. The
client reads the survivor and decides.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.redirects import COMPANY_REDIRECTS, CONTACT_REDIRECTS, Redirects
from crm_contacts.api.deps import API_PREFIX
from crm_shared.problems import ProblemError, not_found

MERGED_PROBLEM = "urn:crm:problem:merged"
_KINDS: dict[str, tuple[str, Redirects]] = {
    "contact": ("contacts", CONTACT_REDIRECTS),
    "company": ("companies", COMPANY_REDIRECTS),
}
MOVED_RESPONSES: dict[int | str, dict[str, Any]] = {
    301: {"description": "The id was merged; `Location` names the survivor's resource"},
}
GONE_RESPONSES: dict[int | str, dict[str, Any]] = {
    410: {
        "description": "The id was merged into `survivor_id`; read the survivor and retry there",
        "content": {"application/problem+json": {}},
    },
}


def merged_problem(kind: str, merged_id: uuid.UUID, survivor_id: uuid.UUID) -> ProblemError:
    """410 naming the survivor of `merged_id` (a contact or a company)."""
    collection, _ = _KINDS[kind]
    return ProblemError(
        410,
        f"The {kind} was merged",
        f"{kind} {merged_id} was merged into {survivor_id}",
        type_=MERGED_PROBLEM,
        extra={
            "merged_id": str(merged_id),
            "survivor_id": str(survivor_id),
            "survivor_url": f"{API_PREFIX}/{collection}/{survivor_id}",
        },
    )


async def redirect_or_not_found(
    session: AsyncSession, kind: str, record_id: uuid.UUID, *, suffix: str = "", query: str = ""
) -> JSONResponse:
    """301 to the survivor's resource (`/<kind>s/<survivor><suffix>?<query>`) when
    `record_id` was merged; a 404 problem otherwise."""
    collection, redirects = _KINDS[kind]
    survivor_id = await redirects.survivor_of(session, record_id)
    if survivor_id is None:
        raise not_found(kind)
    location = f"{API_PREFIX}/{collection}/{survivor_id}{suffix}" + (f"?{query}" if query else "")
    body = {"merged_id": str(record_id), "survivor_id": str(survivor_id), "location": location}
    return JSONResponse(body, status_code=301, headers={"Location": location})


async def gone_or_not_found(session: AsyncSession, kind: str, record_id: uuid.UUID) -> ProblemError:
    """The problem for a write naming a missing id: 410 if it was merged, else 404."""
    _, redirects = _KINDS[kind]
    survivor_id = await redirects.survivor_of(session, record_id)
    if survivor_id is None:
        return not_found(kind)
    return merged_problem(kind, record_id, survivor_id)
