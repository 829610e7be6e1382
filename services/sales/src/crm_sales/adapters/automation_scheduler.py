"""The idle-lead scheduler every replica runs: every SALES_AUTOMATION_POLL_SECONDS (60)
it runs the `lead.untouched` rules, SALES_AUTOMATION_BATCH (100) leads per transaction.

Replicas need no leader: the row locks of automation_idle split the work between them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from datetime import UTC, datetime

import structlog
from fastapi import FastAPI

from crm_sales.adapters.automation_idle import reassign_idle_leads
from crm_shared.db import Database

_log = structlog.get_logger("crm.sales.automation")


class AutomationScheduler:
    """Runs the idle-lead rules in the background until stopped."""

    def __init__(self, db: Database, *, poll_seconds: float, batch: int) -> None:
        self.db = db
        self.poll_seconds = poll_seconds
        self.batch = batch
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Run in the background until stop()."""
        self._task = asyncio.create_task(self._run(), name="automation-idle-leads")

    async def stop(self) -> None:
        """Stop; a batch in progress rolls back and is taken again later."""
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                now = datetime.now(UTC)
                if count := await reassign_idle_leads(self.db, now=now, batch=self.batch):
                    _log.info("idle leads handled", count=count)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _log.warning("idle-lead pass interrupted; will retry", error=repr(exc))
            await asyncio.sleep(self.poll_seconds)


async def start_automation_scheduler(app: FastAPI) -> None:
    """Startup hook: this replica's idle-lead scheduler (settings read now, so tests and
    deployments set them in the environment)."""
    app.state.automation_scheduler = AutomationScheduler(
        app.state.db,
        poll_seconds=float(os.environ.get("SALES_AUTOMATION_POLL_SECONDS", "60")),
        batch=int(os.environ.get("SALES_AUTOMATION_BATCH", "100")),
    )
    app.state.automation_scheduler.start()


async def stop_automation_scheduler(app: FastAPI) -> None:
    """Shutdown hook: stop the scheduler while the database is still open."""
    scheduler: AutomationScheduler | None = getattr(app.state, "automation_scheduler", None)
    if scheduler is not None:
        await scheduler.stop()
