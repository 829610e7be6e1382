"""Builds the sales service's app: for now only the service defaults and its topics."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from crm_sales.adapters.tables import metadata
from crm_sales.api import ROUTERS
from crm_sales.events.topics import PUBLISHED_TOPICS
from crm_sales.settings import get_settings
from crm_shared.service import create_service_app
from crm_shared.settings import ServiceSettings


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The ASGI app (uvicorn calls this as a factory); no routers yet: a skeleton."""
    return create_service_app(
        settings=settings or get_settings(),
        title="CRM sales",
        description="Leads, pipelines, deals, activities, products, quotes, forecast (skeleton).",
        routers=ROUTERS,
        metadata=metadata,
        # Every topic carries CloudEvents; the `data` schemas come with the features.
        publishes=dict.fromkeys(PUBLISHED_TOPICS, dict[str, Any]),
    )
