"""Reading the next batch's rows while the current one is being written.

Reading (validating) rows is this process' CPU; writing a batch is mostly PostgreSQL's,
on another core. Staged rows never change, so they can be read early. A read is used
only by a batch starting exactly where it began: a batch that rolled back (or another
replica that went on) leaves it unused.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.import_jobs import staged_rows
from crm_contacts.domain.custom_fields import FieldSchema
from crm_contacts.domain.import_job import ImportJob
from crm_contacts.imports.reading import read_rows
from crm_contacts.imports.rows import RowDraft
from crm_shared.db import Database

Staged = list[tuple[int, list[str]]]
Rows = tuple[Staged, list[RowDraft]]


@dataclass
class _Read:
    import_id: uuid.UUID
    after: int
    task: asyncio.Task[Rows]


class ReadAhead:
    """At most one read in flight: the rows of one import after one row number."""

    def __init__(self, db: Database, *, batch_rows: int) -> None:
        self._db = db
        self._batch_rows = batch_rows
        self._read: _Read | None = None

    def start(self, job: ImportJob, after: int, schema: FieldSchema) -> None:
        """Begin fetching and reading the rows of `job` numbered above `after`."""
        self.drop()

        async def fetch_and_read() -> Rows:
            async with self._db.sessions() as reader:
                staged = await staged_rows(reader, job.id, after=after, limit=self._batch_rows)
            return staged, await read_rows(job, staged, schema)

        task = asyncio.create_task(fetch_and_read())
        # A read that fails is done again by the batch; its error need not be reported.
        task.add_done_callback(lambda done: done.cancelled() or done.exception())
        self._read = _Read(job.id, after, task)

    async def take(self, session: AsyncSession, job: ImportJob, schema: FieldSchema) -> Rows:
        """The next rows of `job` (after its `last_row`) and their drafts: the read begun
        for exactly these rows, else read now in `session`."""
        read, self._read = self._read, None
        if read is not None and (read.import_id, read.after) == (job.id, job.last_row):
            with contextlib.suppress(Exception):
                return await read.task
        elif read is not None:
            read.task.cancel()
        staged = await staged_rows(session, job.id, after=job.last_row, limit=self._batch_rows)
        return staged, await read_rows(job, staged, schema)

    def drop(self) -> None:
        """Forget the read in flight, if any."""
        if self._read is not None:
            self._read.task.cancel()
            self._read = None
