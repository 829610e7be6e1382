"""Which unique custom field a failed write collided on, and who holds the value."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.custom_field_indexes import TABLES
from crm_contacts.adapters.custom_field_sql import index_name
from crm_contacts.domain.custom_fields import ObjectType


def unique_field(object_type: ObjectType, constraint: str | None) -> str | None:
    """The key of the unique custom field whose index is `constraint`, if it is one."""
    prefix = index_name(TABLES[object_type], "", unique=True)
    if constraint and constraint.startswith(prefix):
        return constraint.removeprefix(prefix)
    return None


async def holder_of(
    session: AsyncSession, object_type: ObjectType, key: str, value: Any
) -> uuid.UUID | None:
    """The live record whose field `key` holds `value` (served by the GIN index)."""
    table = TABLES[object_type]
    stmt = select(table.c.id).where(table.c.custom_fields.contains({key: value})).limit(1)
    if "erased" in table.c:
        stmt = stmt.where(~table.c.erased)
    return (await session.execute(stmt)).scalar_one_or_none()
