"""An import's progress: counters and `last_row` move per batch; finished is final."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from crm_contacts.domain.import_job import MAX_ATTEMPTS, ImportFinishedError, ImportJob
from crm_contacts.domain.imports import BatchCounts, DedupMode, ImportStatus

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def job(total: int) -> ImportJob:
    return ImportJob(
        id=uuid.uuid4(),
        status=ImportStatus.QUEUED,
        dedup=DedupMode.SKIP,
        dry_run=False,
        header=["email"],
        columns=[],
        created_by="u",
        created_by_admin=False,
        created_at=NOW,
        updated_at=NOW,
        total_rows=total,
    )


def test_batches_add_up_and_the_last_completes_the_import() -> None:
    imp = job(5)
    imp.record_batch(BatchCounts(processed=3, created=2, failed=1), 4, now=NOW)
    assert (imp.status, imp.last_row, imp.started_at, imp.version) == (
        ImportStatus.RUNNING, 4, NOW, 2,
    )  # fmt: skip
    later = NOW + timedelta(seconds=1)
    imp.record_batch(BatchCounts(processed=2, skipped=2), 7, now=later)
    assert imp.status is ImportStatus.COMPLETED
    assert (imp.finished_at, imp.started_at) == (later, NOW)
    assert imp.counts == BatchCounts(processed=5, created=2, skipped=2, failed=1)


def test_an_empty_file_completes_at_once_and_nothing_else_does() -> None:
    empty, full = job(0), job(1)
    empty.complete_if_empty(now=NOW)
    full.complete_if_empty(now=NOW)
    assert (empty.status, full.status) == (ImportStatus.COMPLETED, ImportStatus.QUEUED)


def test_repeated_failures_fail_the_import_and_a_success_resets_them() -> None:
    imp = job(10)
    imp.record_failure("boom", now=NOW)
    imp.record_batch(BatchCounts(processed=1, created=1), 2, now=NOW)
    assert (imp.attempts, imp.last_error) == (0, None)
    for _ in range(MAX_ATTEMPTS):
        imp.record_failure("boom", now=NOW)
    assert (imp.status, imp.last_error) == (ImportStatus.FAILED, "boom")


def test_cancel_only_an_unfinished_import() -> None:
    imp = job(3)
    imp.cancel(now=NOW)
    assert imp.status is ImportStatus.CANCELLED
    with pytest.raises(ImportFinishedError):
        imp.cancel(now=NOW)
