"""Starting and stopping the import worker with the app (create_service_app's hooks)."""

from __future__ import annotations

from fastapi import FastAPI

from crm_contacts.imports.config import ImportSettings
from crm_contacts.imports.worker import ImportWorker


async def start_import_worker(app: FastAPI) -> None:
    """Start this process' import worker (it resumes imports a restart interrupted)."""
    settings = ImportSettings()
    worker = ImportWorker(
        app.state.db, batch_rows=settings.batch_rows, poll_seconds=settings.poll_seconds
    )
    app.state.import_worker = worker
    worker.start()


async def stop_import_worker(app: FastAPI) -> None:
    """Stop the worker before the database closes; its open batch rolls back."""
    worker: ImportWorker | None = getattr(app.state, "import_worker", None)
    if worker is not None:
        await worker.stop()
