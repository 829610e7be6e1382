"""Lead request bodies. Leads are served as crm_sales.events.lead_schemas defines them:
a client reads what a consumer reads."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict

from crm_sales.api.lead_fields import (
    CompanyName,
    CompanySize,
    Country,
    Email,
    JobTitle,
    Name,
    Phone,
    Source,
)
from crm_sales.domain.lead_status import LeadStatus


class LeadIn(BaseModel):
    """A lead's editable fields: a new lead, or one after a merge patch.

    `contact_id` links the lead to a contact of the contacts service; conversion sets it,
    and until conversion exists a client may set it (qualifying then makes that contact
    a sales qualified lead).
    """

    model_config = ConfigDict(extra="forbid")

    first_name: Name = None
    last_name: Name = None
    email: Email = None
    phone: Phone = None
    company_name: CompanyName = None
    title: JobTitle = None
    source: Source = None
    country: Country = None
    company_size: CompanySize = None
    status: LeadStatus | None = None
    owner_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None

    def edits(self) -> dict[str, Any]:
        """The fields as Lead.register and Lead.revise take them."""
        return {name: getattr(self, name) for name in type(self).model_fields}


class LeadPatch(BaseModel):
    """A JSON merge patch of a lead: absent fields stay, null clears."""

    model_config = ConfigDict(extra="forbid")

    first_name: Name = None
    last_name: Name = None
    email: Email = None
    phone: Phone = None
    company_name: CompanyName = None
    title: JobTitle = None
    source: Source = None
    country: Country = None
    company_size: CompanySize = None
    status: LeadStatus | None = None
    owner_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
