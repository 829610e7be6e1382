"""Merging duplicate contacts or companies into one survivor.

The rules are in crm_contacts.domain (merge, contact_merge, company_merge); saving is in
crm_contacts.adapters.merge_store; what a merged id answers afterwards is in
crm_contacts.api.redirects.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.merge_store import CompanyMergeStore, ContactMergeStore
from crm_contacts.api.deps import API_PREFIX, Writer, utc_now
from crm_contacts.api.loading import etag
from crm_contacts.api.redirects import GONE_RESPONSES, gone_or_not_found
from crm_contacts.domain import company_merge, contact_merge
from crm_contacts.domain.merge import MAX_DUPLICATES, InvalidMergeError, MergeRequest
from crm_contacts.events.schemas import CompanyMergedData, ContactMergedData
from crm_shared.db import SessionDep
from crm_shared.problems import PROBLEM_RESPONSES, ProblemError
from crm_shared.versioning import IfMatch, check_version

router = APIRouter(prefix=API_PREFIX, responses=PROBLEM_RESPONSES)
T = TypeVar("T")
# Two merges, or a merge and another multi-row write, can still deadlock in rare
# interleavings (PostgreSQL aborts one): the aborted one is run again.
DEADLOCK = "40P01"
ATTEMPTS = 3


class MergeIn(BaseModel):
    """Which record survives, which ones merge into it, and whose value wins where."""

    model_config = ConfigDict(extra="forbid")

    primary_id: uuid.UUID = Field(description="The record that survives, keeping its id")
    duplicate_ids: list[uuid.UUID] = Field(
        description=f"1 to {MAX_DUPLICATES} records merged into the primary and then removed;"
        " the primary's empty fields are filled from them in this order"
    )
    field_choices: dict[Annotated[str, StringConstraints(max_length=100)], uuid.UUID] = Field(
        default_factory=dict,
        description="Field name (or `custom_fields.<key>`) -> the id whose value wins, even"
        " an empty one",
    )

    def to_request(self) -> MergeRequest:
        """The domain's form of this request."""
        return MergeRequest(self.primary_id, tuple(self.duplicate_ids), self.field_choices)


def _invalid(exc: InvalidMergeError) -> ProblemError:
    loc = ["body", *exc.loc]
    return ProblemError(422, detail=str(exc), errors=[{"loc": loc, "msg": str(exc)}])


async def _require_all(
    session: AsyncSession, kind: str, request: MergeRequest, found: Mapping[uuid.UUID, Any]
) -> None:
    """404 naming the first unknown id, or 410 if it was merged already."""
    for record_id in request.ids:
        if record_id not in found:
            problem = await gone_or_not_found(session, kind, record_id)
            problem.detail = f"{problem.detail}: {record_id}"
            problem.errors = [{"loc": ["body", *request.loc_of(record_id)], "msg": problem.detail}]
            raise problem


async def run_in_transaction(session: AsyncSession, work: Callable[[], Awaitable[T]]) -> T:
    """`work()` in a transaction of its own, run again (up to ATTEMPTS) if it deadlocked."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with session.begin():
                return await work()
        except DBAPIError as exc:
            if attempt == ATTEMPTS or getattr(exc.orig, "sqlstate", None) != DEADLOCK:
                raise
    raise AssertionError("unreachable")


@router.post(
    "/contacts/merge",
    tags=["contacts"],
    operation_id="merge_contacts",
    responses=GONE_RESPONSES,
)
async def merge_contacts(
    body: MergeIn, session: SessionDep, principal: Writer, if_match: IfMatch, response: Response
) -> ContactMergedData:
    """Merge duplicates into the primary contact, which survives with its id.

    Empty fields are filled from the duplicates in order unless `field_choices` names the
    contact whose value wins; tags are united; the stage is the most advanced; email
    consent is the most restrictive answer. Notes and timeline move to the survivor,
    whose timeline gets a `merged` entry. The duplicates are removed: reading them answers
    301 to the survivor, changing them 410. `If-Match` applies to the primary.
    Publishes one `crm.contacts.contact.merged`, and `merged_into` on each duplicate.
    """
    request = body.to_request()
    merger = ContactMergeStore(session, actor=principal.subject)

    async def work() -> ContactMergedData:
        found = await merger.lock(request.ids)
        await _require_all(session, "contact", request, found)
        survivor = found[request.primary_id]
        check_version(if_match, survivor.version)
        duplicates = [found[duplicate_id] for duplicate_id in request.duplicate_ids]
        revision = contact_merge.merge_contacts(survivor, duplicates, request, now=utc_now())
        resource = await merger.absorb(survivor, duplicates, revision)
        merged = list(request.duplicate_ids)
        return ContactMergedData(**dict(resource), merged_ids=merged, changed=revision.changed)

    try:
        request.check(contact_merge.CHOOSABLE, custom_fields=True)
        merged = await run_in_transaction(session, work)
    except InvalidMergeError as exc:
        raise _invalid(exc) from exc
    response.headers["ETag"] = etag(merged.version)
    response.headers["Content-Location"] = f"{API_PREFIX}/contacts/{merged.id}"
    return merged


@router.post(
    "/companies/merge",
    tags=["companies"],
    operation_id="merge_companies",
    responses=GONE_RESPONSES,
)
async def merge_companies(
    body: MergeIn, session: SessionDep, principal: Writer, if_match: IfMatch, response: Response
) -> CompanyMergedData:
    """Merge duplicate companies into the primary, which survives with its id.

    Empty fields are filled from the duplicates in order unless `field_choices` names the
    company whose value wins. The duplicates' contacts move to the survivor (each gets an
    `updated` event); the duplicates are removed: reading them answers 301 to the
    survivor. Publishes one `crm.contacts.company.merged`, and `merged_into` on each
    duplicate.
    """
    request = body.to_request()
    merger = CompanyMergeStore(session, actor=principal.subject)

    async def work() -> CompanyMergedData:
        found = await merger.lock(request.ids)
        await _require_all(session, "company", request, found)
        survivor = found[request.primary_id]
        check_version(if_match, survivor.version)
        duplicates = [found[duplicate_id] for duplicate_id in request.duplicate_ids]
        changed = company_merge.merge_companies(survivor, duplicates, request, now=utc_now())
        resource = await merger.absorb(survivor, duplicates, changed)
        merged = list(request.duplicate_ids)
        return CompanyMergedData(**dict(resource), merged_ids=merged, changed=changed)

    try:
        request.check(company_merge.CHOOSABLE, custom_fields=company_merge.HAS_CUSTOM_FIELDS)
        merged = await run_in_transaction(session, work)
    except InvalidMergeError as exc:
        raise _invalid(exc) from exc
    response.headers["ETag"] = etag(merged.version)
    response.headers["Content-Location"] = f"{API_PREFIX}/companies/{merged.id}"
    return merged
