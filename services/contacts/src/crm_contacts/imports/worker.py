"""The import worker: one per service process, importing staged rows batch by batch.

Each batch is one transaction: it claims the oldest unfinished import with `FOR UPDATE
SKIP LOCKED` (replicas share the work and never take the same batch), imports the rows
after the import's `last_row`, and saves the counters, `last_row` and the row problems
with the contacts and their events. A crash or a restart loses the open batch whole, and
the next worker starts again right after the last committed one: nothing is imported
twice or skipped.
"""

from __future__ import annotations

import contextlib
import uuid
from datetime import UTC, datetime

import structlog
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.custom_field_store import load_schema
from crm_contacts.adapters.import_jobs import claim_next, drop_staged, get_job, save_job
from crm_contacts.adapters.import_problems import add_problems
from crm_contacts.domain.custom_fields import ObjectType
from crm_contacts.domain.import_job import ImportJob
from crm_contacts.domain.imports import BatchCounts
from crm_contacts.imports.batch import import_batch
from crm_contacts.imports.read_ahead import ReadAhead
from crm_shared.db import Database
from crm_shared.periodic import BackgroundLoop

_log = structlog.get_logger("crm.contacts.imports")


class ImportWorker:
    """Imports batches until stopped; `wake()` after queueing an import."""

    def __init__(self, db: Database, *, batch_rows: int, poll_seconds: float) -> None:
        self._db = db
        self._batch_rows = batch_rows
        self._ahead = ReadAhead(db, batch_rows=batch_rows)
        # Busy: the next batch at once; idle or failed: after the poll or a wake().
        self._loop = BackgroundLoop(
            "contacts.import-worker", self.run_once, poll_seconds=poll_seconds
        )

    def start(self) -> None:
        """Run in the background until stop()."""
        self._loop.start()

    async def stop(self) -> None:
        """Stop; an open batch is rolled back and done again by the next worker."""
        self._ahead.drop()
        await self._loop.stop()

    def wake(self) -> None:
        """Look for work now rather than at the next poll."""
        self._loop.wake()

    async def run_once(self) -> bool:
        """Import one batch of the oldest unfinished import; False if there was none, or
        the batch failed (the caller then waits a little before the next try)."""
        job_id: uuid.UUID | None = None
        try:
            async with self._db.sessions() as session, session.begin():
                job = await claim_next(session)
                if job is None:
                    return False
                job_id = job.id
                await self._batch(session, job, one_by_one=False)
            return True
        except Exception as exc:
            if job_id is None or _transient(exc):
                raise
            error: Exception = exc
        if isinstance(error, DBAPIError):
            _log.warning("import batch refused; retrying row by row", error=repr(error))
            try:
                async with self._db.sessions() as session, session.begin():
                    job = await get_job(session, job_id, lock=True)
                    if job is not None and not job.status.finished:
                        await self._batch(session, job, one_by_one=True)
                return True
            except Exception as exc:
                if _transient(exc):
                    raise
                error = exc
        await self._record_failure(job_id, error)
        return False

    async def _batch(self, session: AsyncSession, job: ImportJob, *, one_by_one: bool) -> None:
        now = datetime.now(UTC)
        schema = await load_schema(session, ObjectType.CONTACT)
        staged, drafts = await self._ahead.take(session, job, schema)
        if staged:

            def read_next(last_row: int) -> None:
                if not one_by_one:  # a retry row by row is the exception: no read-ahead
                    self._ahead.start(job, last_row, schema)

            outcome = await import_batch(
                session, job, drafts, schema, now=now, one_by_one=one_by_one, on_cut=read_next
            )
            await add_problems(session, job.id, outcome.problems)
            exhausted = len(staged) < self._batch_rows and outcome.last_row == staged[-1][0]
            job.record_batch(outcome.counts, outcome.last_row, now=now, exhausted=exhausted)
        else:
            job.record_batch(BatchCounts(), job.last_row, now=now, exhausted=True)
        if job.status.finished:
            self._ahead.drop()
            await drop_staged(session, job.id)
            _log.info("import finished", import_id=str(job.id), status=str(job.status))
        await save_job(session, job)

    async def _record_failure(self, job_id: uuid.UUID, exc: Exception) -> None:
        _log.error("import batch failed", import_id=str(job_id), exc_info=exc)
        with contextlib.suppress(Exception):
            async with self._db.sessions() as session, session.begin():
                job = await get_job(session, job_id, lock=True)
                if job is None or job.status.finished:
                    return
                job.record_failure(repr(exc)[:500], now=datetime.now(UTC))
                if job.status.finished:
                    await drop_staged(session, job.id)
                await save_job(session, job)


def _transient(exc: Exception) -> bool:
    """A lost connection or an unreachable database: not the batch's fault, not counted."""
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated)
    return isinstance(exc, OSError | TimeoutError)
