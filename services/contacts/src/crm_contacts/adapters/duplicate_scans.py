"""Duplicate scans as records, and the advisory lock that lets one run at a time.

The lock is session-level, on the scan's own connection: it is held from before the
scan's row is written until the connection closes, so however many replicas serve the
API, one scan runs per database. A row still `running` while nobody holds the lock was
interrupted (its process died): duplicate_scan_status reads it as `failed`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Literal

import asyncpg

from crm_contacts.domain.duplicates import DuplicateGroup

ScanStatus = Literal["running", "finished", "failed"]
# pg_try_advisory_lock(int, int) keys: "CRM" and this migration's number.
LOCK_KEYS = (0x43524D, 6)
# Older scans (and their groups) are deleted when a scan finishes.
KEEP_SCANS = 5


@dataclass(frozen=True, slots=True)
class ScanRecord:
    """One duplicate scan: when it ran and what it found."""

    id: uuid.UUID
    status: ScanStatus
    requested_by: str
    started_at: datetime
    finished_at: datetime | None
    contacts_scanned: int | None
    pairs_found: int | None
    groups_found: int | None
    duration_ms: int | None
    error: str | None

    @classmethod
    def of(cls, row: Mapping[Any, Any]) -> ScanRecord:
        """The record from a `duplicate_scans` row."""
        return cls(**{f.name: row[f.name] for f in fields(cls)})


async def claim(conn: asyncpg.Connection, requested_by: str) -> ScanRecord | None:
    """Take the scan lock on `conn` and record a running scan; None if another scan runs."""
    if not await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", *LOCK_KEYS):
        return None
    # Holding the lock, any row still `running` belongs to a scan that died.
    await conn.execute(
        "UPDATE duplicate_scans SET status = 'failed', error = 'interrupted',"
        " finished_at = now() WHERE status = 'running'"
    )
    row = await conn.fetchrow(
        "INSERT INTO duplicate_scans (id, status, requested_by, started_at)"
        " VALUES ($1, 'running', $2, now()) RETURNING *",
        uuid.uuid4(),
        requested_by,
    )
    return ScanRecord.of(row)


async def running_scan(conn: asyncpg.Connection) -> ScanRecord | None:
    """The scan running now, if its row is written yet."""
    row = await conn.fetchrow(
        "SELECT * FROM duplicate_scans WHERE status = 'running' ORDER BY started_at DESC LIMIT 1"
    )
    return ScanRecord.of(row) if row else None


async def finish(
    conn: asyncpg.Connection,
    scan_id: uuid.UUID,
    groups: Sequence[DuplicateGroup],
    *,
    contacts_scanned: int,
    pairs_found: int,
    duration_ms: int,
) -> ScanRecord:
    """Store the groups and mark the scan finished (inside the scan's transaction)."""
    await conn.copy_records_to_table(
        "duplicate_groups",
        columns=("scan_id", "ordinal", "score", "reasons", "contact_ids"),
        records=(
            (scan_id, ordinal, g.score, list(g.reasons), list(g.contact_ids))
            for ordinal, g in enumerate(groups, start=1)
        ),
    )
    row = await conn.fetchrow(
        "UPDATE duplicate_scans SET status = 'finished', finished_at = clock_timestamp(),"
        " contacts_scanned = $2, pairs_found = $3, groups_found = $4, duration_ms = $5"
        " WHERE id = $1 RETURNING *",
        scan_id,
        contacts_scanned,
        pairs_found,
        len(groups),
        duration_ms,
    )
    await conn.execute(
        "DELETE FROM duplicate_scans WHERE id IN (SELECT id FROM duplicate_scans"
        " ORDER BY started_at DESC OFFSET $1)",
        KEEP_SCANS,
    )
    return ScanRecord.of(row)


async def fail(conn: asyncpg.Connection, scan_id: uuid.UUID, error: str) -> None:
    """Mark the scan failed, saying why."""
    await conn.execute(
        "UPDATE duplicate_scans SET status = 'failed', finished_at = clock_timestamp(),"
        " error = $2 WHERE id = $1",
        scan_id,
        error[:500],
    )
