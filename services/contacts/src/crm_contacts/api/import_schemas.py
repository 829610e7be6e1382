"""An import's options as the client sends them, and the import as the API shows it."""

from __future__ import annotations

import codecs
import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Json, StringConstraints

from crm_contacts.api.deps import API_PREFIX
from crm_contacts.domain.import_job import ImportJob
from crm_contacts.domain.imports import DedupMode, ImportStatus, RowOutcome, RowProblem

IMPORTS_PATH = f"{API_PREFIX}/contacts/imports"
ColumnName = Annotated[str, StringConstraints(max_length=200)]
Target = Annotated[str, StringConstraints(max_length=200)]


def _known_encoding(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise ValueError(f"unknown text encoding {name!r}") from None


class ImportOptions(BaseModel):
    """How to read the file and what to do with rows matching a contact (form fields of a
    multipart upload, or query parameters of a `text/csv` one)."""

    model_config = ConfigDict(extra="forbid")

    mapping: Json[dict[ColumnName, Target | None]] | None = Field(
        None,
        description='JSON object: CSV column -> contact field, e.g. {"E-mail": "email"}.'
        " Fields: first_name, last_name, email, phone, title, company, company_domain,"
        " lifecycle_stage, owner_id, tags (split on ';'), consent_email,"
        " custom_fields.<key>. Default: columns whose header names a field.",
    )
    dedup: DedupMode = Field(
        DedupMode.SKIP,
        description="A row whose email a live contact has: skip it (reported), update the"
        " contact with the row's non-empty cells, or create (fails: emails are unique)",
    )
    dry_run: bool = Field(False, description="Check and count every row, write nothing")
    encoding: Annotated[str, StringConstraints(max_length=40), AfterValidator(_known_encoding)] = (
        "utf-8"
    )
    delimiter: Annotated[str, StringConstraints(min_length=1, max_length=1)] = ","
    filename: Annotated[str, StringConstraints(max_length=255)] | None = None


class ImportCounts(BaseModel):
    """Rows of the file (`total`), done so far, and what became of them."""

    total: int
    processed: int
    created: int
    updated: int
    unchanged: int
    skipped: int
    failed: int


class ImportOut(BaseModel):
    """A CSV import and its progress; its row report is at `errors_url`."""

    id: uuid.UUID
    status: ImportStatus
    dry_run: bool
    dedup: DedupMode
    filename: str | None
    mapping: dict[str, str]
    counts: ImportCounts
    last_error: str | None
    created_by: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    version: int
    errors_url: str

    @classmethod
    def of(cls, job: ImportJob) -> ImportOut:
        """The import as the API shows it."""
        counts = job.counts
        return cls(
            id=job.id,
            status=job.status,
            dry_run=job.dry_run,
            dedup=job.dedup,
            filename=job.filename,
            mapping={column.name: column.target for column in job.columns},
            counts=ImportCounts(
                total=job.total_rows,
                processed=counts.processed,
                created=counts.created,
                updated=counts.updated,
                unchanged=counts.unchanged,
                skipped=counts.skipped,
                failed=counts.failed,
            ),
            last_error=job.last_error,
            created_by=job.created_by,
            created_at=job.created_at,
            updated_at=job.updated_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            version=job.version,
            errors_url=f"{IMPORTS_PATH}/{job.id}/errors",
        )


class RowProblemOut(BaseModel):
    """One reported row: its number (the header is row 1), the CSV column concerned
    (null: the row as a whole), the message, and whether it failed or was skipped."""

    row: int
    column: str | None
    message: str
    outcome: RowOutcome

    @classmethod
    def of(cls, problem: RowProblem) -> RowProblemOut:
        """The problem as the API shows it."""
        return cls(
            row=problem.row,
            column=problem.column,
            message=problem.message,
            outcome=problem.outcome,
        )
