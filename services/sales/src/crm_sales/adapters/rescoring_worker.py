"""Where rescoring runs: inside the request for a small backlog, else in the background.

After a scoring change commits, a backlog of at most SALES_RESCORE_INLINE_LIMIT stale
leads (2,000) is rescored before the request answers, so the client reads the new scores
at once. A bigger one is left to the worker every replica runs: woken at once by this
replica, and polling every SALES_RESCORE_POLL_SECONDS (5) for changes made elsewhere,
for batches skipped because a writer held the lead, and after a restart.
"""

from __future__ import annotations

import os

import structlog
from fastapi import FastAPI

from crm_sales.adapters.rescoring import count_stale, rescore_all
from crm_shared.db import Database
from crm_shared.periodic import BackgroundLoop, loop_hooks

INLINE_LIMIT = int(os.environ.get("SALES_RESCORE_INLINE_LIMIT", "2000"))
POLL_SECONDS = float(os.environ.get("SALES_RESCORE_POLL_SECONDS", "5"))

_log = structlog.get_logger("crm.sales.rescoring")


def rescoring_worker(db: Database, *, poll_seconds: float = POLL_SECONDS) -> BackgroundLoop:
    """The loop rescoring stale leads (not started); `wake()` it after a scoring change."""

    async def rescore() -> bool:
        if rescored := await rescore_all(db):
            _log.info("leads rescored", count=rescored)
        return False

    return BackgroundLoop("sales.lead-rescoring", rescore, poll_seconds=poll_seconds)


# The replica's rescoring worker, as app.state.rescoring.
start_rescoring, stop_rescoring = loop_hooks(
    "rescoring", lambda app: rescoring_worker(app.state.db)
)


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
    worker: BackgroundLoop | None = getattr(app.state, "rescoring", None)
    if worker is not None:
        worker.wake()
    return False
