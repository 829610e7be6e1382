"""The service's tables. Migrations (alembic/versions) create exactly these.

Besides the infra tables every service has (outbox, processed_events, idempotency_keys),
which new_metadata() attaches, the read models built from other services' events.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, Table, Text, Uuid, text

from crm_shared.db import new_metadata

metadata = new_metadata()

# One row per contact (crm_analytics.domain.customer). `last_sequence` is the contact's
# version in the newest event applied, so an older event arriving late changes nothing.
customers = Table(
    "customers",
    metadata,
    Column("contact_id", Uuid, primary_key=True),
    Column("name", Text),
    Column("email", Text),
    Column("company_id", Uuid),
    Column("lifecycle_stage", Text),
    Column("merged_into", Uuid),
    Column("erased", Boolean, nullable=False, server_default=text("false")),
    Column("deleted", Boolean, nullable=False, server_default=text("false")),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("last_sequence", Integer, nullable=False),
    # Serves "which contacts were merged into this one".
    Index(
        "ix_customers_merged_into", "merged_into", postgresql_where=text("merged_into IS NOT NULL")
    ),
)
