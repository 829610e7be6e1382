"""The lead aggregate: a person who may buy, before they become a contact and a deal."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_sales.domain.lead_errors import InvalidLeadError, LeadConvertedError
from crm_sales.domain.lead_status import INITIAL, LeadStatus, check_move
from crm_sales.domain.scoring import Score

# Fields a person edits directly; status has rules of its own, the score is computed.
PLAIN_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "company_name",
    "title",
    "source",
    "country",
    "company_size",
    "owner_id",
    "contact_id",
)
SCORE_FIELDS = ("fit_score", "engagement_score", "score")


@dataclass(slots=True)
class Lead:
    """A prospect. `version` grows by one with every change; `scored_version` is the
    version of the scoring rules its score was computed with."""

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    company_name: str | None = None
    title: str | None = None
    source: str | None = None
    country: str | None = None
    company_size: int | None = None
    status: LeadStatus = LeadStatus.NEW
    fit_score: int = 0
    engagement_score: int = 0
    score: int = 0
    owner_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    version: int = 1
    scored_version: int = 0
    # When a person last worked the lead (any change but its score); None until saved.
    touched_at: datetime | None = None

    @classmethod
    def register(cls, edits: dict[str, Any], *, now: datetime) -> Lead:
        """A new lead from validated fields; it starts `new` unless told `working`."""
        lead = cls(id=uuid.uuid4(), created_at=now, updated_at=now, touched_at=now)
        for name in PLAIN_FIELDS:
            setattr(lead, name, edits.get(name))
        status = LeadStatus(edits.get("status") or LeadStatus.NEW)
        if status not in INITIAL:
            raise InvalidLeadError(
                "a new lead is new or working; qualify or disqualify it once it exists",
                field="status",
            )
        lead.status = status
        _check_identifiable(edits)
        return lead

    def editable(self) -> dict[str, Any]:
        """The fields a PATCH may change, as the JSON a merge patch applies to."""
        data = {name: getattr(self, name) for name in (*PLAIN_FIELDS, "status")}
        return {
            name: value if isinstance(value, int) else str(value)
            for name, value in data.items()
            if value is not None
        }

    def revise(self, edits: dict[str, Any]) -> list[str]:
        """Set every editable field to `edits` (a complete set, as after a merge patch);
        the names that changed. Status moves follow lead_status.TRANSITIONS."""
        if self.status is LeadStatus.CONVERTED:
            raise LeadConvertedError()
        status = LeadStatus(edits.get("status") or self.status)
        check_move(self.status, status)
        _check_identifiable(edits)
        changed = [name for name in PLAIN_FIELDS if getattr(self, name) != edits.get(name)]
        for name in changed:
            setattr(self, name, edits.get(name))
        if status != self.status:
            self.status = status
            changed.append("status")
        return changed

    def rescore(self, score: Score, *, rules_version: int) -> list[str]:
        """Take the score computed with rules of `rules_version`; the score fields that
        changed (the caller versions the change with the rest of its write)."""
        self.scored_version = max(self.scored_version, rules_version)
        values = {"fit_score": score.fit, "engagement_score": score.engagement}
        values["score"] = score.total
        changed = [name for name in SCORE_FIELDS if getattr(self, name) != values[name]]
        for name in changed:
            setattr(self, name, values[name])
        return changed

    def assign(self, owner_id: uuid.UUID) -> list[str]:
        """Give the lead to `owner_id`; `["owner_id"]` if that changed it."""
        if self.owner_id == owner_id:
            return []
        self.owner_id = owner_id
        return ["owner_id"]

    def check_deletable(self) -> None:
        """A converted lead stays: its deal and contact point back at it."""
        if self.status is LeadStatus.CONVERTED:
            raise LeadConvertedError()

    def touch(self, now: datetime) -> None:
        """Record that a change happened now: one more version."""
        self.version += 1
        self.updated_at = now

    def note_worked(self, changed: list[str]) -> None:
        """A versioned change of `changed` fields: anything but the computed score means
        someone worked the lead, so it is not idle (automation's "untouched N days")."""
        if any(name not in SCORE_FIELDS for name in changed):
            self.touched_at = self.updated_at


def _check_identifiable(edits: dict[str, Any]) -> None:
    names = ("first_name", "last_name", "email", "company_name")
    if not any(edits.get(name) for name in names):
        raise InvalidLeadError("a lead needs a first name, a last name, an email or a company name")
