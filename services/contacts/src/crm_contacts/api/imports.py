"""Bulk CSV imports of contacts: upload, progress, row errors, cancel.

The upload is staged as it arrives and answered with 202 at once; this process' import
worker (crm_contacts.imports) takes it from there. See the README, "Importing contacts".
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from crm_contacts.adapters.custom_field_store import load_schema
from crm_contacts.adapters.import_jobs import add_job, drop_staged, get_job, list_jobs, save_job
from crm_contacts.adapters.import_problems import list_problems
from crm_contacts.adapters.import_staging import stage_rows
from crm_contacts.api.deps import API_PREFIX, ReadSession, Writer, utc_now
from crm_contacts.api.import_docs import UPLOAD_DOC
from crm_contacts.api.import_schemas import IMPORTS_PATH, ImportOut, RowProblemOut
from crm_contacts.api.import_upload import check_custom_fields, invalid, open_upload
from crm_contacts.api.loading import etag
from crm_contacts.domain.custom_fields import ObjectType
from crm_contacts.domain.import_job import ImportFinishedError, ImportJob
from crm_contacts.domain.import_mapping import (
    MappingError,
    resolve_mapping,
)
from crm_contacts.domain.imports import ImportStatus
from crm_shared.db import SessionDep
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.problems import PROBLEM_RESPONSES, ProblemError, not_found

router = APIRouter(prefix=API_PREFIX, tags=["contacts"], responses=PROBLEM_RESPONSES)
ImportId = Annotated[uuid.UUID, Path(description="The import's id (a UUID)")]


@router.post(
    "/contacts/imports",
    status_code=202,
    operation_id="create_contact_import",
    openapi_extra=UPLOAD_DOC,
)
async def create_import(
    request: Request, principal: Writer, session: SessionDep, response: Response
) -> ImportOut:
    """Upload a CSV of contacts (header row required). Answers 202 as soon as the file is
    stored; follow `Location` for progress and `errors_url` for the row report."""
    upload = await open_upload(request)
    header_record = await anext(upload.records, None)
    if header_record is None:
        raise invalid("file", "the file is empty: an import needs a header row")
    header = [cell.strip() for cell in header_record[1]]
    try:
        columns = resolve_mapping(header, upload.options.mapping)
    except MappingError as exc:
        errors = [{"loc": ["body", "mapping", where], "msg": msg} for where, msg in exc.problems]
        raise ProblemError(422, detail=str(exc), errors=errors) from exc
    options = upload.options
    now = utc_now()
    job = ImportJob(
        id=uuid.uuid4(),
        status=ImportStatus.QUEUED,
        dedup=options.dedup,
        dry_run=options.dry_run,
        header=header,
        columns=columns,
        created_by=principal.subject,
        created_by_admin=principal.is_admin,
        created_at=now,
        updated_at=now,
        filename=options.filename,
    )
    async with session.begin():
        schema = await load_schema(session, ObjectType.CONTACT)
        check_custom_fields(columns, schema, options.dedup)
        await add_job(session, job)
        job.total_rows = await stage_rows(session, job.id, upload.records)
        job.complete_if_empty(now=now)
        await save_job(session, job)
    # This process' worker (crm_contacts.imports.hooks) takes it at once; others poll.
    worker = getattr(request.app.state, "import_worker", None)
    if worker is not None:
        worker.wake()
    response.headers["Location"] = f"{IMPORTS_PATH}/{job.id}"
    return ImportOut.of(job)


@router.get("/contacts/imports", operation_id="list_contact_imports")
async def list_imports(
    _: Writer, session: ReadSession, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[ImportOut]:
    """Imports, newest first."""
    jobs, next_cursor = await list_jobs(session, limit=limit, cursor=cursor)
    return Page(items=[ImportOut.of(job) for job in jobs], next_cursor=next_cursor)


@router.get("/contacts/imports/{import_id}", operation_id="get_contact_import")
async def get_import(
    import_id: ImportId, _: Writer, session: ReadSession, response: Response
) -> ImportOut:
    """An import's status and counts (they move batch by batch)."""
    job = await get_job(session, import_id)
    if job is None:
        raise not_found("import")
    response.headers["ETag"] = etag(job.version)
    return ImportOut.of(job)


@router.get("/contacts/imports/{import_id}/errors", operation_id="list_contact_import_errors")
async def list_import_errors(
    import_id: ImportId,
    _: Writer,
    session: ReadSession,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[RowProblemOut]:
    """The row report: every row that failed (and every row skipped), in row order."""
    if await get_job(session, import_id) is None:
        raise not_found("import")
    problems, next_cursor = await list_problems(session, import_id, limit=limit, cursor=cursor)
    return Page(items=[RowProblemOut.of(p) for p in problems], next_cursor=next_cursor)


@router.post("/contacts/imports/{import_id}/cancel", operation_id="cancel_contact_import")
async def cancel_import(import_id: ImportId, _: Writer, session: SessionDep) -> ImportOut:
    """Stop an import: rows imported so far stay, the rest are dropped. 409 once finished."""
    async with session.begin():
        job = await get_job(session, import_id, lock=True)
        if job is None:
            raise not_found("import")
        try:
            job.cancel(now=utc_now())
        except ImportFinishedError as exc:
            raise ProblemError(409, "Import finished", str(exc)) from exc
        await save_job(session, job)
        # Staged rows are personal data nobody will import any more.
        await drop_staged(session, job.id)
    return ImportOut.of(job)
