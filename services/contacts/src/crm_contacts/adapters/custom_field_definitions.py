"""Saving custom field definitions (each change NOTIFYs every process through a trigger)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, RowMapping, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.custom_field_store import StoredDefinition, definition_from_row
from crm_contacts.adapters.tables import custom_field_definitions as definitions
from crm_contacts.domain.custom_fields import ObjectType


def _row(stored: StoredDefinition) -> dict[str, Any]:
    field = stored.definition
    return {
        "object_type": stored.object_type.value,
        "key": field.key,
        "label": field.label,
        "type": field.type.value,
        "required": field.required,
        "unique": field.unique,
        "options": list(field.options),
        "description": field.description,
        "deleting": stored.deleting,
        "created_at": stored.created_at,
        "updated_at": stored.updated_at,
        "version": stored.version,
    }


def _where(object_type: ObjectType, key: str) -> tuple[ColumnElement[bool], ...]:
    return (definitions.c.object_type == object_type.value, definitions.c.key == key)


async def list_definitions(
    session: AsyncSession, object_type: ObjectType
) -> list[StoredDefinition]:
    """The live definitions of `object_type`, oldest first."""
    stmt = (
        select(definitions)
        .where(definitions.c.object_type == object_type.value, ~definitions.c.deleting)
        .order_by(definitions.c.created_at, definitions.c.key)
    )
    rows = (await session.execute(stmt)).mappings().all()
    return [_stored(row) for row in rows]


async def get_definition(
    session: AsyncSession, object_type: ObjectType, key: str, *, lock: bool = False
) -> StoredDefinition | None:
    """The definition (also one being deleted), or None; `lock` holds its row."""
    stmt = select(definitions).where(*_where(object_type, key))
    if lock:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).mappings().first()
    return _stored(row) if row else None


async def insert_definition(session: AsyncSession, stored: StoredDefinition) -> None:
    """Add a new definition."""
    await session.execute(insert(definitions).values(_row(stored)))


async def update_definition(session: AsyncSession, stored: StoredDefinition) -> None:
    """Write a changed definition."""
    where = _where(stored.object_type, stored.definition.key)
    await session.execute(update(definitions).where(*where).values(_row(stored)))


async def delete_definition(session: AsyncSession, object_type: ObjectType, key: str) -> None:
    """Remove a definition whose values are all gone."""
    await session.execute(delete(definitions).where(*_where(object_type, key)))


async def pending_deletions(session: AsyncSession) -> list[StoredDefinition]:
    """Definitions whose values are still being removed (to resume after a restart)."""
    stmt = select(definitions).where(definitions.c.deleting)
    return [_stored(row) for row in (await session.execute(stmt)).mappings().all()]


def _stored(row: RowMapping) -> StoredDefinition:
    return StoredDefinition(
        object_type=ObjectType(row["object_type"]),
        definition=definition_from_row(row),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
        deleting=row["deleting"],
    )
