"""The contract renewals table (migration 0007 creates exactly this), on the service's
one `metadata` (adapters.tables)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Table, Text, Uuid

from crm_sales.adapters.tables import metadata

# One row per contract and renewal term: the renewal deal opened for it. The primary key
# is what makes a second renewal_due of the same term open nothing. No foreign key to
# deals: a renewal deal someone deleted stays answered, it is not opened again.
contract_renewals = Table(
    "contract_renewals",
    metadata,
    Column("contract_id", Uuid, primary_key=True),
    # renewal.term_start, else the contract's end_date (ISO date).
    Column("term_key", Text, primary_key=True),
    Column("deal_id", Uuid, nullable=False, unique=True),
    # The CloudEvent id of the renewal_due that opened the deal.
    Column("event_id", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
