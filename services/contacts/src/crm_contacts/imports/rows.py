"""One CSV row read into contact fields, with the same rules the API applies.

The row's cells pass through the API's own field types (api.fields), so an imported
contact obeys exactly what a created one does; custom fields through their schema.
Blank cells mean "no value". Every problem is reported against the CSV column it came
from, all at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from crm_contacts.api.fields import CompanyName, Domain, Email, JobTitle, Name, Phone, Tags
from crm_contacts.domain.consent import ConsentStatus
from crm_contacts.domain.custom_fields import FieldSchema
from crm_contacts.domain.import_mapping import TAG_SEPARATOR, MappedColumn
from crm_contacts.domain.imports import CompanyRef, RowProblem
from crm_contacts.domain.lifecycle import LifecycleStage


class RowFields(BaseModel):
    """The contact fields a row may fill (custom fields aside)."""

    model_config = ConfigDict(extra="forbid")

    first_name: Name = None
    last_name: Name = None
    email: Email = None
    phone: Phone = None
    title: JobTitle = None
    lifecycle_stage: LifecycleStage | None = None
    owner_id: uuid.UUID | None = None
    tags: Tags = []
    consent_email: ConsentStatus | None = None
    company: CompanyName | None = None
    company_domain: Domain = None


@dataclass(slots=True)
class RowDraft:
    """A row's values as given (only non-blank cells), and its problems so far."""

    row: int
    fields: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, Any] = field(default_factory=dict)
    company: CompanyRef | None = None
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def email(self) -> str | None:
        """The row's (normalized) email, if any."""
        email: str | None = self.fields.get("email")
        return email

    def fail(self, column: str | None, message: str) -> None:
        """Record a problem with the row (it will not be imported)."""
        self.problems.append(RowProblem(self.row, column, message))


def read_row(
    row: int, cells: Sequence[str], columns: Sequence[MappedColumn], width: int, schema: FieldSchema
) -> RowDraft:
    """The draft of one CSV row; `width` is the header's number of columns."""
    draft = RowDraft(row)
    if len(cells) > width and any(cell.strip() for cell in cells[width:]):
        draft.fail(None, f"the row has {len(cells)} cells but the header only {width} columns")
    given: dict[str, Any] = {}
    for column in columns:
        cell = cells[column.index].strip() if column.index < len(cells) else ""
        if not cell:
            continue
        if column.custom_key is not None:
            try:
                value = schema.parse_text(column.custom_key, cell)
            except ValueError as exc:
                draft.fail(column.name, str(exc))
                continue
            if value is not None:
                draft.custom[column.custom_key] = value
        elif column.target == "tags":
            given["tags"] = [tag for tag in cell.split(TAG_SEPARATOR) if tag.strip()]
        else:
            given[column.target] = cell
    try:
        valid = RowFields.model_validate(given)
    except ValidationError as exc:
        by_target = {column.target: column.name for column in columns}
        for error in exc.errors():
            target = str(error["loc"][0]) if error["loc"] else None
            draft.fail(by_target.get(target or ""), _message(error["msg"]))
        return draft
    values = {name: getattr(valid, name) for name in valid.model_fields_set}
    name, domain = values.pop("company", None), values.pop("company_domain", None)
    if name or domain:
        draft.company = CompanyRef(name, domain)
    draft.fields = values
    return draft


def _message(msg: str) -> str:
    # Pydantic prefixes the messages of our own validators; the client needs only ours.
    return msg.removeprefix("Value error, ")
