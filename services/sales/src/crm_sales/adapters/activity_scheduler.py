"""The overdue scheduler every replica runs: every SALES_OVERDUE_POLL_SECONDS (30) it
claims the activities that became overdue, SALES_OVERDUE_BATCH (100) per transaction.

Replicas need no leader: claim_overdue's row locks split the work between them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from datetime import UTC, datetime

import structlog
from fastapi import FastAPI

from crm_sales.adapters.activity_overdue import notify_overdue
from crm_shared.db import Database

_log = structlog.get_logger("crm.sales.activities")


class OverdueScheduler:
    """Announces overdue activities in the background until stopped."""

    def __init__(self, db: Database, *, poll_seconds: float, batch: int) -> None:
        self.db = db
        self.poll_seconds = poll_seconds
        self.batch = batch
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Run in the background until stop()."""
        self._task = asyncio.create_task(self._run(), name="activity-overdue")

    async def stop(self) -> None:
        """Stop; a batch in progress rolls back and is claimed again later."""
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                now = datetime.now(UTC)
                if count := await notify_overdue(self.db, now=now, batch=self.batch):
                    _log.info("overdue activities announced", count=count)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _log.warning("overdue pass interrupted; will retry", error=repr(exc))
            await asyncio.sleep(self.poll_seconds)


async def start_overdue_scheduler(app: FastAPI) -> None:
    """Startup hook: this replica's overdue scheduler (settings read now, so tests and
    deployments set them in the environment)."""
    app.state.overdue_scheduler = OverdueScheduler(
        app.state.db,
        poll_seconds=float(os.environ.get("SALES_OVERDUE_POLL_SECONDS", "30")),
        batch=int(os.environ.get("SALES_OVERDUE_BATCH", "100")),
    )
    app.state.overdue_scheduler.start()


async def stop_overdue_scheduler(app: FastAPI) -> None:
    """Shutdown hook: stop the scheduler while the database is still open."""
    scheduler: OverdueScheduler | None = getattr(app.state, "overdue_scheduler", None)
    if scheduler is not None:
        await scheduler.stop()
