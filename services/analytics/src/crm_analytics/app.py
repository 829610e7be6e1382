"""Builds the analytics service's app: read-model routers and the consumers that feed them."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from crm_analytics.adapters.tables import metadata
from crm_analytics.api import ROUTERS
from crm_analytics.events.handlers import register_consumers
from crm_analytics.events.topics import PUBLISHED_TOPICS
from crm_analytics.settings import get_settings
from crm_shared.db import Database
from crm_shared.service import create_service_app
from crm_shared.settings import ServiceSettings


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The ASGI app (uvicorn calls this as a factory)."""
    settings = settings or get_settings()

    def consumers(broker: KafkaBroker, db: Database) -> None:
        register_consumers(broker, db, settings)

    return create_service_app(
        settings=settings,
        title="CRM analytics",
        description="Read models: customer 360 (first piece); funnel, revenue, forecast, CLV"
        " to come.",
        routers=ROUTERS,
        metadata=metadata,
        consumers=consumers,
        # Analytics publishes nothing: its read models never leave its database.
        publishes=dict.fromkeys(PUBLISHED_TOPICS, dict[str, Any]),
    )
