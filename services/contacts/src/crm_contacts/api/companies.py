"""Companies: create, list and search, read, merge-patch, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from crm_contacts.adapters.company_queries import list_companies
from crm_contacts.adapters.company_store import CompanyStore
from crm_contacts.adapters.custom_field_store import load_schema
from crm_contacts.api.deps import API_PREFIX, CompanyId, Reader, ReadSession, Writer, utc_now
from crm_contacts.api.errors import company_write_problem
from crm_contacts.api.fields import Domain, SearchQuery
from crm_contacts.api.loading import etag, lock_company
from crm_contacts.api.redirects import GONE_RESPONSES, MOVED_RESPONSES, redirect_or_not_found
from crm_contacts.api.schemas import CompanyIn, CompanyPatch
from crm_contacts.domain.company import Company
from crm_contacts.domain.custom_fields import ObjectType
from crm_contacts.events.schemas import CompanyData
from crm_shared.db import SessionDep
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.patching import merged
from crm_shared.problems import PROBLEM_RESPONSES, ProblemError
from crm_shared.versioning import IfMatch

router = APIRouter(
    prefix=f"{API_PREFIX}/companies", tags=["companies"], responses=PROBLEM_RESPONSES
)


def _has_contacts() -> ProblemError:
    return ProblemError(
        409,
        "Company has contacts",
        "Move or delete the company's contacts before deleting it",
        type_="urn:crm:problem:company-has-contacts",
    )


@router.post("", status_code=201, operation_id="create_company")
async def create_company(
    body: CompanyIn, session: SessionDep, principal: Writer, response: Response
) -> CompanyData:
    """Create a company. 422 naming each custom field that breaks its definition; 409 if
    another company has the value of a unique custom field."""
    edits = body.model_dump()
    try:
        async with session.begin():
            schema = await load_schema(session, ObjectType.COMPANY)
            edits["custom_fields"] = schema.validate(edits["custom_fields"])
            company = Company.register(edits, now=utc_now())
            resource = await CompanyStore(session, actor=principal.subject).add(company)
    except IntegrityError as exc:
        raise await company_write_problem(session, exc, edits["custom_fields"]) from exc
    response.headers["Location"] = f"{API_PREFIX}/companies/{company.id}"
    response.headers["ETag"] = etag(company.version)
    return resource


@router.get("", operation_id="list_companies")
async def list_companies_route(
    _: Reader,
    session: ReadSession,
    q: Annotated[SearchQuery | None, Query(description="Search name and domain")] = None,
    domain: Annotated[Domain, Query(description="Exact web domain")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[CompanyData]:
    """Companies, oldest first; with `q`, best match first."""
    found, next_cursor = await list_companies(
        session, q=q, domain=domain, limit=limit, cursor=cursor
    )
    return Page(items=[CompanyData.of(c) for c in found], next_cursor=next_cursor)


@router.get(
    "/{company_id}",
    operation_id="get_company",
    response_model=CompanyData,
    responses=MOVED_RESPONSES,
)
async def get_company(
    company_id: CompanyId, _: Reader, session: ReadSession, response: Response
) -> CompanyData | JSONResponse:
    """One company; a merged id answers 301 with `Location` naming the survivor."""
    company = await CompanyStore(session, actor=None).get(company_id)
    if company is None:
        return await redirect_or_not_found(session, "company", company_id)
    response.headers["ETag"] = etag(company.version)
    return CompanyData.of(company)


@router.patch("/{company_id}", operation_id="update_company", responses=GONE_RESPONSES)
async def update_company(
    company_id: CompanyId,
    body: CompanyPatch,
    session: SessionDep,
    principal: Writer,
    if_match: IfMatch,
    response: Response,
) -> CompanyData:
    """Apply a JSON merge patch (custom fields are checked as on create)."""
    store = CompanyStore(session, actor=principal.subject)
    custom_fields: dict[str, Any] = {}
    try:
        async with session.begin():
            company = await lock_company(store, company_id, if_match)
            edits = merged(CompanyIn, company.editable(), body).model_dump()
            schema = await load_schema(session, ObjectType.COMPANY)
            edits["custom_fields"] = custom_fields = schema.validate(edits["custom_fields"])
            changed = company.revise(edits, now=utc_now())
            resource = await store.save(company, changed) if changed else CompanyData.of(company)
    except IntegrityError as exc:
        raise await company_write_problem(session, exc, custom_fields) from exc
    response.headers["ETag"] = etag(company.version)
    return resource


@router.delete(
    "/{company_id}", status_code=204, operation_id="delete_company", responses=GONE_RESPONSES
)
async def delete_company(
    company_id: CompanyId, session: SessionDep, principal: Writer, if_match: IfMatch
) -> None:
    """Delete a company that no contact works at (409 otherwise)."""
    store = CompanyStore(session, actor=principal.subject)
    try:
        async with session.begin():
            company = await lock_company(store, company_id, if_match)
            if await store.has_live_contacts(company_id):
                raise _has_contacts()
            await store.delete(company)
    except IntegrityError as exc:  # a contact joined the company meanwhile
        raise _has_contacts() from exc
