"""Builds the contacts service's app: routers, tables, consumers, published topics."""

from __future__ import annotations

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from crm_contacts.adapters.tables import metadata
from crm_contacts.api import ROUTERS
from crm_contacts.api.custom_field_docs import install_custom_field_docs
from crm_contacts.api.custom_field_runtime import start_custom_fields, stop_custom_fields
from crm_contacts.api.errors import install_domain_errors
from crm_contacts.api.import_schemas import IMPORTS_PATH
from crm_contacts.events.handlers import register_consumers
from crm_contacts.events.schemas import CompanyEventData, ContactEventData
from crm_contacts.events.topics import COMPANY_TOPIC, CONTACT_TOPIC
from crm_contacts.imports.hooks import start_import_worker, stop_import_worker
from crm_contacts.settings import get_settings
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
        title="CRM contacts",
        description="Contacts, companies, tags, notes, timeline, lifecycle stage, GDPR erase.",
        routers=ROUTERS,
        metadata=metadata,
        consumers=consumers,
        publishes={CONTACT_TOPIC: ContactEventData, COMPANY_TOPIC: CompanyEventData},
        startup_hooks=[start_custom_fields, start_import_worker],
        shutdown_hooks=[stop_import_worker, stop_custom_fields],
        streamed_uploads=[IMPORTS_PATH],
    )
    install_domain_errors(app)
    install_custom_field_docs(app)
    return app
