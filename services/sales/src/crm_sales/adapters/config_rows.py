"""Versioned configuration rows (assignment, scoring and automation rules, sales reps):
read, add, change and delete one row of a table by its key, each change one version more.

Configuration publishes no events; the caller holds the transaction (and, to change a
row, its lock: `get(..., lock=True)` first).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True, slots=True)
class ConfigRows:
    """The rows of `table`, keyed by its `key` column: a random id given to each new row
    (`generated_key`), or one the caller's values hold (a rep's user id)."""

    table: Table
    key: str = "id"
    generated_key: bool = True

    async def get(
        self, session: AsyncSession, key: uuid.UUID, *, lock: bool = False
    ) -> RowMapping | None:
        """One row, or None; `lock` holds it until the transaction ends."""
        stmt = select(self.table).where(self.table.c[self.key] == key)
        if lock:
            stmt = stmt.with_for_update()
        return (await session.execute(stmt)).mappings().first()

    async def add(self, session: AsyncSession, values: dict[str, Any], now: datetime) -> RowMapping:
        """Insert a row at version 1; the row (IntegrityError if the key is taken)."""
        row = {**values, "created_at": now, "updated_at": now, "version": 1}
        if self.generated_key:
            row[self.key] = uuid.uuid4()
        stmt = insert(self.table).values(row).returning(self.table)
        return (await session.execute(stmt)).mappings().one()

    async def save(
        self, session: AsyncSession, key: uuid.UUID, values: dict[str, Any], now: datetime
    ) -> RowMapping:
        """Change a row (one version more); the row after the change."""
        stmt = (
            update(self.table)
            .where(self.table.c[self.key] == key)
            .values(**values, updated_at=now, version=self.table.c.version + 1)
            .returning(self.table)
        )
        return (await session.execute(stmt)).mappings().one()

    async def delete(self, session: AsyncSession, key: uuid.UUID) -> None:
        """Delete a row."""
        await session.execute(delete(self.table).where(self.table.c[self.key] == key))
