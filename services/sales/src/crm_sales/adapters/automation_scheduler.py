"""The untouched-lead scheduler every replica runs (stub, being built)."""

from __future__ import annotations

from fastapi import FastAPI


async def start_automation_scheduler(app: FastAPI) -> None:
    """Startup hook (stub)."""


async def stop_automation_scheduler(app: FastAPI) -> None:
    """Shutdown hook (stub)."""
