"""The idle-lead scheduler every replica runs: every SALES_AUTOMATION_POLL_SECONDS (60)
it runs the `lead.untouched` rules, SALES_AUTOMATION_BATCH (100) leads per transaction.

Replicas need no leader: the row locks of automation_idle split the work between them.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

import structlog
from fastapi import FastAPI

from crm_sales.adapters.automation_idle import reassign_idle_leads
from crm_shared.db import Database
from crm_shared.periodic import BackgroundLoop, loop_hooks

_log = structlog.get_logger("crm.sales.automation")


def automation_scheduler(db: Database, *, poll_seconds: float, batch: int) -> BackgroundLoop:
    """The loop running the idle-lead rules (not started)."""

    async def reassign() -> bool:
        if count := await reassign_idle_leads(db, now=datetime.now(UTC), batch=batch):
            _log.info("idle leads handled", count=count)
        return False

    return BackgroundLoop("sales.automation-idle-leads", reassign, poll_seconds=poll_seconds)


def _build(app: FastAPI) -> BackgroundLoop:
    return automation_scheduler(
        app.state.db,
        poll_seconds=float(os.environ.get("SALES_AUTOMATION_POLL_SECONDS", "60")),
        batch=int(os.environ.get("SALES_AUTOMATION_BATCH", "100")),
    )


# This replica's scheduler, as app.state.automation_scheduler: settings are read at start-up
# (tests and deployments set them in the environment); stopped while the database is
# still open.
start_automation_scheduler, stop_automation_scheduler = loop_hooks("automation_scheduler", _build)
