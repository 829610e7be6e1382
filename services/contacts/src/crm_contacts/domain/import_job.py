"""An import's progress, batch after batch, and how it ends."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from crm_contacts.domain.errors import DomainError
from crm_contacts.domain.import_mapping import MappedColumn
from crm_contacts.domain.imports import BatchCounts, DedupMode, ImportStatus

# A batch that keeps failing for reasons other than its rows (a bug, a lost database)
# is retried this often before the import is marked failed.
MAX_ATTEMPTS = 5


class ImportFinishedError(DomainError):
    """The import has finished (completed, failed or cancelled): it cannot change."""

    def __init__(self, status: ImportStatus) -> None:
        super().__init__(f"the import is {status} already")
        self.status = status


@dataclass(slots=True)
class ImportJob:
    """One upload and its progress. Rows numbered up to `last_row` are done; the counters
    and `last_row` move together, in the transaction of the batch they describe."""

    id: uuid.UUID
    status: ImportStatus
    dedup: DedupMode
    dry_run: bool
    header: list[str]
    columns: list[MappedColumn]
    created_by: str
    created_by_admin: bool
    created_at: datetime
    updated_at: datetime
    filename: str | None = None
    total_rows: int = 0
    last_row: int = 0
    counts: BatchCounts = field(default_factory=BatchCounts)
    attempts: int = 0
    last_error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    version: int = 1

    def record_batch(
        self, batch: BatchCounts, last_row: int, *, now: datetime, exhausted: bool = False
    ) -> None:
        """Count a batch whose rows end at `last_row`; completes the import after its last
        row (or once `exhausted`: no staged row is left)."""
        self.counts.add(batch)
        self.last_row = last_row
        self.attempts, self.last_error = 0, None
        self.status = ImportStatus.RUNNING
        self.started_at = self.started_at or now
        if exhausted or self.counts.processed >= self.total_rows:
            self._finish(ImportStatus.COMPLETED, now)
        self._touch(now)

    def complete_if_empty(self, *, now: datetime) -> None:
        """A file without rows is complete as soon as it is uploaded."""
        if self.total_rows == 0:
            self._finish(ImportStatus.COMPLETED, now)

    def record_failure(self, error: str, *, now: datetime) -> None:
        """A batch failed for a reason of its own; after MAX_ATTEMPTS the import fails."""
        self.attempts += 1
        self.last_error = error
        if self.attempts >= MAX_ATTEMPTS:
            self._finish(ImportStatus.FAILED, now)
        self._touch(now)

    def cancel(self, *, now: datetime) -> None:
        """Stop importing: rows not yet imported never will be (those imported stay)."""
        if self.status.finished:
            raise ImportFinishedError(self.status)
        self._finish(ImportStatus.CANCELLED, now)
        self._touch(now)

    def _finish(self, status: ImportStatus, now: datetime) -> None:
        self.status = status
        self.finished_at = now

    def _touch(self, now: datetime) -> None:
        self.updated_at = now
        self.version += 1
