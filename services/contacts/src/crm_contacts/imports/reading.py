"""Reading a batch's rows: validation in slices of the event loop's time, and where a
batch must end so that a file is imported as if row by row."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TypeVar

from crm_contacts.domain.custom_fields import FieldSchema
from crm_contacts.domain.import_job import ImportJob
from crm_contacts.imports.rows import RowDraft, read_row

T = TypeVar("T")
R = TypeVar("R")
SLICE = 100  # rows of CPU work between two chances for the event loop to run


async def in_slices(work: Callable[[Sequence[T]], list[R]], items: Sequence[T]) -> list[R]:
    """`work` over `items` a slice at a time, letting the event loop run in between.

    The import overlaps its CPU work (reading rows, making events) with PostgreSQL's
    (writing the previous statement) as tasks on the event loop. Threads would not help:
    with the GIL, every system call of the loop thread then waits for the other thread's
    switch interval, and a batch makes thousands.
    """
    done: list[R] = []
    for start in range(0, len(items), SLICE):
        done += work(items[start : start + SLICE])
        await asyncio.sleep(0)
    return done


async def read_rows(
    job: ImportJob, staged: Sequence[tuple[int, list[str]]], schema: FieldSchema
) -> list[RowDraft]:
    """Staged rows read and validated (CPU only, in slices)."""
    width = len(job.header)

    def read(rows: Sequence[tuple[int, list[str]]]) -> list[RowDraft]:
        return [read_row(row, cells, job.columns, width, schema) for row, cells in rows]

    return await in_slices(read, staged)


def until_repeated_email(drafts: Sequence[RowDraft]) -> list[RowDraft]:
    """The rows before the first one whose email an earlier row of the batch has.

    That row starts the next batch, where it sees the contact the earlier row made: the
    file is imported as if row by row, whatever the batch size.
    """
    seen: set[str] = set()
    for index, draft in enumerate(drafts):
        email = draft.email.lower() if draft.email else None
        if email in seen:
            return list(drafts[:index])
        if email:
            seen.add(email)
    return list(drafts)
