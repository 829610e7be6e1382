"""Mapping between lead rows and Lead objects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import RowMapping

from crm_sales.adapters.lead_tables import leads
from crm_sales.domain.lead import Lead
from crm_sales.domain.lead_status import LeadStatus

LEAD_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company_name",
    "title",
    "source",
    "country",
    "company_size",
    "status",
    "score",
    "fit_score",
    "engagement_score",
    "owner_id",
    "contact_id",
    "created_at",
    "updated_at",
    "version",
    "scored_version",
    "touched_at",
)
COLUMNS = [leads.c[name] for name in LEAD_COLUMNS]


def lead_from_row(row: RowMapping) -> Lead:
    """A lead loaded from its row."""
    values = {name: row[name] for name in LEAD_COLUMNS}
    values["status"] = LeadStatus(values["status"])
    return Lead(**values)


def lead_to_row(lead: Lead) -> dict[str, Any]:
    """The column values of a lead."""
    row = {name: getattr(lead, name) for name in LEAD_COLUMNS}
    row["status"] = lead.status.value
    return row
