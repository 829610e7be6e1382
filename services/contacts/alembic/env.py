"""Alembic environment of the contacts database (all the work is in crm_shared)."""

from crm_contacts.adapters.tables import metadata
from crm_shared.migrations import run_alembic_env

run_alembic_env(metadata)
