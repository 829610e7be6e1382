"""Listing and searching contacts: filters on any field, sorts, cursor pages.

The query string is read whole (custom field filters have names no signature can list)
by domain.list_query; the parameters are described in OpenAPI from the same field table.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from crm_contacts.adapters.contact_queries import list_contacts
from crm_contacts.adapters.custom_field_store import load_schema
from crm_contacts.api.deps import API_PREFIX, Reader, ReadSession
from crm_contacts.domain.custom_fields import ObjectType
from crm_contacts.domain.list_fields import FIELDS
from crm_contacts.domain.list_query import MAX_LIMIT, ListQueryError, parse_list_query
from crm_contacts.events.schemas import ContactData
from crm_shared.pagination import Page
from crm_shared.problems import PROBLEM_RESPONSES, ProblemError

router = APIRouter(prefix=f"{API_PREFIX}/contacts", tags=["contacts"], responses=PROBLEM_RESPONSES)


def _param(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _filter_docs() -> list[dict[str, Any]]:
    docs = []
    for name, spec in FIELDS.items():
        if "eq" in spec.ops:
            many = " all of" if name == "tag" else " any of" if spec.many else ""
            hint = " (several: `a,b` or repeat it)" if spec.many else ""
            docs.append(_param(name, f"Filter: {name} equals{many}{hint}"))
        docs += [_param(f"{name}.{op}", f"Filter: {name} {op}") for op in sorted(spec.ops - {"eq"})]
    return docs


_PARAMETERS = [
    _param("q", "Search names, email, email domain, company name: prefix first, then typos"),
    _param(
        "sort",
        "`created_at` (default), `updated_at`, `first_name`, `last_name`, `email` or"
        " `custom.<key>`; a leading `-` sorts descending. Not with `q`",
    ),
    _param("limit", f"Page size (max {MAX_LIMIT})", {"type": "integer", "default": 50}),
    _param("cursor", "`next_cursor` of the previous page (same sort and query)"),
    *_filter_docs(),
    _param("custom.<key>", "Filter: a custom field equals (`.gte`, `.lte`: numbers, dates)"),
]


@router.get("", operation_id="list_contacts", openapi_extra={"parameters": _PARAMETERS})
async def list_contacts_route(
    request: Request, _: Reader, session: ReadSession
) -> Page[ContactData]:
    """Live contacts: filtered, sorted (oldest first by default), in cursor pages; with
    `q`, best match first."""
    schema = await load_schema(session, ObjectType.CONTACT)
    try:
        wanted = parse_list_query(request.query_params.multi_items(), schema.definitions)
    except ListQueryError as exc:
        raise ProblemError(422, detail=str(exc), errors=exc.errors) from exc
    found, next_cursor = await list_contacts(session, wanted)
    return Page(items=[ContactData.of(c) for c in found], next_cursor=next_cursor)
