"""The lead conversions table (migration 0004 creates exactly this), on the service's one
`metadata` (adapters.tables)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Numeric, Table, Text, Uuid

from crm_sales.adapters.tables import metadata

lead_conversions = Table(
    "lead_conversions",
    metadata,
    Column("id", Uuid, primary_key=True),
    # Unique: a lead is converted once (a second request is a 409).
    Column(
        "lead_id",
        Uuid,
        ForeignKey("leads.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("status", Text, nullable=False),
    Column("deal_name", Text, nullable=False),
    Column("deal_amount", Numeric(19, 4), nullable=False),
    Column("deal_currency", Text, nullable=False),
    Column("deal_pipeline_id", Uuid),
    Column("owner_id", Uuid),
    Column("contact_id", Uuid, index=True),
    Column("company_id", Uuid),
    # Unique: the deal is opened once per conversion, whatever is redelivered.
    Column("deal_id", Uuid, unique=True),
    Column("error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
