"""Request bodies, and the response shapes the events module does not already define.

Resources are served as crm_contacts.events.schemas defines them: a client reads what a
consumer reads.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from crm_contacts.api.fields import (
    CompanyCustomFields,
    CompanyName,
    CustomFields,
    Domain,
    Email,
    Industry,
    JobTitle,
    Name,
    NoteBody,
    Phone,
    Tags,
)
from crm_contacts.domain.company import CompanySize
from crm_contacts.domain.consent import ConsentStatus
from crm_contacts.domain.custom_fields import ObjectType, custom_fields_marker
from crm_contacts.domain.lifecycle import LifecycleStage
from crm_contacts.domain.timeline import TimelineKind


class ConsentIn(BaseModel):
    """Consent answers to record; the service stamps when an answer changes."""

    model_config = ConfigDict(extra="forbid")

    email: ConsentStatus = ConsentStatus.UNKNOWN


class ContactIn(BaseModel):
    """A contact's editable fields: a new contact, or one after a merge patch."""

    model_config = ConfigDict(extra="forbid")

    first_name: Name = None
    last_name: Name = None
    email: Email = None
    phone: Phone = None
    title: JobTitle = None
    company_id: uuid.UUID | None = None
    lifecycle_stage: LifecycleStage | None = None
    owner_id: uuid.UUID | None = None
    tags: Tags = []
    custom_fields: CustomFields = {}
    consent: ConsentIn | None = None

    def edits(self) -> dict[str, Any]:
        """The fields as Contact.register and Contact.revise take them."""
        edits = {name: getattr(self, name) for name in type(self).model_fields}
        edits["consent_email"] = self.consent.email if self.consent else ConsentStatus.UNKNOWN
        del edits["consent"]
        return edits


class ContactPatch(BaseModel):
    """A JSON merge patch of a contact: absent fields stay, null clears, objects merge."""

    model_config = ConfigDict(extra="forbid")

    first_name: Name = None
    last_name: Name = None
    email: Email = None
    phone: Phone = None
    title: JobTitle = None
    company_id: uuid.UUID | None = None
    lifecycle_stage: LifecycleStage | None = None
    owner_id: uuid.UUID | None = None
    tags: Tags | None = None
    custom_fields: dict[str, Any] | None = Field(
        None, json_schema_extra=custom_fields_marker(ObjectType.CONTACT, "patch")
    )
    consent: ConsentIn | None = None


class CompanyIn(BaseModel):
    """A company's editable fields: a new company, or one after a merge patch."""

    model_config = ConfigDict(extra="forbid")

    name: CompanyName
    domain: Domain = None
    industry: Industry = None
    size: CompanySize | None = None
    custom_fields: CompanyCustomFields = {}


class CompanyPatch(BaseModel):
    """A JSON merge patch of a company."""

    model_config = ConfigDict(extra="forbid")

    name: CompanyName | None = None
    domain: Domain = None
    industry: Industry = None
    size: CompanySize | None = None
    custom_fields: dict[str, Any] | None = Field(
        None, json_schema_extra=custom_fields_marker(ObjectType.COMPANY, "patch")
    )


class NoteIn(BaseModel):
    """A note to add to a contact; the author is whoever is calling."""

    model_config = ConfigDict(extra="forbid")

    body: NoteBody


class TimelineEntryOut(BaseModel):
    """One change of a contact. `details` is blank once the contact is erased."""

    id: uuid.UUID
    kind: TimelineKind
    occurred_at: datetime
    actor: str | None
    version: int
    details: dict[str, Any]
