"""The price book and quotes (migration 0005 creates exactly these).

A quote's line items live in a JSONB column: they are always read and written with
their quote, never queried on their own. Decimals in them are strings, never floats.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Numeric,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from crm_sales.adapters.deal_tables import Money
from crm_sales.adapters.tables import metadata
from crm_shared.db import resource_columns

Percent = Numeric(7, 4)


products = Table(
    "products",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("sku", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("unit_price", Money, nullable=False),
    Column("currency", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    *resource_columns(),
    CheckConstraint("unit_price >= 0", name="unit_price"),
    Index("uq_products_sku", text("lower(sku)"), unique=True),
    Index("ix_products_created_at_id", "created_at", "id"),
)

quotes = Table(
    "quotes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("deal_id", Uuid, ForeignKey("deals.id", ondelete="CASCADE"), nullable=False),
    Column("currency", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("lines", JSONB, nullable=False),
    Column("discount_percent", Percent, nullable=False),
    Column("tax_rate", Percent, nullable=False),
    Column("subtotal", Money, nullable=False),
    Column("discount_amount", Money, nullable=False),
    Column("tax_amount", Money, nullable=False),
    Column("total", Money, nullable=False),
    *resource_columns(),
    CheckConstraint("status IN ('draft', 'sent', 'accepted', 'rejected')", name="status"),
    Index("ix_quotes_created_at_id", "created_at", "id"),
    Index("ix_quotes_deal_id", "deal_id", "created_at", "id"),
    # At most one accepted quote per deal, even under concurrent accepts.
    Index(
        "uq_quotes_accepted_deal",
        "deal_id",
        unique=True,
        postgresql_where=text("status = 'accepted'"),
    ),
)
