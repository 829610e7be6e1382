"""Defining, changing and deleting a custom field: the definition row and its index.

Each change holds the field's advisory lock on a pooled connection, builds or drops
indexes there (CONCURRENTLY, so contact writes go on), and writes the definition in a
short transaction of its own; the definition's trigger then tells every process.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator

import asyncpg
from sqlalchemy.exc import IntegrityError

from crm_contacts.adapters.custom_field_definitions import (
    get_definition,
    insert_definition,
    list_definitions,
    update_definition,
)
from crm_contacts.adapters.custom_field_indexes import (
    TABLES,
    ExistingValuesError,
    FieldBusyError,
    build_index,
    check_stored_values,
    drop_index,
    field_lock,
)
from crm_contacts.adapters.custom_field_store import StoredDefinition, cache_of
from crm_contacts.api.custom_field_schemas import CustomFieldIn, CustomFieldPatch, editable
from crm_contacts.api.deps import utc_now
from crm_contacts.api.errors import PROBLEM_TYPE
from crm_contacts.domain.custom_fields import FieldDefinition, ObjectType
from crm_contacts.domain.validation import MAX_CUSTOM_FIELDS
from crm_shared.db import Database
from crm_shared.patching import merged
from crm_shared.problems import ProblemError, not_found
from crm_shared.versioning import check_version


def _conflict(title: str, detail: str, **extra: object) -> ProblemError:
    slug = title.lower().replace(" ", "-")
    return ProblemError(409, title, detail, type_=PROBLEM_TYPE + slug, extra=dict(extra))


@contextlib.asynccontextmanager
async def _locked(
    db: Database, object_type: ObjectType, key: str
) -> AsyncIterator[asyncpg.Connection]:
    """The field's lock, with index conflicts answered as 409 problems."""
    try:
        async with field_lock(db.pool, object_type, key) as conn:
            yield conn
    except FieldBusyError as exc:
        raise _conflict("Custom field busy", str(exc)) from exc
    except ExistingValuesError as exc:
        raise _conflict(
            "Custom field conflicts with data", str(exc), conflicts=exc.conflicts
        ) from exc
    finally:
        # This process need not wait for its own NOTIFY.
        if (cache := cache_of(db)) is not None:
            cache.invalidate()


async def _current(db: Database, object_type: ObjectType, key: str) -> StoredDefinition | None:
    async with db.sessions() as session:
        return await get_definition(session, object_type, key)


async def define_field(
    db: Database, object_type: ObjectType, body: CustomFieldIn
) -> StoredDefinition:
    """Add a field: check stored values of its key, build its index, save it (409s)."""
    field = body.definition()
    table = TABLES[object_type]
    async with _locked(db, object_type, field.key) as conn:
        existing = await _current(db, object_type, field.key)
        if existing is not None:
            what = "is still being deleted" if existing.deleting else "already exists"
            raise _conflict("Custom field exists", f"the custom field {field.key!r} {what}")
        async with db.sessions() as session:
            if len(await list_definitions(session, object_type)) >= MAX_CUSTOM_FIELDS:
                raise _conflict("Too many custom fields", f"at most {MAX_CUSTOM_FIELDS} per object")
        await check_stored_values(conn, table, field)
        await build_index(conn, table, field, unique=field.unique)
        now = utc_now()
        stored = StoredDefinition(object_type, field, created_at=now, updated_at=now, version=1)
        try:
            async with db.sessions() as session, session.begin():
                await insert_definition(session, stored)
        except IntegrityError:
            await drop_index(conn, table, field.key, unique=field.unique)
            raise
    return stored


def _revised(current: FieldDefinition, body: CustomFieldPatch) -> FieldDefinition:
    if body.type not in (None, current.type):
        raise _conflict(
            "Custom field type is fixed",
            f"{current.key!r} is a {current.type.value} field; define a new field instead",
        )
    revised = merged(CustomFieldIn, editable(current), body).definition()
    if removed := [o for o in current.options if o not in revised.options]:
        raise _conflict(
            "Custom field options cannot be removed",
            f"stored values may hold them: {', '.join(removed)}",
        )
    return revised


async def revise_field(
    db: Database, object_type: ObjectType, key: str, body: CustomFieldPatch, if_match: int | None
) -> StoredDefinition:
    """Apply a merge patch; switching `unique` swaps the field's index (409 if the data
    has duplicates)."""
    table = TABLES[object_type]
    async with _locked(db, object_type, key) as conn:
        current = await _current(db, object_type, key)
        if current is None or current.deleting:
            raise not_found("custom field")
        check_version(if_match, current.version)
        revised = _revised(current.definition, body)
        if revised == current.definition:
            return current
        swap = revised.unique != current.definition.unique
        if swap:
            await build_index(conn, table, revised, unique=revised.unique)
        stored = dataclasses.replace(
            current, definition=revised, updated_at=utc_now(), version=current.version + 1
        )
        async with db.sessions() as session, session.begin():
            await update_definition(session, stored)
        if swap:
            await drop_index(conn, table, key, unique=current.definition.unique)
    return stored


async def retire_field(
    db: Database, object_type: ObjectType, key: str, if_match: int | None
) -> StoredDefinition:
    """Mark a field `deleting`: writes refuse it from now on; the caller schedules the
    removal of its values (adapters/custom_field_purge)."""
    async with _locked(db, object_type, key):
        current = await _current(db, object_type, key)
        if current is None or current.deleting:
            raise not_found("custom field")
        check_version(if_match, current.version)
        stored = dataclasses.replace(
            current, deleting=True, updated_at=utc_now(), version=current.version + 1
        )
        async with db.sessions() as session, session.begin():
            await update_definition(session, stored)
    return stored
