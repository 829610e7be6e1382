"""Removing a deleted custom field's values, batch by batch, in the background.

Deleting a definition marks it `deleting` (writes refuse the key at once); then every
row holding a value loses it, a batch per transaction, each row getting a new version,
an `updated` event (changed: custom_fields) and, for contacts, a timeline entry, so
every read model forgets the value too. Batches find their rows through the field's own
index, which is dropped last, with the definition. A restart resumes unfinished purges
(rows are picked with SKIP LOCKED, so two processes resuming one purge never collide).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import Table, insert, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.custom_field_definitions import delete_definition, pending_deletions
from crm_contacts.adapters.custom_field_indexes import TABLES, drop_index
from crm_contacts.adapters.custom_field_sql import key_literal, value_expression
from crm_contacts.adapters.publisher import contact_event, publish_company
from crm_contacts.adapters.rows import company_from_row, contact_from_row
from crm_contacts.adapters.tables import contact_timeline
from crm_contacts.domain.custom_fields import FieldDefinition, ObjectType
from crm_contacts.domain.timeline import TimelineKind
from crm_contacts.events.topics import CONTACT_TOPIC, CompanyAction, ContactAction
from crm_shared import outbox
from crm_shared.db import Database

BATCH = 500
_log = structlog.get_logger("crm.contacts.custom_fields")


async def _purge_batch(
    session: AsyncSession, object_type: ObjectType, field: FieldDefinition, actor: str | None
) -> int:
    table = TABLES[object_type]
    key = key_literal(field.key)
    live = [~table.c.erased] if "erased" in table.c else []
    old = table.c.custom_fields.op("->", return_type=JSONB)(key)
    batch = (
        select(table.c.id, old.label("old_value"))
        .where(*live, value_expression(table, field).is_not(None))
        .limit(BATCH)
        .with_for_update(skip_locked=True)
        .cte("batch")
    )
    stmt = (
        update(table)
        .where(table.c.id == batch.c.id)
        .values(
            custom_fields=table.c.custom_fields.op("-", return_type=JSONB)(key),
            version=table.c.version + 1,
            updated_at=datetime.now(UTC),
        )
        .returning(*table.c, batch.c.old_value)
    )
    rows = (await session.execute(stmt)).mappings().all()
    if object_type is ObjectType.CONTACT:
        await _publish_contacts(session, rows, field.key, actor)
    else:
        for row in rows:
            company = company_from_row(row)
            await publish_company(
                session, company, CompanyAction.UPDATED, actor=actor, changed=["custom_fields"]
            )
    return len(rows)


async def _publish_contacts(session: AsyncSession, rows: Any, key: str, actor: str | None) -> None:
    entries, events = [], []
    for row in rows:
        contact = contact_from_row(row)
        before = {**contact.custom_fields, key: row["old_value"]}
        change = {"custom_fields": {"from": before, "to": contact.custom_fields}}
        entries.append(
            {
                "id": uuid.uuid4(),
                "contact_id": contact.id,
                "kind": TimelineKind.UPDATED.value,
                "occurred_at": contact.updated_at,
                "actor": actor,
                "version": contact.version,
                "details": {"changed": ["custom_fields"], "changes": change},
            }
        )
        _, event = contact_event(
            contact, ContactAction.UPDATED, actor=actor, changed=["custom_fields"]
        )
        events.append((event, CONTACT_TOPIC, str(contact.id)))
    if entries:
        await session.execute(insert(contact_timeline).values(entries))
        await outbox.add_many(session, events)


async def purge_field(
    db: Database, object_type: ObjectType, field: FieldDefinition, actor: str | None
) -> int:
    """Remove every value of a field marked `deleting`, then its indexes and definition."""
    removed = 0
    while True:
        async with db.sessions() as session, session.begin():
            count = await _purge_batch(session, object_type, field, actor)
        removed += count
        if count < BATCH:
            break
    table: Table = TABLES[object_type]
    async with db.pool.acquire() as conn:
        for unique in (False, True):
            await drop_index(conn, table, field.key, unique=unique)
    async with db.sessions() as session, session.begin():
        await delete_definition(session, object_type, field.key)
    _log.info("custom field deleted", object=object_type.value, key=field.key, values=removed)
    return removed


class PurgeRunner:
    """The purges running in this process."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._tasks: set[asyncio.Task[None]] = set()

    def schedule(self, object_type: ObjectType, field: FieldDefinition, actor: str | None) -> None:
        """Start removing the field's values in the background."""
        task = asyncio.create_task(self._run(object_type, field, actor))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def resume(self) -> None:
        """Schedule every purge a previous run left unfinished."""
        async with self._db.sessions() as session:
            for stored in await pending_deletions(session):
                self.schedule(stored.object_type, stored.definition, None)

    async def wait(self) -> None:
        """Until every purge scheduled so far has finished."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def stop(self) -> None:
        """Cancel the purges (the next start resumes them)."""
        for task in self._tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _run(
        self, object_type: ObjectType, field: FieldDefinition, actor: str | None
    ) -> None:
        delay = 1.0
        while True:
            try:
                await purge_field(self._db, object_type, field, actor)
                return
            except Exception as exc:  # the database went away: try again later
                _log.warning("custom field purge failed", key=field.key, error=repr(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
