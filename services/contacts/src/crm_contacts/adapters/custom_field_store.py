"""Custom field definitions: the schema every write checks (cached), and saving them.

`load_schema` answers from a per-process cache, so the hot create path pays no database
round trip. A cache is only trusted while its database is watched (custom_field_watch):
a LISTEN connection hears the NOTIFY that every change of a definition sends at commit
and drops the cache, in every process. Unwatched (a CLI, a script), or while the watch
reconnects, every call reads the table. Cached schemas also expire after MAX_AGE seconds,
a bound on staleness should the LISTEN connection hang without breaking.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias

import asyncpg
from sqlalchemy import RowMapping, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from crm_contacts.adapters.tables import custom_field_definitions as definitions
from crm_contacts.domain.custom_fields import FieldDefinition, FieldSchema, FieldType, ObjectType
from crm_shared.db import Database

# SQLAlchemy sessions or connections, the service's Database (its asyncpg pool), or plain
# asyncpg (a pool, or a connection: those are never cached, they read the table).
Source: TypeAlias = AsyncSession | AsyncConnection | Database | asyncpg.Pool | asyncpg.Connection
MAX_AGE = 60.0
_COLUMNS = ("key", "label", "type", "required", "unique", "options", "description")
_LOAD_SQL = (
    'SELECT key, label, type, required, "unique", options, description'
    " FROM custom_field_definitions WHERE object_type = $1 AND NOT deleting"
    " ORDER BY created_at, key"
)


class SchemaCache:
    """The schemas of one database, trusted only while `watching`."""

    def __init__(self) -> None:
        self.watching = False
        self.generation = 0
        self._schemas: dict[ObjectType, tuple[FieldSchema, float]] = {}

    def get(self, object_type: ObjectType) -> FieldSchema | None:
        """The cached schema, if current."""
        entry = self._schemas.get(object_type) if self.watching else None
        if entry is None or time.monotonic() - entry[1] > MAX_AGE:
            return None
        return entry[0]

    def put(self, object_type: ObjectType, schema: FieldSchema, generation: int) -> None:
        """Keep `schema`, read while the cache was at `generation`, unless it moved on
        meanwhile (a NOTIFY may arrive between the read and now)."""
        if self.watching and generation == self.generation:
            self._schemas[object_type] = (schema, time.monotonic())

    def invalidate(self) -> None:
        """Forget every schema (definitions changed, or the watch was lost)."""
        self.generation += 1
        self._schemas.clear()


# By id() of the database's SQLAlchemy engine and of its asyncpg pool; custom_field_watch
# registers and unregisters them with the app's lifespan.
_caches: dict[int, SchemaCache] = {}


def register_cache(db: Database, cache: SchemaCache) -> None:
    """Serve `db`'s schemas (through its engine, sessions and pool) from `cache`."""
    _caches[id(db.engine.sync_engine)] = cache
    _caches[id(db.pool)] = cache


def unregister_cache(db: Database) -> None:
    """Stop caching `db`'s schemas."""
    _caches.pop(id(db.engine.sync_engine), None)
    _caches.pop(id(db.pool), None)


def cache_of(source: Source) -> SchemaCache | None:
    """The cache serving `source`, if its database is watched."""
    if isinstance(source, Database):
        return _caches.get(id(source.engine.sync_engine))
    if isinstance(source, AsyncSession):
        bind = source.bind
        return _caches.get(id(bind.sync_engine)) if bind is not None else None
    if isinstance(source, AsyncConnection):
        return _caches.get(id(source.engine.sync_engine))
    return _caches.get(id(source))


async def load_schema(source: Source, object_type: ObjectType) -> FieldSchema:
    """The live definitions of `object_type` (cached while the database is watched)."""
    cache = cache_of(source)
    if cache is not None and (schema := cache.get(object_type)) is not None:
        return schema
    generation = cache.generation if cache is not None else 0
    rows = await _fetch(source, object_type)
    schema = FieldSchema({row["key"]: definition_from_row(row) for row in rows})
    if cache is not None:
        cache.put(object_type, schema, generation)
    return schema


async def _fetch(source: Source, object_type: ObjectType) -> list[Any]:
    if isinstance(source, AsyncSession | AsyncConnection):
        stmt = (
            select(*(definitions.c[name] for name in _COLUMNS))
            .where(definitions.c.object_type == object_type.value, ~definitions.c.deleting)
            .order_by(definitions.c.created_at, definitions.c.key)
        )
        return list((await source.execute(stmt)).mappings().all())
    pool = source.pool if isinstance(source, Database) else source
    return list(await pool.fetch(_LOAD_SQL, object_type.value))


def definition_from_row(row: RowMapping | asyncpg.Record) -> FieldDefinition:
    """A definition loaded from its row."""
    return FieldDefinition(
        key=row["key"],
        label=row["label"],
        type=FieldType(row["type"]),
        required=row["required"],
        unique=row["unique"],
        options=tuple(row["options"]),
        description=row["description"],
    )


@dataclass(frozen=True, slots=True)
class StoredDefinition:
    """A definition as the API shows it: the field, and its resource bookkeeping."""

    object_type: ObjectType
    definition: FieldDefinition
    created_at: datetime
    updated_at: datetime
    version: int
    deleting: bool = False
