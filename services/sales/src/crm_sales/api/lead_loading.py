"""Loading a lead to change it: 404 if missing, 412 if the client's version is stale."""

from __future__ import annotations

import uuid

from crm_sales.adapters.conversion_store import ConversionStore
from crm_sales.adapters.lead_store import LeadStore
from crm_sales.api.deps import API_PREFIX
from crm_sales.domain.conversion import ConversionPendingError
from crm_sales.domain.lead import Lead
from crm_shared.problems import not_found
from crm_shared.versioning import check_version


def etag(version: int) -> str:
    """The ETag of a resource version; clients send it back in If-Match."""
    return f'"{version}"'


def lead_location(lead_id: uuid.UUID) -> str:
    """The URL path of a lead."""
    return f"{API_PREFIX}/leads/{lead_id}"


async def lock_lead(
    store: LeadStore, lead_id: uuid.UUID, if_match: int | None, *, editing: bool = True
) -> Lead:
    """The lead, locked until the transaction ends, at the version the client expects.

    `editing` (a person changing or deleting it) is refused with a 409 while a
    conversion of the lead is pending: its contact and deal are on their way.
    """
    lead = await store.get(lead_id, lock=True)
    if lead is None:
        raise not_found("Lead")
    check_version(if_match, lead.version)
    if editing:
        conversion = await ConversionStore(store.session).of_lead(lead.id)
        if conversion is not None and conversion.pending:
            raise ConversionPendingError(conversion.id)
    return lead
