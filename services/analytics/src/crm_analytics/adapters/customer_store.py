"""Loading and saving customer rows in the caller's transaction."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Sequence

from sqlalchemy import RowMapping, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from crm_analytics.adapters.tables import customers
from crm_analytics.domain.customer import Customer

_COLUMNS = tuple(field.name for field in dataclasses.fields(Customer))
# Advisory locks work on rows that do not exist yet (a merge may name a contact whose
# `created` has not arrived): two handlers touching the same contacts take turns.
_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))")


class CustomerStore:
    """Customer rows of one database session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock(self, contact_ids: Iterable[uuid.UUID]) -> None:
        """Hold the contacts until the transaction ends; in id order, so no deadlock."""
        for contact_id in sorted(set(contact_ids)):
            await self.session.execute(_LOCK, {"key": str(contact_id)})

    async def load(self, contact_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Customer]:
        """The rows of `contact_ids` and the rows merged into them."""
        ids = list(contact_ids)
        stmt = select(customers).where(
            or_(customers.c.contact_id.in_(ids), customers.c.merged_into.in_(ids))
        )
        rows = (await self.session.execute(stmt)).mappings().all()
        return {row["contact_id"]: _customer(row) for row in rows}

    async def save(self, rows: Sequence[Customer]) -> None:
        """Insert or replace `rows`."""
        if not rows:
            return
        stmt = insert(customers)
        stmt = stmt.on_conflict_do_update(
            index_elements=[customers.c.contact_id],
            set_={name: stmt.excluded[name] for name in _COLUMNS if name != "contact_id"},
        )
        await self.session.execute(stmt, [dataclasses.asdict(row) for row in rows])

    async def get(self, contact_id: uuid.UUID) -> Customer | None:
        """One row, or None."""
        stmt = select(customers).where(customers.c.contact_id == contact_id)
        row = (await self.session.execute(stmt)).mappings().first()
        return _customer(row) if row else None

    async def merged_into(self, survivor_id: uuid.UUID) -> list[uuid.UUID]:
        """The contacts merged into `survivor_id`, in id order."""
        stmt = (
            select(customers.c.contact_id)
            .where(customers.c.merged_into == survivor_id)
            .order_by(customers.c.contact_id)
        )
        return list((await self.session.execute(stmt)).scalars())


def _customer(row: RowMapping) -> Customer:
    return Customer(**{name: row[name] for name in _COLUMNS})
