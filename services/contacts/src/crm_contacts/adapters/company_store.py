"""Loading and saving companies; every save writes its event in the caller's transaction."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.publisher import publish_company
from crm_contacts.adapters.rows import company_from_row, company_to_row
from crm_contacts.adapters.tables import companies, contacts
from crm_contacts.domain.company import Company
from crm_contacts.events.schemas import CompanyData
from crm_contacts.events.topics import CompanyAction


class CompanyStore:
    """Companies of one database session, changed on behalf of `actor`."""

    def __init__(self, session: AsyncSession, *, actor: str | None) -> None:
        self.session = session
        self.actor = actor

    async def get(self, company_id: uuid.UUID, *, lock: bool = False) -> Company | None:
        """The company, or None; `lock` holds its row until the transaction ends."""
        stmt = select(companies).where(companies.c.id == company_id)
        if lock:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).mappings().first()
        return company_from_row(row) if row else None

    async def add(self, company: Company) -> CompanyData:
        """Insert a new company and its `created` event."""
        await self.session.execute(insert(companies).values(company_to_row(company)))
        return await publish_company(self.session, company, CompanyAction.CREATED, actor=self.actor)

    async def save(self, company: Company, changed: list[str]) -> CompanyData:
        """Write a changed company and its `updated` event."""
        row = company_to_row(company)
        del row["id"], row["created_at"]
        await self.session.execute(
            update(companies).where(companies.c.id == company.id).values(row)
        )
        return await publish_company(
            self.session, company, CompanyAction.UPDATED, actor=self.actor, changed=changed
        )

    async def has_live_contacts(self, company_id: uuid.UUID) -> bool:
        """Whether any contact that is not erased works at the company."""
        stmt = select(exists().where(contacts.c.company_id == company_id, ~contacts.c.erased))
        return bool((await self.session.execute(stmt)).scalar())

    async def delete(self, company: Company) -> None:
        """Delete the company. Erased tombstones still pointing at it are let go first."""
        await self.session.execute(
            update(contacts)
            .where(contacts.c.company_id == company.id, contacts.c.erased)
            .values(company_id=None)
        )
        await self.session.execute(delete(companies).where(companies.c.id == company.id))
        company.version += 1
        await publish_company(self.session, company, CompanyAction.DELETED, actor=self.actor)
