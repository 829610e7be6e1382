"""Consumers forget the event ids they handled after the retention (CRM_INBOX_RETENTION_DAYS):
purge_processed deletes only older rows, in batches, by the index every service's
migrations create (real PostgreSQL, a service migrated by its own command)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from support.service_app import migrate

from crm_cli.stack import Infra
from crm_shared import inbox
from crm_shared.db import Database


@pytest.mark.parametrize("service", ["marketing", "sales"])
async def test_old_event_ids_are_forgotten_in_batches(
    infra: Infra, service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"retention_{service}_{uuid.uuid4().hex[:8]}"
    url = await infra.create_database(name)
    await migrate(service, url)
    db = Database(url, pool_size=2)
    now = datetime.now(UTC)
    try:
        async with db.engine.begin() as conn:
            indexed = await conn.scalar(
                text("SELECT count(*) FROM pg_indexes WHERE indexname = :name"),
                {"name": "ix_processed_events_processed_at"},
            )
            assert indexed == 1
            rows = [
                {"consumer": "c", "event_id": f"old-{n}", "at": now - timedelta(days=31)}
                for n in range(7)
            ] + [{"consumer": "c", "event_id": "recent", "at": now - timedelta(days=29)}]
            await conn.execute(
                text(
                    "INSERT INTO processed_events (consumer, event_id, processed_at)"
                    " VALUES (:consumer, :event_id, :at)"
                ),
                rows,
            )
        monkeypatch.setattr(inbox, "PURGE_BATCH", 3)  # 3 + 3 + 1: three batches
        assert await inbox.purge_processed(db, older_than=timedelta(days=30)) == 7
        async with db.engine.connect() as conn:
            left = (await conn.execute(text("SELECT event_id FROM processed_events"))).all()
        assert [row.event_id for row in left] == ["recent"]
        assert await inbox.purge_processed(db, older_than=timedelta(days=30)) == 0
    finally:
        await db.dispose()
