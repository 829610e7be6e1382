"""The activities table (migration 0005 creates exactly this), on the service's metadata."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, DateTime, Index, Integer, Table, Text, Uuid, text

from crm_sales.adapters.tables import metadata

activities = Table(
    "activities",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("kind", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("notes", Text),
    Column("due_at", DateTime(timezone=True)),
    Column("completed_at", DateTime(timezone=True)),
    # Set by the overdue scheduler when it publishes `overdue`; cleared by a new due date.
    Column("overdue_notified_at", DateTime(timezone=True)),
    Column("owner_id", Uuid),
    Column("lead_id", Uuid),
    Column("deal_id", Uuid),
    Column("contact_id", Uuid),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("version", Integer, nullable=False),
    CheckConstraint("kind IN ('task', 'call', 'meeting', 'email')", name="kind"),
    CheckConstraint("num_nonnulls(lead_id, deal_id, contact_id) = 1", name="one_target"),
    Index("ix_activities_created_at_id", "created_at", "id"),
    Index("ix_activities_owner_id", "owner_id", "created_at", "id"),
    Index("ix_activities_lead_id", "lead_id", "created_at", "id"),
    Index("ix_activities_deal_id", "deal_id", "created_at", "id"),
    Index("ix_activities_contact_id", "contact_id", "created_at", "id"),
    # What the scheduler scans: only activities still waiting for their overdue event.
    Index(
        "ix_activities_overdue_pending",
        "due_at",
        postgresql_where=text("completed_at IS NULL AND overdue_notified_at IS NULL"),
    ),
)
