"""Building and dropping a custom field's index, and what stops one from being built.

CREATE INDEX CONCURRENTLY runs outside any transaction and lets writes go on while it
scans, so these run on a plain pooled asyncpg connection (never inside a session's
transaction: the build waits for every open transaction, its caller's included).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import orjson
from sqlalchemy import Table

from crm_contacts.adapters.custom_field_sql import (
    create_index_sql,
    create_statistics_sql,
    drop_index_sql,
    drop_statistics_sql,
    index_sql_expression,
    live_rows_sql,
    stored_form_sql,
)
from crm_contacts.adapters.tables import companies, contacts
from crm_contacts.domain.custom_fields import FieldDefinition, ObjectType

TABLES: dict[ObjectType, Table] = {ObjectType.CONTACT: contacts, ObjectType.COMPANY: companies}
_SHOWN = 5  # conflicting values or rows a 409 names


class FieldBusyError(Exception):
    """Another request is changing the same field right now."""


class ExistingValuesError(Exception):
    """Rows already stored stop the change: `conflicts` names some of them."""

    def __init__(self, message: str, conflicts: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.conflicts = conflicts


@asynccontextmanager
async def field_lock(
    pool: asyncpg.Pool, object_type: ObjectType, key: str
) -> AsyncIterator[asyncpg.Connection]:
    """A pooled connection holding the field's advisory lock (FieldBusyError if taken)."""
    name = f"crm_custom_field:{object_type.value}:{key}"
    async with pool.acquire() as conn:
        if not await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", name):
            raise FieldBusyError(f"the custom field {key!r} is being changed; try again")
        try:
            yield conn
        finally:
            # Pooled connections must not keep session state (crm_shared.db.Database.pool).
            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", name)


def _live(table: Table, *conditions: str) -> str:
    return " AND ".join(c for c in (live_rows_sql(table), *conditions) if c)


async def check_stored_values(
    conn: asyncpg.Connection, table: Table, definition: FieldDefinition
) -> None:
    """ExistingValuesError if rows hold values of this key that the definition refuses
    (data written before custom fields were defined)."""
    rows = await conn.fetch(
        f"SELECT id, (custom_fields -> '{definition.key}')::text AS value FROM {table.name}"  # noqa: S608
        f" WHERE {_live(table, f'NOT {stored_form_sql(definition)}')} LIMIT {_SHOWN}"
    )
    if rows:
        conflicts = [{"id": str(r["id"]), "value": orjson.loads(r["value"])} for r in rows]
        raise ExistingValuesError(
            f"existing {table.name} hold values of {definition.key!r} that are not"
            f" {definition.type.value} values this field accepts",
            conflicts,
        )


async def build_index(
    conn: asyncpg.Connection, table: Table, definition: FieldDefinition, *, unique: bool
) -> None:
    """(Re)build the field's index; for a unique one, ExistingValuesError naming the
    duplicate values if rows already share one (the failed index is dropped)."""
    # A build that failed half-way leaves an invalid index behind: never reuse one.
    await conn.execute(drop_index_sql(table, definition.key, unique=unique))
    try:
        await conn.execute(create_index_sql(table, definition, unique=unique))
        await conn.execute(create_statistics_sql(table, definition))
        await conn.execute(f"ANALYZE {table.name}")  # a sample: about a second at 1M rows
    except asyncpg.UniqueViolationError:
        await conn.execute(drop_index_sql(table, definition.key, unique=unique))
        raise ExistingValuesError(
            f"existing {table.name} share values of {definition.key!r}",
            await _duplicates(conn, table, definition),
        ) from None


async def drop_index(conn: asyncpg.Connection, table: Table, key: str, *, unique: bool) -> None:
    """Drop the field's index and statistics if they exist."""
    await conn.execute(drop_index_sql(table, key, unique=unique))
    await conn.execute(drop_statistics_sql(table, key))


async def _duplicates(
    conn: asyncpg.Connection, table: Table, definition: FieldDefinition
) -> list[dict[str, Any]]:
    value = index_sql_expression(definition)
    rows = await conn.fetch(
        f"SELECT ((array_agg(custom_fields -> '{definition.key}'))[1])::text AS value,"  # noqa: S608
        f" (array_agg(id ORDER BY created_at, id))[1:{_SHOWN}] AS ids"
        f" FROM {table.name} WHERE {_live(table, f'{value} IS NOT NULL')}"
        f" GROUP BY {value} HAVING count(*) > 1 ORDER BY count(*) DESC LIMIT {_SHOWN}"
    )
    return [{"value": orjson.loads(r["value"]), "ids": [str(i) for i in r["ids"]]} for r in rows]
