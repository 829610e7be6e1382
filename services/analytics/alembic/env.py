"""Alembic environment of the analytics database (all the work is in crm_shared)."""

from crm_analytics.adapters.tables import metadata
from crm_shared.migrations import run_alembic_env

run_alembic_env(metadata)
