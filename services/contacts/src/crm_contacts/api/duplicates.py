"""Duplicate contacts: persisted scans, and the groups of the latest finished one."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from crm_contacts.adapters import duplicate_runner as runner
from crm_contacts.adapters.duplicate_scan_status import latest_scans, load_scan
from crm_contacts.adapters.duplicate_scans import ScanRecord, ScanStatus
from crm_contacts.adapters.duplicates import group_cursor, read_cursor, read_groups
from crm_contacts.api.deps import API_PREFIX, Reader, Writer
from crm_contacts.domain.duplicates import Reason
from crm_shared.db import DatabaseDep, SessionDep
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.problems import PROBLEM_RESPONSES, ProblemError

PATH = f"{API_PREFIX}/contacts/duplicates"
router = APIRouter(prefix=PATH, tags=["contacts"], responses=PROBLEM_RESPONSES)
# With no finished scan yet, a CRM this small is scanned inside the request (a second or
# two); a bigger one gets 202 and a scan in the background.
INLINE_SCAN_LIMIT = 50_000


class DuplicateScan(BaseModel):
    """A duplicate scan: when it ran and what it found."""

    id: uuid.UUID
    status: ScanStatus
    requested_by: str
    started_at: datetime
    finished_at: datetime | None
    contacts_scanned: int | None = Field(description="Live contacts the scan read")
    pairs_found: int | None = Field(description="Likely duplicate pairs")
    groups_found: int | None = Field(description="Groups the pairs join into")
    duration_ms: int | None
    error: str | None = Field(description="Why a failed scan failed")


class DuplicateGroup(BaseModel):
    """Contacts that are likely one person, and why."""

    contact_ids: list[uuid.UUID] = Field(description="Sorted ids of the live members")
    score: float = Field(
        ge=0, le=1, description="The weakest pair needed to link the group (1.0: same email)"
    )
    reasons: list[Reason] = Field(description="Every rule a pair inside the group meets")
    primary_suggestion: uuid.UUID = Field(description="Most fields filled in, then oldest")


class DuplicatePage(Page[DuplicateGroup]):
    """One page of groups, and the scan they come from."""

    scan: DuplicateScan


ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {"model": DuplicateScan, "description": "No scan has finished yet: one is running"},
    410: {
        "description": "The cursor's scan was replaced by newer ones: start again",
        "content": {"application/problem+json": {}},
    },
}
ScanId = Annotated[uuid.UUID, Path(description="The scan's id")]
ContactQuery = Annotated[uuid.UUID | None, Query(description="Only the group of this contact")]


@router.get(
    "", operation_id="list_contact_duplicates", response_model=DuplicatePage, responses=ACCEPTED
)
async def list_duplicates(
    principal: Reader,
    session: SessionDep,
    db: DatabaseDep,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
    contact_id: ContactQuery = None,
) -> Any:
    """Groups of likely duplicates found by the latest finished scan, best score first.

    Rules: the same normalized email (case, spaces, `+tags`, Gmail dots) scores 1.0; full
    names with trigram similarity >= 0.6 plus the same company, phone digits or business
    email domain (not free mail) score the similarity. Members merged, deleted or erased
    since the scan are left out. With no finished scan yet, a CRM of up to 50,000
    contacts is scanned at once; a bigger one answers 202 with the scan started.
    """
    async with session.begin():
        if cursor:
            (scan_id, after), running = read_cursor(cursor), None
            scan = await load_scan(session, scan_id)
            if scan is None:
                raise ProblemError(410, detail="Newer scans replaced this cursor's: start again")
        else:
            after = 0
            scan, running = await latest_scans(session)
    if scan is None:
        scan = running or await runner.first_scan(
            db, principal.subject, inline_limit=INLINE_SCAN_LIMIT
        )
        if scan.status != "finished":
            return _accepted(scan)
    async with session.begin():
        found = await read_groups(
            session, scan.id, after=after, limit=limit + 1, contact_id=contact_id
        )
    items = [DuplicateGroup.model_validate(g, from_attributes=True) for g in found[:limit]]
    more = len(found) > limit
    next_cursor = group_cursor(scan.id, found[limit - 1]) if more else None
    return DuplicatePage(items=items, next_cursor=next_cursor, scan=_view(scan))


@router.post("/scans", status_code=202, operation_id="start_duplicate_scan")
async def start_scan(principal: Writer, db: DatabaseDep, response: Response) -> DuplicateScan:
    """Start a duplicate scan in the background; if one is running, that one answers.

    One scan runs at a time per database, however many replicas serve the API. Poll
    `Location` until `status` is `finished` (or `failed`).
    """
    scan, conn = await runner.open_scan(db, principal.subject)
    if conn is not None:
        runner.run_in_background(conn, scan)
    response.headers["Location"] = f"{PATH}/scans/{scan.id}"
    return _view(scan)


@router.get("/scans/{scan_id}", operation_id="get_duplicate_scan")
async def get_scan(_: Reader, session: SessionDep, scan_id: ScanId) -> DuplicateScan:
    """A scan's status; the latest five scans are kept."""
    async with session.begin():
        scan = await load_scan(session, scan_id)
    if scan is None:
        raise ProblemError(404, detail=f"No duplicate scan {scan_id}")
    return _view(scan)


def _accepted(scan: ScanRecord) -> Response:
    headers = {"Location": f"{PATH}/scans/{scan.id}", "Retry-After": "5"}
    return JSONResponse(_view(scan).model_dump(mode="json"), status_code=202, headers=headers)


def _view(scan: ScanRecord) -> DuplicateScan:
    return DuplicateScan.model_validate(scan, from_attributes=True)
