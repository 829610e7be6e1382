"""Builds the contracts service's app: for now only the service defaults and its topics."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from crm_contracts.adapters.tables import metadata
from crm_contracts.events.topics import PUBLISHED_TOPICS
from crm_contracts.settings import get_settings
from crm_shared.service import create_service_app
from crm_shared.settings import ServiceSettings


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The ASGI app (uvicorn calls this as a factory); no routers yet: a skeleton."""
    return create_service_app(
        settings=settings or get_settings(),
        title="CRM contracts",
        description="Contract lifecycle: drafts, approval, signature, renewal (skeleton).",
        routers=[],
        metadata=metadata,
        # Every topic carries CloudEvents; the `data` schemas come with the features.
        publishes=dict.fromkeys(PUBLISHED_TOPICS, dict[str, Any]),
    )
