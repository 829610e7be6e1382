"""Reacting to `crm.contracts.contract` events (stub, being built)."""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from crm_shared.db import Database
from crm_shared.settings import ServiceSettings


def register_contract_reactions(
    broker: KafkaBroker, db: Database, settings: ServiceSettings
) -> None:
    """Subscribe the reactions to contract events (stub: nothing yet)."""
