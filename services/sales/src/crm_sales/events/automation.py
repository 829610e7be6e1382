"""Automation rules evaluated on events (stub, being built)."""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from crm_shared.db import Database
from crm_shared.settings import ServiceSettings


def register_automation(broker: KafkaBroker, db: Database, settings: ServiceSettings) -> None:
    """Subscribe the automation consumer (stub: nothing yet)."""
