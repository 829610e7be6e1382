"""Builds the sales service's app: routers, tables, consumers, published topics."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from crm_sales.adapters.activity_scheduler import start_overdue_scheduler, stop_overdue_scheduler
from crm_sales.adapters.automation_scheduler import (
    start_automation_scheduler,
    stop_automation_scheduler,
)
from crm_sales.adapters.rescoring_worker import start_rescoring, stop_rescoring
from crm_sales.adapters.tables import metadata
from crm_sales.api import ROUTERS
from crm_sales.api.deal_problems import install_deal_errors
from crm_sales.api.lead_problems import install_lead_errors
from crm_sales.events.activity_schemas import ActivityEventData
from crm_sales.events.conversion_schemas import LeadConversionEventData
from crm_sales.events.deal_schemas import DealEventData
from crm_sales.events.handlers import register_consumers
from crm_sales.events.lead_schemas import LeadEventData
from crm_sales.events.pipeline_schemas import PipelineEventData
from crm_sales.events.quote_schemas import QuoteEventData
from crm_sales.events.target_schemas import TargetEventData
from crm_sales.events.topics import (
    ACTIVITY_TOPIC,
    DEAL_TOPIC,
    LEAD_TOPIC,
    PIPELINE_TOPIC,
    PUBLISHED_TOPICS,
    QUOTE_TOPIC,
    TARGET_TOPIC,
)
from crm_sales.settings import get_settings
from crm_shared.db import Database
from crm_shared.service import create_service_app
from crm_shared.settings import ServiceSettings


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    """The ASGI app (uvicorn calls this as a factory)."""
    settings = settings or get_settings()

    def consumers(broker: KafkaBroker, db: Database) -> None:
        register_consumers(broker, db, settings)

    app = create_service_app(
        settings=settings,
        title="CRM sales",
        description="Leads, scoring and assignment, pipelines, deals, targets, forecast.",
        routers=ROUTERS,
        metadata=metadata,
        consumers=consumers,
        # Every topic carries CloudEvents; the `data` schemas come with the features.
        publishes={
            **dict.fromkeys(PUBLISHED_TOPICS, dict[str, Any]),
            LEAD_TOPIC: LeadConversionEventData | LeadEventData,
            DEAL_TOPIC: DealEventData,
            PIPELINE_TOPIC: PipelineEventData,
            TARGET_TOPIC: TargetEventData,
            ACTIVITY_TOPIC: ActivityEventData,
            QUOTE_TOPIC: QuoteEventData,
        },
        startup_hooks=[start_rescoring, start_overdue_scheduler, start_automation_scheduler],
        shutdown_hooks=[stop_automation_scheduler, stop_overdue_scheduler, stop_rescoring],
    )
    install_lead_errors(app)
    install_deal_errors(app)
    return app
