"""Alembic helpers so every service's migrations look the same."""

from __future__ import annotations

import asyncio

from alembic import context, op
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from crm_shared.db import add_infra_tables

NOTIFY_CHANNEL = "crm_outbox"

# A statement-level trigger: one NOTIFY per inserting statement, delivered at commit,
# so writers pay no extra round trip to wake the relay.
_NOTIFY_FUNCTION = f"""
CREATE OR REPLACE FUNCTION crm_outbox_notify() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('{NOTIFY_CHANNEL}', '');
  RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""
_NOTIFY_TRIGGER = """
CREATE TRIGGER crm_outbox_notify AFTER INSERT ON outbox
FOR EACH STATEMENT EXECUTE FUNCTION crm_outbox_notify()
"""


def index_processed_events() -> None:
    """The processed_at index inbox retention deletes by (databases made before it)."""
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_processed_events_processed_at "
        "ON processed_events (processed_at)"
    )


def create_infra_tables() -> None:
    """Create outbox, processed_events and idempotency_keys (call from a migration)."""
    metadata = MetaData()
    add_infra_tables(metadata)
    metadata.create_all(op.get_bind())
    op.execute(_NOTIFY_FUNCTION)
    op.execute(_NOTIFY_TRIGGER)


def drop_infra_tables() -> None:
    """Undo create_infra_tables (call from a migration's downgrade)."""
    op.execute("DROP TABLE IF EXISTS outbox, processed_events, idempotency_keys")
    op.execute("DROP FUNCTION IF EXISTS crm_outbox_notify()")


def _run(connection: Connection, target_metadata: MetaData) -> None:
    context.configure(connection=connection, target_metadata=target_metadata)
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(url: str, target_metadata: MetaData) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_run, target_metadata)
    await engine.dispose()


def run_alembic_env(target_metadata: MetaData) -> None:
    """The whole body of a service's alembic/env.py (online, async; URL from the config)."""
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError(
            "sqlalchemy.url is not set: run migrations through `python -m <svc> migrate`"
        )
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(url, target_metadata))
