"""Creating a contact in one statement: the row, its first timeline entry and its outbox
event, so a create costs one database round trip and no BEGIN/COMMIT.

This is the service's hottest write. The statement is plain SQL prepared once by asyncpg
and run on the service's plain asyncpg pool (`Database.pool`), outside any explicit
transaction (a single statement is atomic on its own): SQLAlchemy's per-execution work
costs more than the database does here. The outbox row holds exactly what
crm_shared.outbox.add writes.
"""

from __future__ import annotations

import uuid

import asyncpg
from sqlalchemy.exc import IntegrityError

from crm_contacts.adapters.publisher import contact_event
from crm_contacts.adapters.rows import CONTACT_COLUMNS, contact_to_row
from crm_contacts.domain.contact import Contact
from crm_contacts.domain.timeline import TimelineEntry
from crm_contacts.events.schemas import ContactData
from crm_contacts.events.topics import CONTACT_TOPIC, ContactAction
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
    pool: asyncpg.Pool, contact: Contact, entry: TimelineEntry, *, actor: str | None
) -> ContactData:
    """Insert the contact, its first timeline entry and its `created` event, at once.

    A refused row raises SQLAlchemy's IntegrityError, as any other write would.
    """
    resource, event = contact_event(contact, ContactAction.CREATED, actor=actor)
    row = contact_to_row(contact)
    for name in _JSON_COLUMNS:
        row[name] = json_dumps(row[name])
    args = [row[name] for name in CONTACT_COLUMNS]
    args += [uuid.uuid4(), entry.kind.value, actor, json_dumps(entry.details)]
    args += [uuid.UUID(event["id"]), CONTACT_TOPIC, json_dumps(event), event.get("traceparent")]
    try:
        await pool.execute(CREATE_CONTACT, *args)
    except asyncpg.IntegrityConstraintViolationError as exc:
        raise IntegrityError(CREATE_CONTACT, None, exc) from exc
    return resource
