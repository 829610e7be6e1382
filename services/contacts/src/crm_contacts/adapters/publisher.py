"""Events about contacts and companies, written to the outbox in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.domain.company import Company
from crm_contacts.domain.contact import Contact
from crm_contacts.events.schemas import CompanyData, ContactData
from crm_contacts.events.topics import (
    COMPANY_AGGREGATE,
    COMPANY_TOPIC,
    CONTACT_AGGREGATE,
    CONTACT_TOPIC,
    SERVICE,
    CompanyAction,
    ContactAction,
)
from crm_shared import outbox
from crm_shared.events import new_event


def contact_event(
    contact: Contact,
    action: ContactAction,
    *,
    actor: str | None,
    changed: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> tuple[ContactData, dict[str, Any]]:
    """The contact as published, and the CloudEvent of `action` carrying it.

    `extra` adds the action's own fields (the note of `note_added`, the tag of `tagged`).
    """
    resource = ContactData.of(contact)
    data = resource.model_dump(mode="json")
    if extra:
        data.update(extra)
    event = new_event(
        service=SERVICE,
        aggregate=CONTACT_AGGREGATE,
        action=action.value,
        subject=contact.id,
        data=data,
        sequence=contact.version,
        actor=actor,
        changed=changed,
    )
    return resource, event


async def publish_contact(
    session: AsyncSession,
    contact: Contact,
    action: ContactAction,
    *,
    actor: str | None,
    changed: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> ContactData:
    """Publish `action` with the contact as it now is; returns that published form."""
    resource, event = contact_event(contact, action, actor=actor, changed=changed, extra=extra)
    await outbox.add(session, event, topic=CONTACT_TOPIC, key=str(contact.id))
    return resource


def company_event(
    company: Company,
    action: CompanyAction,
    *,
    actor: str | None,
    changed: list[str] | None = None,
) -> tuple[CompanyData, dict[str, Any]]:
    """The company as published, and the CloudEvent of `action` carrying it."""
    resource = CompanyData.of(company)
    event = new_event(
        service=SERVICE,
        aggregate=COMPANY_AGGREGATE,
        action=action.value,
        subject=company.id,
        data=resource.model_dump(mode="json"),
        sequence=company.version,
        actor=actor,
        changed=changed,
    )
    return resource, event


async def publish_company(
    session: AsyncSession,
    company: Company,
    action: CompanyAction,
    *,
    actor: str | None,
    changed: list[str] | None = None,
) -> CompanyData:
    """Publish `action` with the company as it now is; returns that published form."""
    resource, event = company_event(company, action, actor=actor, changed=changed)
    await outbox.add(session, event, topic=COMPANY_TOPIC, key=str(company.id))
    return resource
