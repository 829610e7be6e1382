"""Async SQLAlchemy engine, sessions and the tables every service database has."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import asyncpg
import orjson
from fastapi import Depends, Request
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def json_dumps(value: Any) -> str:
    """JSON for JSONB columns: orjson handles UUIDs, datetimes and decimals-as-strings."""
    return orjson.dumps(value, default=str).decode()


class Database:
    """One service's database: an engine and a session factory."""

    def __init__(self, url: str, *, pool_size: int = 20) -> None:
        self.url = url
        self.engine: AsyncEngine = create_async_engine(
            url,
            pool_size=pool_size,
            # No overflow: under load, overflow connections are opened and closed per
            # request, which costs more than waiting for a pooled one.
            max_overflow=0,
            pool_pre_ping=False,
            json_serializer=json_dumps,
            json_deserializer=orjson.loads,
        )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self.pool_size = pool_size
        self._pool: asyncpg.Pool | None = None

    async def open_pool(self) -> None:
        """Open the plain asyncpg pool (the app's lifespan does this at start-up)."""
        if self._pool is None:
            self._pool = await asyncpg.create_pool(
                asyncpg_dsn(self.url),
                min_size=1,
                max_size=self.pool_size,
                reset=_keep_session,
            )

    @property
    def pool(self) -> asyncpg.Pool:
        """Plain asyncpg connections, for a hot path that is one SQL statement.

        SQLAlchemy's per-statement work costs more than PostgreSQL's on a single-row
        insert; everything else goes through `sessions`. Connections return to the pool
        without a reset query, so nothing run here may leave session state behind (SET,
        LISTEN, advisory locks, cursors).
        """
        if self._pool is None:
            raise RuntimeError("the asyncpg pool is not open: call open_pool() first")
        return self._pool

    async def dispose(self) -> None:
        """Close every pooled connection."""
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
        await self.engine.dispose()


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Release a pooled connection without asyncpg's reset query (a round trip per use).

    The pool only runs single statements that leave no session state behind (no SET,
    LISTEN, advisory lock or cursor); asyncpg still rolls back an open transaction and
    drops listeners before calling this.
    """


def asyncpg_dsn(url: str) -> str:
    """The plain `postgresql://` DSN asyncpg wants, from a SQLAlchemy URL."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


def add_infra_tables(metadata: MetaData) -> None:
    """Attach the outbox, inbox and idempotency tables that every service database has."""
    Table(
        "outbox",
        metadata,
        Column("id", BigInteger, Identity(), primary_key=True),
        Column("event_id", Uuid, nullable=False),
        Column("topic", Text, nullable=False),
        Column("key", Text, nullable=False),
        Column("payload", JSONB, nullable=False),
        Column("traceparent", Text),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )
    Table(
        "processed_events",
        metadata,
        Column("consumer", Text, nullable=False),
        Column("event_id", Text, nullable=False),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("consumer", "event_id"),
        # Retention: crm_shared.inbox.purge_processed deletes the oldest rows by this.
        Index("ix_processed_events_processed_at", "processed_at"),
    )
    Table(
        "idempotency_keys",
        metadata,
        Column("principal", Text, nullable=False),
        Column("key", Text, nullable=False),
        Column("request_hash", Text, nullable=False),
        Column("status_code", Integer),
        Column("response_headers", JSONB),
        Column("response_body", LargeBinary),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        PrimaryKeyConstraint("principal", "key"),
    )


def new_metadata() -> MetaData:
    """A MetaData with our naming convention and the infra tables already on it."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    add_infra_tables(metadata)
    return metadata


def resource_columns() -> list[Column[Any]]:
    """`created_at`, `updated_at` and `version`: the columns every API resource has."""
    return [
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Column("version", Integer, nullable=False),
    ]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for one request; the handler commits explicitly."""
    database: Database = request.app.state.db
    async with database.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_database(request: Request) -> Database:
    """The service's Database (for routes that use its asyncpg pool)."""
    # async on purpose: FastAPI runs a plain `def` dependency in a worker thread, which
    # costs more than the rest of a single-row insert.
    database: Database = request.app.state.db
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]
