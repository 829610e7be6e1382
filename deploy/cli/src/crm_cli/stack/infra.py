"""The infrastructure under the services: one Kafka-protocol broker and one PostgreSQL server."""

from __future__ import annotations

import asyncio
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import ClassVar

import asyncpg

# Every service database gets these: contacts search uses trigrams, emails are citext.
EXTENSIONS: tuple[str, ...] = ("pg_trgm", "citext")
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")


class Infra(ABC):
    """Kafka plus PostgreSQL, started and stopped together; one database per service."""

    kind: ClassVar[str]

    @abstractmethod
    async def start(self) -> None:
        """Start the broker and the database server; return once both accept connections."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop both; safe to call twice or after a failed start."""

    @property
    @abstractmethod
    def kafka_bootstrap(self) -> str:
        """`host:port` for KAFKA_BOOTSTRAP_SERVERS."""

    @abstractmethod
    def dsn(self, database: str) -> str:
        """A plain libpq/asyncpg DSN for `database` (used for administration)."""

    @abstractmethod
    def database_url(self, database: str) -> str:
        """The SQLAlchemy URL (`postgresql+asyncpg://...`) a service uses for `database`."""

    @abstractmethod
    def pause_broker(self) -> None:
        """Freeze the broker: clients' requests hang instead of failing (outage tests)."""

    @abstractmethod
    def resume_broker(self) -> None:
        """Undo pause_broker()."""

    def describe(self) -> str:
        """One line saying what runs where, for humans."""
        return f"{self.kind}: Kafka at {self.kafka_bootstrap}"

    async def create_database(self, name: str) -> str:
        """Create database `name` with its extensions unless it exists; return its URL."""
        if not _IDENTIFIER.match(name):
            raise ValueError(f"not a safe database name: {name!r}")
        admin = await asyncpg.connect(self.dsn("postgres"))
        try:
            exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if not exists:
                await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        conn = await asyncpg.connect(self.dsn(name))
        try:
            for extension in EXTENSIONS:
                await conn.execute(f"CREATE EXTENSION IF NOT EXISTS {extension}")
        finally:
            await conn.close()
        return self.database_url(name)

    async def create_databases(self, names: Iterable[str]) -> dict[str, str]:
        """Create one database per name (serially: CREATE DATABASE copies template1 under a
        lock, so running them at once only queues them); return name -> SQLAlchemy URL."""
        urls = {}
        for name in names:
            urls[name] = await self.create_database(name)
        return urls


async def wait_for_tcp(host: str, port: int, *, timeout: float = 30.0) -> None:
    """Return once something accepts TCP connections on host:port; TimeoutError otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            _, writer = await asyncio.open_connection(host, port)
        except OSError:
            if loop.time() > deadline:
                raise TimeoutError(f"nothing listens on {host}:{port} after {timeout}s") from None
            await asyncio.sleep(0.05)
        else:
            writer.close()
            await writer.wait_closed()
            return
