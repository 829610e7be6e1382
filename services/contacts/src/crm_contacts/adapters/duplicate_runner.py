"""Starting and running duplicate scans, inline or in the background.

Each scan has a connection of its own (not a pooled one): it holds the scan's advisory
lock and its session settings, and closing it releases both, even if the scan dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import asyncpg
import structlog

from crm_contacts.adapters import duplicate_scans
from crm_contacts.adapters.duplicate_scan import count_live_contacts, find_pairs
from crm_contacts.adapters.duplicate_scans import ScanRecord
from crm_contacts.domain.duplicates import group_pairs
from crm_shared.db import Database, asyncpg_dsn
from crm_shared.problems import ProblemError

_log = structlog.get_logger("crm.contacts.duplicates")
# Background scans, referenced so the event loop does not drop them half-way.
_BACKGROUND: set[asyncio.Task[None]] = set()


async def open_scan(
    db: Database, requested_by: str
) -> tuple[ScanRecord, asyncpg.Connection | None]:
    """A new running scan and the connection to run it on; or, if a scan is already
    running, that scan and None."""
    conn = await asyncpg.connect(asyncpg_dsn(db.url))
    try:
        for _ in range(40):
            scan = await duplicate_scans.claim(conn, requested_by)
            if scan is not None:
                return scan, conn
            running = await duplicate_scans.running_scan(conn)
            if running is not None:
                await conn.close()
                return running, None
            # The lock's holder has not written its row yet: it does so right away.
            await asyncio.sleep(0.05)
    except BaseException:
        await conn.close()
        raise
    await conn.close()
    raise ProblemError(503, detail="Another duplicate scan is starting; try again")


async def run_scan(conn: asyncpg.Connection, scan: ScanRecord) -> ScanRecord:
    """Run `scan` on its connection, store its groups and close the connection."""
    started = time.perf_counter()
    try:
        # One snapshot for the count and the pairs; groups and status commit together.
        async with conn.transaction(isolation="repeatable_read"):
            contacts = await count_live_contacts(conn)
            pairs = await find_pairs(conn)
            # Grouping is Python work on the pairs only; keep it off the event loop.
            groups = await asyncio.to_thread(group_pairs, pairs)
            done = await duplicate_scans.finish(
                conn,
                scan.id,
                groups,
                contacts_scanned=contacts,
                pairs_found=len(pairs),
                duration_ms=round((time.perf_counter() - started) * 1000),
            )
        _log.info("duplicate scan finished", scan_id=str(scan.id), contacts=contacts,
                  groups=len(groups), duration_ms=done.duration_ms)  # fmt: skip
        return done
    except Exception as exc:
        _log.exception("duplicate scan failed", scan_id=str(scan.id))
        # A lost connection cannot record anything: the scan then reads as interrupted.
        with contextlib.suppress(Exception):
            await duplicate_scans.fail(conn, scan.id, f"{type(exc).__name__}: {exc}")
        raise
    finally:
        await conn.close()


async def first_scan(db: Database, requested_by: str, *, inline_limit: int) -> ScanRecord:
    """A scan for a CRM that has none: run now, and returned finished, if there are at
    most `inline_limit` live contacts; else started in the background and returned
    running (as is a scan someone else started meanwhile)."""
    scan, conn = await open_scan(db, requested_by)
    if conn is None:
        return scan
    if await count_live_contacts(conn, up_to=inline_limit + 1) <= inline_limit:
        return await run_scan(conn, scan)
    run_in_background(conn, scan)
    return scan


def run_in_background(conn: asyncpg.Connection, scan: ScanRecord) -> None:
    """Run `scan` as a task of this process (its failure is recorded on the scan)."""

    async def run() -> None:
        # run_scan logs the failure and records it on the scan.
        with contextlib.suppress(Exception):
            await run_scan(conn, scan)

    task = asyncio.create_task(run(), name=f"duplicate-scan-{scan.id}")
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)
