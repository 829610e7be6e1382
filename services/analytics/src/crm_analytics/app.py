"""Builds the analytics service's app: for now only the service defaults and its topics."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from crm_analytics.adapters.tables import metadata
from crm_analytics.events.topics import PUBLISHED_TOPICS
from crm_analytics.settings import get_settings
from crm_shared.service import create_service_app
from crm_shared.settings import ServiceSettings


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The ASGI app (uvicorn calls this as a factory); no routers yet: a skeleton."""
    return create_service_app(
        settings=settings or get_settings(),
        title="CRM analytics",
        description="Read models: customer 360, funnel, revenue, forecast, CLV (skeleton).",
        routers=[],
        metadata=metadata,
        # Every topic carries CloudEvents; the `data` schemas come with the features.
        publishes=dict.fromkeys(PUBLISHED_TOPICS, dict[str, Any]),
    )
