"""Reading duplicate scans through a request's session, noticing interrupted ones.

A scan's row says `running` from before its work starts until it commits; a row still
`running` while no session holds the scan lock belongs to a process that died, and is
marked `failed` (`interrupted`) by the first read that meets it.
"""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.duplicate_scans import LOCK_KEYS, ScanRecord

# Re-checked per row under the update's lock: a scan that finished meanwhile is left alone.
_MARK_INTERRUPTED = """
UPDATE duplicate_scans SET status = 'failed', error = 'interrupted', finished_at = now()
WHERE status = 'running' AND NOT EXISTS (
  SELECT 1 FROM pg_locks
  WHERE locktype = 'advisory' AND granted AND classid = :lock_class AND objid = :lock_object
    AND objsubid = 2  -- the two-key form of pg_advisory_lock
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))"""
_LOCK_PARAMS = {"lock_class": LOCK_KEYS[0], "lock_object": LOCK_KEYS[1]}


async def load_scan(session: AsyncSession, scan_id: uuid.UUID) -> ScanRecord | None:
    """The scan with this id (an interrupted one reads as failed), or None."""
    await session.execute(text(_MARK_INTERRUPTED), _LOCK_PARAMS)
    result = await session.execute(
        text("SELECT * FROM duplicate_scans WHERE id = :id"), {"id": scan_id}
    )
    row = result.mappings().one_or_none()
    return ScanRecord.of(row) if row else None


async def latest_scans(session: AsyncSession) -> tuple[ScanRecord | None, ScanRecord | None]:
    """The newest finished scan and the scan running now, either None if there is none."""
    await session.execute(text(_MARK_INTERRUPTED), _LOCK_PARAMS)
    result = await session.execute(
        text(
            "(SELECT * FROM duplicate_scans WHERE status = 'finished'"
            "  ORDER BY finished_at DESC LIMIT 1)"
            " UNION ALL (SELECT * FROM duplicate_scans WHERE status = 'running' LIMIT 1)"
        )
    )
    records = [ScanRecord.of(row) for row in result.mappings()]
    finished = next((r for r in records if r.status == "finished"), None)
    running = next((r for r in records if r.status == "running"), None)
    return finished, running
