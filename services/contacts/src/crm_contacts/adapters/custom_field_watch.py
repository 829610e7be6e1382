"""Keeps this process's cached custom field schemas current: LISTEN for the NOTIFY that
every change of a definition sends (migration 0003's trigger) and drop the cache.

The cache is trusted only while the LISTEN connection is up; if it breaks, every
load_schema reads the table until the watch is back, so no process ever validates
against definitions another process has changed.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import asyncpg
import structlog

from crm_contacts.adapters.custom_field_store import SchemaCache, register_cache, unregister_cache
from crm_shared.db import Database, asyncpg_dsn

CHANNEL = "crm_custom_fields"
_log = structlog.get_logger("crm.contacts.custom_fields")


class DefinitionWatch:
    """The LISTEN connection of one database, and the cache it keeps honest."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.cache = SchemaCache()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Register the cache and listen in the background until stop()."""
        register_cache(self._db, self.cache)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop listening and stop caching."""
        unregister_cache(self._db)
        self.cache.watching = False
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def _changed(self, *_: Any) -> None:
        self.cache.invalidate()

    async def _run(self) -> None:
        delay = 0.5
        while True:
            lost = asyncio.Event()
            conn: asyncpg.Connection | None = None
            try:
                conn = await asyncpg.connect(asyncpg_dsn(self._db.url))
                conn.add_termination_listener(lambda _, lost=lost: lost.set())
                await conn.add_listener(CHANNEL, self._changed)
                # Changes made before LISTEN took effect were not heard: start afresh.
                self.cache.invalidate()
                self.cache.watching = True
                delay = 0.5
                await lost.wait()
                _log.warning("custom field watch lost its connection; reconnecting")
            except (OSError, asyncpg.PostgresError) as exc:
                _log.warning("custom field watch cannot connect", error=repr(exc), delay=delay)
            finally:
                self.cache.watching = False
                self.cache.invalidate()
                if conn is not None:
                    with contextlib.suppress(Exception):
                        await conn.close(timeout=1)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)
