"""Mapping between table rows and domain objects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping

from crm_contacts.domain.company import Company, CompanySize
from crm_contacts.domain.consent import Consent, ConsentStatus
from crm_contacts.domain.contact import Contact
from crm_contacts.domain.lifecycle import LifecycleStage

CONTACT_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "title",
    "company_id",
    "lifecycle_stage",
    "owner_id",
    "tags",
    "custom_fields",
    "consent",
    "created_at",
    "updated_at",
    "version",
    "erased",
)
COMPANY_COLUMNS = (
    "id",
    "name",
    "domain",
    "industry",
    "size",
    "custom_fields",
    "created_at",
    "updated_at",
    "version",
)


def contact_from_row(row: RowMapping) -> Contact:
    """A contact loaded from its row."""
    values = {name: row[name] for name in CONTACT_COLUMNS}
    stage = values["lifecycle_stage"]
    values["lifecycle_stage"] = LifecycleStage(stage) if stage else None
    values["consent"] = _consent_from_json(values["consent"])
    return Contact(**values)


def contact_to_row(contact: Contact) -> dict[str, Any]:
    """The column values of a contact."""
    row = {name: getattr(contact, name) for name in CONTACT_COLUMNS}
    row["consent"] = {
        "email": str(contact.consent.email),
        "updated_at": contact.consent.updated_at.isoformat()
        if contact.consent.updated_at
        else None,
    }
    return row


def company_from_row(row: RowMapping) -> Company:
    """A company loaded from its row."""
    values = {name: row[name] for name in COMPANY_COLUMNS}
    values["size"] = CompanySize(values["size"]) if values["size"] else None
    return Company(**values)


def company_to_row(company: Company) -> dict[str, Any]:
    """The column values of a company."""
    return {name: getattr(company, name) for name in COMPANY_COLUMNS}


def _consent_from_json(value: dict[str, Any]) -> Consent:
    updated_at = value.get("updated_at")
    return Consent(
        email=ConsentStatus(value.get("email", ConsentStatus.UNKNOWN)),
        updated_at=datetime.fromisoformat(updated_at) if updated_at else None,
    )
