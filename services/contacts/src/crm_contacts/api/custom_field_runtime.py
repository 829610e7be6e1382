"""Starting and stopping the custom fields' background work with the app."""

from __future__ import annotations

from fastapi import FastAPI

from crm_contacts.adapters.custom_field_purge import PurgeRunner
from crm_contacts.adapters.custom_field_watch import DefinitionWatch


async def start_custom_fields(app: FastAPI) -> None:
    """Watch definitions (schema cache) and resume unfinished deletions of fields."""
    app.state.custom_field_watch = DefinitionWatch(app.state.db)
    app.state.custom_field_watch.start()
    app.state.custom_field_purges = PurgeRunner(app.state.db)
    await app.state.custom_field_purges.resume()


async def stop_custom_fields(app: FastAPI) -> None:
    """Stop the purges (the next start resumes them) and the watch."""
    await app.state.custom_field_purges.stop()
    await app.state.custom_field_watch.stop()
