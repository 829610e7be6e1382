"""A CSV import of contacts: its states, how rows matching a contact are treated, and what
it reports about each row it could not import as asked."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum


class ImportStatus(StrEnum):
    """Where an import is: queued until a worker takes it, running while batches go in."""

    QUEUED = "queued"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        """Whether no more rows will be imported."""
        return self not in (ImportStatus.QUEUED, ImportStatus.RUNNING)


class DedupMode(StrEnum):
    """What happens to a row whose email belongs to a live contact already.

    `skip` leaves the contact alone and reports the row as skipped; `update` writes the
    row's non-empty mapped cells onto the contact; `create` tries to create it anyway, and
    since emails are unique among live contacts the row then fails (rows without an email
    are always created).
    """

    SKIP = "skip"
    UPDATE = "update"
    CREATE = "create"


class RowOutcome(StrEnum):
    """How a reported row ended: not imported because of a problem, or skipped on purpose."""

    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class RowProblem:
    """One thing to tell the importer about a row: its number (the header is row 1, as a
    spreadsheet shows it), the CSV column concerned (None: the row as a whole), why."""

    row: int
    column: str | None
    message: str
    outcome: RowOutcome = RowOutcome.FAILED


@dataclass(frozen=True, slots=True)
class CompanyRef:
    """The company a row names: by domain if it has one, else by name."""

    name: str | None
    domain: str | None

    @property
    def key(self) -> str:
        """How two refs are told to be the same company within a batch."""
        return f"d:{self.domain}" if self.domain else f"n:{(self.name or '').lower()}"


@dataclass(slots=True)
class BatchCounts:
    """How many rows were processed and what became of them (one batch, or an import)."""

    processed: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0

    def add(self, other: BatchCounts) -> None:
        """Add `other`'s counts onto these."""
        for counter in fields(self):
            name = counter.name
            setattr(self, name, getattr(self, name) + getattr(other, name))
