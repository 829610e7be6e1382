"""Where rescoring runs: inside the request for a small backlog, else in the background.

After a scoring change commits, a backlog of at most SALES_RESCORE_INLINE_LIMIT stale
leads (2,000) is rescored before the request answers, so the client reads the new scores
at once. A bigger one is left to the worker every replica runs: woken at once by this
replica, and polling every SALES_RESCORE_POLL_SECONDS (5) for changes made elsewhere,
for batches skipped because a writer held the lead, and after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import os

import structlog
from fastapi import FastAPI

from crm_sales.adapters.rescoring import count_stale, rescore_all
from crm_shared.db import Database

INLINE_LIMIT = int(os.environ.get("SALES_RESCORE_INLINE_LIMIT", "2000"))
POLL_SECONDS = float(os.environ.get("SALES_RESCORE_POLL_SECONDS", "5"))

_log = structlog.get_logger("crm.sales.rescoring")


class RescoringWorker:
    """Rescores stale leads in the background until stopped."""

    def __init__(self, db: Database, *, poll_seconds: float = POLL_SECONDS) -> None:
        self.db = db
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Run in the background until stop()."""
        self._task = asyncio.create_task(self._run(), name="lead-rescoring")

    def wake(self) -> None:
        """Look for stale leads now rather than at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        """Stop after the batch in progress (its transaction commits or rolls back)."""
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                if rescored := await rescore_all(self.db):
                    _log.info("leads rescored", count=rescored)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _log.warning("rescoring interrupted; will retry", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)


async def start_rescoring(app: FastAPI) -> None:
    """Startup hook: the replica's rescoring worker."""
    app.state.rescoring = RescoringWorker(app.state.db)
    app.state.rescoring.start()


async def stop_rescoring(app: FastAPI) -> None:
    """Shutdown hook: stop the worker while the database is still open."""
    worker: RescoringWorker | None = getattr(app.state, "rescoring", None)
    if worker is not None:
        await worker.stop()


async def settle_scores(app: FastAPI) -> bool:
    """After a scoring change: rescore now if the backlog is small (True), else wake
    the background worker (False)."""
    db: Database = app.state.db
    async with db.sessions() as session:
        stale = await count_stale(session, INLINE_LIMIT + 1)
    if stale <= INLINE_LIMIT:
        try:
            await rescore_all(db)
            return True
        except Exception as exc:
            # The change itself is committed: the worker finishes what this could not.
            _log.warning("inline rescoring failed; left to the worker", error=repr(exc))
    worker: RescoringWorker | None = getattr(app.state, "rescoring", None)
    if worker is not None:
        worker.wake()
    return False
