"""A lead conversion: the saga that turns a lead into a contact (owned by the contacts
service) and a deal for it.

It runs over events: sales records the conversion as `pending` and publishes
`crm.sales.lead.conversion_requested`; contacts creates or links the contact and answers
on `crm.contacts.contact` with `data.lead_conversion`; sales then opens the deal and marks
the lead `converted`. A conversion completes once: the answer is acted on only while
the conversion is pending, under its row lock.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from crm_sales.domain.lead import Lead
from crm_sales.domain.lead_errors import (
    IllegalStatusChangeError,
    InvalidLeadError,
    LeadConvertedError,
    LeadError,
)
from crm_sales.domain.lead_status import LeadStatus


class ConversionStatus(StrEnum):
    """Where a conversion is: waiting for the contact, done, or given up."""

    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"


class ConversionExistsError(LeadError):
    """The lead already has a conversion (409): one lead, one contact, one deal."""

    def __init__(self, conversion_id: uuid.UUID) -> None:
        super().__init__(f"the lead is already being converted (conversion {conversion_id})")
        self.conversion_id = conversion_id


class ConversionPendingError(LeadError):
    """The lead is being converted (409): it changes again once the conversion ends."""

    def __init__(self, conversion_id: uuid.UUID) -> None:
        super().__init__(
            f"the lead is being converted (conversion {conversion_id}); "
            "it can change again once the conversion has ended"
        )
        self.conversion_id = conversion_id


@dataclass(frozen=True, slots=True)
class DealSpec:
    """The deal to open once the contact exists (amount already checked for its currency)."""

    name: str
    amount: Decimal
    currency: str
    pipeline_id: uuid.UUID | None = None


@dataclass(slots=True)
class Conversion:
    """One lead's conversion and, once completed, what it made."""

    id: uuid.UUID
    lead_id: uuid.UUID
    deal: DealSpec
    owner_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    status: ConversionStatus = ConversionStatus.PENDING
    contact_id: uuid.UUID | None = None
    company_id: uuid.UUID | None = None
    deal_id: uuid.UUID | None = None
    error: str | None = None

    @classmethod
    def request(cls, lead: Lead, deal: DealSpec, *, now: datetime) -> Conversion:
        """Start converting `lead`; the lead must be convertible and say who it is."""
        if lead.status is LeadStatus.CONVERTED:
            raise LeadConvertedError()
        if lead.status is LeadStatus.DISQUALIFIED:
            raise IllegalStatusChangeError(
                lead.status, LeadStatus.CONVERTED, "work it again (status working) first"
            )
        if not (lead.first_name or lead.last_name or lead.email):
            raise InvalidLeadError(
                "a lead becomes a contact only with a first name, a last name or an email",
                field="email",
            )
        return cls(
            id=uuid.uuid4(),
            lead_id=lead.id,
            deal=deal,
            owner_id=lead.owner_id,
            created_at=now,
            updated_at=now,
        )

    @property
    def pending(self) -> bool:
        """True while the contacts service has not answered yet."""
        return self.status is ConversionStatus.PENDING

    def complete(
        self,
        *,
        contact_id: uuid.UUID,
        company_id: uuid.UUID | None,
        deal_id: uuid.UUID,
        now: datetime,
    ) -> None:
        """Record what the conversion made."""
        self.status = ConversionStatus.COMPLETED
        self.contact_id, self.company_id, self.deal_id = contact_id, company_id, deal_id
        self.updated_at = now

    def fail(self, reason: str, *, now: datetime) -> None:
        """Give up (e.g. no pipeline to open the deal in); the reason is kept."""
        self.status = ConversionStatus.FAILED
        self.error = reason
        self.updated_at = now
