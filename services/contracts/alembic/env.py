"""Alembic environment of the contracts database (all the work is in crm_shared)."""

from crm_contracts.adapters.tables import metadata
from crm_shared.migrations import run_alembic_env

run_alembic_env(metadata)
