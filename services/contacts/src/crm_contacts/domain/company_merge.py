"""Merging duplicate companies into a survivor (the rules of crm_contacts.domain.merge)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from crm_contacts.domain import company as company_model
from crm_contacts.domain.company import Company
from crm_contacts.domain.merge import MergeRequest, pick_custom_fields, pick_fields

# Fields a client may choose in `field_choices` (plus `custom_fields.<key>` when companies
# have custom fields).
CHOOSABLE = tuple(name for name in company_model.FIELDS if name != "custom_fields")
HAS_CUSTOM_FIELDS = "custom_fields" in company_model.FIELDS


def merge_companies(
    survivor: Company, duplicates: Sequence[Company], request: MergeRequest, *, now: datetime
) -> list[str]:
    """Fold `duplicates` into `survivor` (changed in place; its version grows by one) and
    return the names of the fields that changed."""
    records = [
        (company.id, {name: getattr(company, name) for name in company_model.FIELDS})
        for company in (survivor, *duplicates)
    ]
    edits = pick_fields(records, CHOOSABLE, request.field_choices)
    if HAS_CUSTOM_FIELDS:
        edits["custom_fields"] = pick_custom_fields(records, request.field_choices)
    changed = survivor.revise(edits, now=now)
    if not changed:
        # Still a change: the survivor took over the duplicates' contacts and ids.
        survivor.version += 1
        survivor.updated_at = now
    return changed
