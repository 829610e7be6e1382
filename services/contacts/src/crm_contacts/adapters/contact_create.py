"""Creating a contact in one statement: the row, its first timeline entry and its outbox
event, so a create costs one database round trip and no BEGIN/COMMIT.

This is the service's hottest write. The statement is plain SQL prepared once by asyncpg
and run directly on the pooled driver connection, outside any transaction (a single
statement is atomic on its own): SQLAlchemy's per-execution work costs more than the
database does here. The outbox row holds exactly what crm_shared.outbox.add writes.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.rows import CONTACT_COLUMNS, contact_to_row
from crm_contacts.domain.contact import Contact
from crm_contacts.domain.timeline import TimelineEntry
from crm_shared.db import json_dumps

_JSON_COLUMNS = ("custom_fields", "consent")
_N = len(CONTACT_COLUMNS)
# Built once from constant column names; every value travels as a parameter.
CREATE_CONTACT = f"""
WITH new_contact AS (
    INSERT INTO contacts ({", ".join(CONTACT_COLUMNS)})
    VALUES ({", ".join(f"${i}" for i in range(1, _N + 1))})
    RETURNING id, version, created_at
), first_entry AS (
    INSERT INTO contact_timeline (id, contact_id, kind, occurred_at, actor, version, details)
    SELECT ${_N + 1}, id, ${_N + 2}, created_at, ${_N + 3}, version, ${_N + 4} FROM new_contact
)
INSERT INTO outbox (event_id, topic, key, payload, traceparent)
SELECT ${_N + 5}, ${_N + 6}, id::text, ${_N + 7}, ${_N + 8} FROM new_contact
"""  # noqa: S608


async def insert_new_contact(
    session: AsyncSession,
    contact: Contact,
    entry: TimelineEntry,
    *,
    actor: str | None,
    event: dict[str, Any],
    topic: str,
) -> None:
    """Insert the contact, its first timeline entry and `event`, committed at once.

    Must be the session's first statement. A refused row raises SQLAlchemy's
    IntegrityError, as any other write would.
    """
    row = contact_to_row(contact)
    for name in _JSON_COLUMNS:
        row[name] = json_dumps(row[name])
    args = [row[name] for name in CONTACT_COLUMNS]
    args += [uuid.uuid4(), entry.kind.value, actor, json_dumps(entry.details)]
    args += [uuid.UUID(event["id"]), topic, json_dumps(event), event.get("traceparent")]
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    # Straight to the driver: SQLAlchemy has not begun a transaction on this connection,
    # so the statement commits by itself.
    try:
        await raw.driver_connection.execute(CREATE_CONTACT, *args)  # type: ignore[union-attr]
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise IntegrityError(CREATE_CONTACT, None, exc) from exc
