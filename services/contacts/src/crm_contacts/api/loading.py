"""Loading an aggregate to change it: 410 if merged, 404 if missing, 412 if the client's
version is stale."""

from __future__ import annotations

import uuid

from crm_contacts.adapters.company_store import CompanyStore
from crm_contacts.adapters.contact_store import ContactStore
from crm_contacts.api.deps import API_PREFIX
from crm_contacts.api.redirects import gone_or_not_found
from crm_contacts.domain.company import Company
from crm_contacts.domain.contact import Contact
from crm_shared.versioning import check_version


def etag(version: int) -> str:
    """The ETag of a resource version; clients send it back in If-Match."""
    return f'"{version}"'


def created_headers(contact_id: uuid.UUID, version: int) -> dict[str, str]:
    """Location and ETag of a contact just created."""
    return {"Location": f"{API_PREFIX}/contacts/{contact_id}", "ETag": etag(version)}


async def lock_contact(store: ContactStore, contact_id: uuid.UUID, if_match: int | None) -> Contact:
    """The contact, locked until the transaction ends, at the version the client expects;
    410 naming the survivor if it was merged, 404 if it never existed."""
    contact = await store.get(contact_id, lock=True)
    if contact is None:
        raise await gone_or_not_found(store.session, "contact", contact_id)
    check_version(if_match, contact.version)
    return contact


async def lock_company(store: CompanyStore, company_id: uuid.UUID, if_match: int | None) -> Company:
    """The company, locked until the transaction ends, at the version the client expects;
    410 naming the survivor if it was merged, 404 if it never existed."""
    company = await store.get(company_id, lock=True)
    if company is None:
        raise await gone_or_not_found(store.session, "company", company_id)
    check_version(if_match, company.version)
    return company
