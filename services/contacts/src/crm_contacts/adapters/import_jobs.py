"""Loading and saving imports, and the rows staged for them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, delete, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.paging import cut_page, read_cursor
from crm_contacts.adapters.tables import contact_import_rows, contact_imports
from crm_contacts.domain.import_job import ImportJob
from crm_contacts.domain.import_mapping import resolve_mapping
from crm_contacts.domain.imports import BatchCounts, DedupMode, ImportStatus

PENDING = (ImportStatus.QUEUED.value, ImportStatus.RUNNING.value)
_COUNTERS = {
    "processed": "processed_rows",
    "created": "created_count",
    "updated": "updated_count",
    "unchanged": "unchanged_count",
    "skipped": "skipped_count",
    "failed": "failed_count",
}
_PLAIN = (
    "id", "dry_run", "header", "filename", "created_by", "created_by_admin", "total_rows",
    "last_row", "attempts", "last_error", "created_at", "updated_at", "started_at",
    "finished_at", "version",
)  # fmt: skip


def job_to_row(job: ImportJob) -> dict[str, Any]:
    """The column values of an import."""
    row = {name: getattr(job, name) for name in _PLAIN}
    row["status"] = job.status.value
    row["dedup"] = job.dedup.value
    row["mapping"] = {column.name: column.target for column in job.columns}
    for counter, column in _COUNTERS.items():
        row[column] = getattr(job.counts, counter)
    return row


def job_from_row(row: RowMapping) -> ImportJob:
    """An import loaded from its row (its mapping resolved against its header again)."""
    values = {name: row[name] for name in _PLAIN}
    counts = BatchCounts(**{counter: row[column] for counter, column in _COUNTERS.items()})
    return ImportJob(
        status=ImportStatus(row["status"]),
        dedup=DedupMode(row["dedup"]),
        columns=resolve_mapping(row["header"], row["mapping"]),
        counts=counts,
        **values,
    )


async def add_job(session: AsyncSession, job: ImportJob) -> None:
    """Insert a new import."""
    await session.execute(insert(contact_imports).values(job_to_row(job)))


async def save_job(session: AsyncSession, job: ImportJob) -> None:
    """Write an import's changed state."""
    row = job_to_row(job)
    del row["id"]
    await session.execute(update(contact_imports).where(contact_imports.c.id == job.id).values(row))


async def get_job(
    session: AsyncSession, import_id: uuid.UUID, *, lock: bool = False
) -> ImportJob | None:
    """The import, or None; `lock` holds its row (a running batch holds it too)."""
    stmt = select(contact_imports).where(contact_imports.c.id == import_id)
    if lock:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).mappings().first()
    return job_from_row(row) if row else None


async def claim_next(session: AsyncSession) -> ImportJob | None:
    """The oldest unfinished import no other worker is busy with, locked until commit."""
    stmt = (
        select(contact_imports)
        .where(contact_imports.c.status.in_(PENDING))
        .order_by(contact_imports.c.created_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    row = (await session.execute(stmt)).mappings().first()
    return job_from_row(row) if row else None


async def staged_rows(
    session: AsyncSession, import_id: uuid.UUID, *, after: int, limit: int
) -> list[tuple[int, list[str]]]:
    """The next `limit` staged rows numbered above `after`, in file order."""
    table = contact_import_rows
    stmt = (
        select(table.c.row_number, table.c.cells)
        .where(table.c.import_id == import_id, table.c.row_number > after)
        .order_by(table.c.row_number)
        .limit(limit)
    )
    return [(row.row_number, row.cells) for row in await session.execute(stmt)]


async def drop_staged(session: AsyncSession, import_id: uuid.UUID) -> None:
    """Delete a finished import's staged rows (they hold personal data)."""
    table = contact_import_rows
    await session.execute(delete(table).where(table.c.import_id == import_id))


async def list_jobs(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[list[ImportJob], str | None]:
    """One page of imports, newest first."""
    table = contact_imports
    stmt = select(table).order_by(table.c.created_at.desc(), table.c.id.desc()).limit(limit + 1)
    if cursor:
        created_at, import_id = read_cursor(cursor, datetime, uuid.UUID)
        stmt = stmt.where(tuple_(table.c.created_at, table.c.id) < (created_at, import_id))
    rows = (await session.execute(stmt)).mappings().all()
    page, next_cursor = cut_page(rows, limit, lambda row: (row["created_at"], row["id"]))
    return [job_from_row(row) for row in page], next_cursor
