"""Tables of pipelines, deals, stage history and targets (migration 0002 creates exactly
these), on the service's one `metadata` (adapters.tables)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)

from crm_sales.adapters.tables import metadata
from crm_shared.db import resource_columns

# Exact money: 15 digits before the point, 4 after (no currency has more minor digits).
Money = Numeric(19, 4)


pipelines = Table(
    "pipelines",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("is_default", Boolean, nullable=False, server_default=text("false")),
    *resource_columns(),
    Index("uq_pipelines_name", text("lower(name)"), unique=True),
    # At most one default pipeline.
    Index("uq_pipelines_default", "is_default", unique=True, postgresql_where=text("is_default")),
    Index("ix_pipelines_created_at_id", "created_at", "id"),
)

pipeline_stages = Table(
    "pipeline_stages",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("pipeline_id", Uuid, ForeignKey("pipelines.id", ondelete="CASCADE"), nullable=False),
    Column("position", SmallInteger, nullable=False),
    Column("name", Text, nullable=False),
    Column("probability", SmallInteger, nullable=False),
    Column("kind", Text, nullable=False),
    CheckConstraint("probability BETWEEN 0 AND 100", name="probability"),
    CheckConstraint("kind IN ('open', 'won', 'lost')", name="kind"),
    # Deals name (stage, pipeline) together, so a deal's stage is always its pipeline's.
    UniqueConstraint("id", "pipeline_id", name="uq_pipeline_stages_id_pipeline"),
    # Deferred: reordering swaps positions within one transaction.
    UniqueConstraint(
        "pipeline_id",
        "position",
        name="uq_pipeline_stages_position",
        deferrable=True,
        initially="DEFERRED",
    ),
)

deals = Table(
    "deals",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("amount", Money, nullable=False),
    Column("currency", Text, nullable=False),
    Column("close_date", Date),
    Column("pipeline_id", Uuid, nullable=False),
    Column("stage_id", Uuid, nullable=False),
    Column("status", Text, nullable=False),
    Column("owner_id", Uuid),
    Column("contact_id", Uuid),
    Column("company_id", Uuid),
    Column("lost_reason", Text),
    *resource_columns(),
    # The stage exists and is the pipeline's (so the pipeline exists too).
    ForeignKeyConstraint(
        ["stage_id", "pipeline_id"],
        ["pipeline_stages.id", "pipeline_stages.pipeline_id"],
        name="fk_deals_stage_id_pipeline_stages",
    ),
    CheckConstraint("status IN ('open', 'won', 'lost')", name="status"),
    CheckConstraint("amount >= 0", name="amount"),
    # Every list is (created_at, id) pages, optionally narrowed by one of these.
    Index("ix_deals_created_at_id", "created_at", "id"),
    Index("ix_deals_pipeline_id", "pipeline_id", "created_at", "id"),
    Index("ix_deals_stage_id", "stage_id", "created_at", "id"),
    Index("ix_deals_owner_id", "owner_id", "created_at", "id"),
    Index("ix_deals_contact_id", "contact_id", "created_at", "id"),
    Index("ix_deals_company_id", "company_id", "created_at", "id"),
    Index("ix_deals_status", "status", "created_at", "id"),
    # The forecast reads a period's deals from this index alone (index-only scan).
    Index(
        "ix_deals_close_date_forecast",
        "close_date",
        postgresql_include=["owner_id", "currency", "status", "stage_id", "pipeline_id", "amount"],
    ),
)

deal_stage_history = Table(
    "deal_stage_history",
    metadata,
    Column("seq", BigInteger, Identity(), primary_key=True),
    Column("deal_id", Uuid, ForeignKey("deals.id", ondelete="CASCADE"), nullable=False),
    Column("pipeline_id", Uuid, nullable=False),
    Column("from_stage_id", Uuid),
    Column("to_stage_id", Uuid, nullable=False),
    Column("status", Text, nullable=False),
    Column("probability", SmallInteger, nullable=False),
    Column("amount", Money, nullable=False),
    Column("currency", Text, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("actor", Text),
    Column("version", Integer, nullable=False),
    Index("ix_deal_stage_history_deal_id_seq", "deal_id", "seq"),
)

sales_targets = Table(
    "sales_targets",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("owner_id", Uuid, nullable=False),
    Column("period", Text, nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_before", Date, nullable=False),
    Column("amount", Money, nullable=False),
    Column("currency", Text, nullable=False),
    *resource_columns(),
    UniqueConstraint("owner_id", "period", "currency", name="uq_sales_targets_owner_period"),
    CheckConstraint("amount > 0", name="amount"),
    Index("ix_sales_targets_created_at_id", "created_at", "id"),
    Index("ix_sales_targets_period", "period", "owner_id"),
)
