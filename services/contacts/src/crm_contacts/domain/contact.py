"""The contact aggregate: a person, their stage in the funnel, tags and consent."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crm_contacts.domain.changes import Revision, field_changes, plain
from crm_contacts.domain.consent import Consent, ConsentStatus
from crm_contacts.domain.errors import ContactErasedError, InvalidContactError
from crm_contacts.domain.lifecycle import LifecycleStage, StageMove, plan_advance, plan_move
from crm_contacts.domain.timeline import TimelineEntry, TimelineKind

# Fields a person edits directly; lifecycle_stage and consent have rules of their own.
PLAIN_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "company_id",
    "owner_id",
    "tags",
    "custom_fields",
)
PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone", "title")
# What an absent field means in a complete set of edits.
EMPTY: dict[str, Any] = {"tags": [], "custom_fields": {}}


@dataclass(slots=True)
class Contact:
    """A person we deal with. `version` grows by one with every change."""

    id: uuid.UUID
    created_at: datetime
    updated_at: datetime
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None
    title: str | None = None
    company_id: uuid.UUID | None = None
    lifecycle_stage: LifecycleStage | None = None
    owner_id: uuid.UUID | None = None
    tags: list[str] = field(default_factory=list)
    custom_fields: dict[str, Any] = field(default_factory=dict)
    consent: Consent = field(default_factory=Consent)
    version: int = 1
    erased: bool = False

    @classmethod
    def register(cls, edits: dict[str, Any], *, now: datetime) -> tuple[Contact, TimelineEntry]:
        """A new contact from validated fields, and its `created` timeline entry."""
        contact = cls(id=uuid.uuid4(), created_at=now, updated_at=now)
        for name in PLAIN_FIELDS:
            if name in edits:
                setattr(contact, name, edits[name])
        contact.lifecycle_stage = edits.get("lifecycle_stage")
        status = edits.get("consent_email") or ConsentStatus.UNKNOWN
        contact.consent = Consent().with_email(status, now)
        contact.check_identifiable()
        return contact, TimelineEntry(TimelineKind.CREATED)

    def check_identifiable(self) -> None:
        """A contact needs at least a name or an email to be told apart from others."""
        _check_identifiable(self.first_name, self.last_name, self.email)

    def editable(self) -> dict[str, Any]:
        """The fields a PATCH may change, as the JSON a merge patch applies to."""
        data = {name: plain(getattr(self, name)) for name in PLAIN_FIELDS}
        data["lifecycle_stage"] = plain(self.lifecycle_stage)
        data["consent"] = {"email": str(self.consent.email)}
        return {name: value for name, value in data.items() if value is not None}

    def revise(self, edits: dict[str, Any], *, is_admin: bool, now: datetime) -> Revision:
        """Set every editable field to `edits`: a complete set, as after a merge patch
        (`consent_email` carries the email consent answer).

        Stage moves follow the forward-only rule; admins may override it.
        """
        self._check_alive()
        move = plan_move(self.lifecycle_stage, edits.get("lifecycle_stage"), is_admin=is_admin)
        changes = field_changes(self, edits, PLAIN_FIELDS, EMPTY)
        consent = self.consent.with_email(edits.get("consent_email") or ConsentStatus.UNKNOWN, now)
        if consent != self.consent:
            changes["consent"] = {"from": str(self.consent.email), "to": str(consent.email)}
        _check_identifiable(edits.get("first_name"), edits.get("last_name"), edits.get("email"))
        for name in PLAIN_FIELDS:
            setattr(self, name, edits.get(name, EMPTY.get(name)))
        self.consent = consent
        entries = []
        if changes:
            details = {"changed": list(changes), "changes": changes}
            entries.append(TimelineEntry(TimelineKind.UPDATED, details))
        if move:
            entries.append(self._move(move))
        changed = [*changes, *(["lifecycle_stage"] if move else [])]
        if changed:
            self._touch(now)
        return Revision(changed, entries)

    def advance_stage(
        self, target: LifecycleStage, *, now: datetime, cause: dict[str, Any]
    ) -> TimelineEntry | None:
        """Move forward to `target` because of another service's event; never backwards."""
        if self.erased:
            return None
        move = plan_advance(self.lifecycle_stage, target)
        if move is None:
            return None
        self._touch(now)
        return self._move(move, cause=cause)

    def tag(self, tag: str, *, now: datetime) -> TimelineEntry | None:
        """Add a (normalized) tag; None when the contact already has it."""
        self._check_alive()
        if tag in self.tags:
            return None
        self.tags = [*self.tags, tag]
        self._touch(now)
        return TimelineEntry(TimelineKind.TAG_ADDED, {"tag": tag})

    def untag(self, tag: str, *, now: datetime) -> TimelineEntry | None:
        """Remove a (normalized) tag; None when the contact does not have it."""
        self._check_alive()
        if tag not in self.tags:
            return None
        self.tags = [t for t in self.tags if t != tag]
        self._touch(now)
        return TimelineEntry(TimelineKind.TAG_REMOVED, {"tag": tag})

    def note_added(self, note_id: uuid.UUID, *, now: datetime) -> TimelineEntry:
        """Record that a note was written about this contact (notes are part of it)."""
        self._check_alive()
        self._touch(now)
        return TimelineEntry(TimelineKind.NOTE_ADDED, {"note_id": str(note_id)})

    def erase(self, *, now: datetime) -> TimelineEntry | None:
        """Blank all personal data, keeping a tombstone; None if already erased (GDPR)."""
        if self.erased:
            return None
        for name in PERSONAL_FIELDS:
            setattr(self, name, None)
        self.tags, self.custom_fields, self.erased = [], {}, True
        self._touch(now)
        return TimelineEntry(TimelineKind.ERASED)

    def _move(self, move: StageMove, cause: dict[str, Any] | None = None) -> TimelineEntry:
        self.lifecycle_stage = move.stage
        details = {"from": plain(move.previous), "to": plain(move.stage)}
        details["override"] = move.override
        if cause:
            details["cause"] = cause
        return TimelineEntry(TimelineKind.STAGE_CHANGED, details)

    def _touch(self, now: datetime) -> None:
        self.version += 1
        self.updated_at = now

    def _check_alive(self) -> None:
        if self.erased:
            raise ContactErasedError()


def _check_identifiable(first_name: str | None, last_name: str | None, email: str | None) -> None:
    if not (first_name or last_name or email):
        raise InvalidContactError("a contact needs a first name, a last name or an email")
