"""What a client asks of the lead list: filters, a sort, a page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from crm_sales.domain.lead_status import LeadStatus


class LeadSort(StrEnum):
    """Orders of the lead list; a leading `-` sorts descending. Ties go by id."""

    CREATED_AT = "created_at"
    CREATED_AT_DESC = "-created_at"
    UPDATED_AT = "updated_at"
    UPDATED_AT_DESC = "-updated_at"
    SCORE = "score"
    SCORE_DESC = "-score"

    @property
    def column(self) -> str:
        """The column sorted by."""
        return self.value.removeprefix("-")

    @property
    def descending(self) -> bool:
        """Whether the order is descending."""
        return self.value.startswith("-")


@dataclass(frozen=True, slots=True)
class LeadQuery:
    """A list request. `unassigned` asks for leads without an owner."""

    statuses: tuple[LeadStatus, ...] = ()
    owner_id: uuid.UUID | None = None
    unassigned: bool = False
    sources: tuple[str, ...] = ()
    country: str | None = None
    contact_id: uuid.UUID | None = None
    score_gte: int | None = None
    score_lte: int | None = None
    q: str | None = None
    sort: LeadSort = LeadSort.CREATED_AT
    limit: int = 50
    cursor: str | None = None
