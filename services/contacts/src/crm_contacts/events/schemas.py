"""Payloads (`data`) of the events this service publishes: the full resource after the change.

The API serves the same shapes, so what a consumer reads is what a client reads. Schemas
only grow; a breaking change gets a new `.v2` event type.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from crm_contacts.domain.company import Company, CompanySize
from crm_contacts.domain.consent import ConsentStatus
from crm_contacts.domain.contact import Contact
from crm_contacts.domain.custom_fields import ObjectType
from crm_contacts.domain.custom_fields import custom_fields_marker as marker
from crm_contacts.domain.lifecycle import LifecycleStage


class ConsentData(BaseModel):
    """Consent per channel; `updated_at` is when the answer last changed."""

    model_config = ConfigDict(from_attributes=True)

    email: ConsentStatus
    updated_at: datetime | None


class ContactData(BaseModel):
    """A contact. After an erase only the tombstone is left: ids, stage and `erased`."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None
    title: str | None
    company_id: uuid.UUID | None
    lifecycle_stage: LifecycleStage | None
    owner_id: uuid.UUID | None
    tags: list[str]
    custom_fields: dict[str, Any] = Field(json_schema_extra=marker(ObjectType.CONTACT))
    consent: ConsentData
    created_at: datetime
    updated_at: datetime
    version: int
    erased: bool

    @classmethod
    def of(cls, contact: Contact) -> ContactData:
        """The published form of a contact."""
        return cls.model_validate(contact)


class NoteData(BaseModel):
    """A note written about a contact; `author_id` is the writer's token subject."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    contact_id: uuid.UUID
    body: str
    author_id: str
    created_at: datetime


class ContactUpdatedData(ContactData):
    """`crm.contacts.contact.updated`: the contact, and the names of the changed fields."""

    changed: list[str]


class ContactNoteAddedData(ContactData):
    """`crm.contacts.contact.note_added`: the contact and the new note."""

    note: NoteData


class ContactTaggedData(ContactData):
    """`crm.contacts.contact.tagged` / `.untagged`: the contact and the tag."""

    tag: str


class ContactMergedData(ContactData):
    """`crm.contacts.contact.merged` (subject = the survivor): the survivor after the
    merge, the ids merged into it (each now redirects to it) and its changed fields."""

    merged_ids: list[uuid.UUID]
    changed: list[str]


class ContactMergedIntoData(ContactData):
    """`crm.contacts.contact.merged_into` (subject = a merged contact): the last event of
    its stream, carrying its last state and the survivor that absorbed it."""

    survivor_id: uuid.UUID


class CompanyData(BaseModel):
    """A company."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    domain: str | None
    industry: str | None
    size: CompanySize | None
    custom_fields: dict[str, Any] = Field(
        default_factory=dict, json_schema_extra=marker(ObjectType.COMPANY)
    )
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, company: Company) -> CompanyData:
        """The published form of a company."""
        return cls.model_validate(company)


class CompanyUpdatedData(CompanyData):
    """`crm.contacts.company.updated`: the company, and the names of the changed fields."""

    changed: list[str]


class CompanyMergedData(CompanyData):
    """`crm.contacts.company.merged` (subject = the survivor): the survivor after the
    merge, the ids merged into it and its changed fields. The merged companies' contacts
    now work at the survivor (each gets its own `crm.contacts.contact.updated`)."""

    merged_ids: list[uuid.UUID]
    changed: list[str]


class CompanyMergedIntoData(CompanyData):
    """`crm.contacts.company.merged_into` (subject = a merged company): the last event of
    its stream, carrying its last state and the survivor that absorbed it."""

    survivor_id: uuid.UUID


class LeadConversionData(BaseModel):
    """Which sales lead conversion a contact event answers (see ContactFromLeadData)."""

    lead_id: uuid.UUID
    conversion_id: uuid.UUID
    company_id: uuid.UUID | None
    # `created`: a new contact; `linked`: an existing contact with the lead's email.
    outcome: str


class ContactFromLeadData(ContactData):
    """`crm.contacts.contact.created` or `.linked` answering
    `crm.sales.lead.conversion_requested`: the contact the lead became, and the
    conversion it answers. `linked` lists in `changed` the blanks the lead filled in."""

    lead_conversion: LeadConversionData
    changed: list[str] = []


# What `data` may be on each topic, for the AsyncAPI document (the most specific first).
ContactEventData = (
    ContactFromLeadData
    | ContactMergedData
    | ContactMergedIntoData
    | ContactUpdatedData
    | ContactNoteAddedData
    | ContactTaggedData
    | ContactData
)
CompanyEventData = CompanyMergedData | CompanyMergedIntoData | CompanyUpdatedData | CompanyData
