"""Renewal deals opened for contracts' renewal_due events (one per contract and term).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contract_renewals",
        sa.Column("contract_id", sa.Uuid, nullable=False),
        sa.Column("term_key", sa.Text, nullable=False),
        sa.Column("deal_id", sa.Uuid, nullable=False),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("contract_id", "term_key", name="pk_contract_renewals"),
        sa.UniqueConstraint("deal_id", name="uq_contract_renewals_deal_id"),
    )


def downgrade() -> None:
    op.drop_table("contract_renewals")
