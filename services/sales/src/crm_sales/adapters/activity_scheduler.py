"""The overdue scheduler every replica runs: every SALES_OVERDUE_POLL_SECONDS (30) it
claims the activities that became overdue, SALES_OVERDUE_BATCH (100) per transaction.

Replicas need no leader: claim_overdue's row locks split the work between them.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import structlog
from fastapi import FastAPI

from crm_sales.adapters.activity_overdue import notify_overdue
from crm_shared.db import Database
from crm_shared.periodic import BackgroundLoop, loop_hooks

_log = structlog.get_logger("crm.sales.activities")


def overdue_scheduler(db: Database, *, poll_seconds: float, batch: int) -> BackgroundLoop:
    """The loop announcing overdue activities (not started)."""

    async def announce() -> bool:
        if count := await notify_overdue(db, now=datetime.now(UTC), batch=batch):
            _log.info("overdue activities announced", count=count)
        return False

    return BackgroundLoop("sales.activity-overdue", announce, poll_seconds=poll_seconds)


def _build(app: FastAPI) -> BackgroundLoop:
    return overdue_scheduler(
        app.state.db,
        poll_seconds=float(os.environ.get("SALES_OVERDUE_POLL_SECONDS", "30")),
        batch=int(os.environ.get("SALES_OVERDUE_BATCH", "100")),
    )


# This replica's scheduler, as app.state.overdue_scheduler: settings are read at start-up
# (tests and deployments set them in the environment); stopped while the database is
# still open.
start_overdue_scheduler, stop_overdue_scheduler = loop_hooks("overdue_scheduler", _build)
