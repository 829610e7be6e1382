"""Staging an upload: its rows go into `contact_import_rows` with binary COPY while they
are still arriving, so the file is never whole in memory, and a restart finds them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterable, AsyncIterator

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

_COLUMNS = ("import_id", "row_number", "cells")


async def _driver(session: AsyncSession) -> asyncpg.Connection:
    """The asyncpg connection under the session, inside the session's transaction."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver: asyncpg.Connection = raw.driver_connection
    return driver


async def stage_rows(
    session: AsyncSession, import_id: uuid.UUID, rows: AsyncIterable[tuple[int, list[str]]]
) -> int:
    """COPY `(row number, cells)` rows for the import (in the session's transaction);
    returns how many. An error raised by `rows` aborts the COPY and reaches the caller."""
    count = 0

    async def records() -> AsyncIterator[tuple[uuid.UUID, int, list[str]]]:
        nonlocal count
        async for number, cells in rows:
            count += 1
            yield import_id, number, cells

    driver = await _driver(session)
    await driver.copy_records_to_table(
        "contact_import_rows", records=records(), columns=list(_COLUMNS)
    )
    return count
