"""Lead conversions: one row per converted lead, the state of its saga.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lead_conversions",
        sa.Column("id", sa.Uuid),
        sa.Column("lead_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("deal_name", sa.Text, nullable=False),
        sa.Column("deal_amount", sa.Numeric(19, 4), nullable=False),
        sa.Column("deal_currency", sa.Text, nullable=False),
        sa.Column("deal_pipeline_id", sa.Uuid),
        sa.Column("owner_id", sa.Uuid),
        sa.Column("contact_id", sa.Uuid),
        sa.Column("company_id", sa.Uuid),
        sa.Column("deal_id", sa.Uuid),
        sa.Column("error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lead_conversions"),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name="fk_lead_conversions_lead_id_leads", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("lead_id", name="uq_lead_conversions_lead_id"),
        sa.UniqueConstraint("deal_id", name="uq_lead_conversions_deal_id"),
    )
    op.create_index("ix_lead_conversions_contact_id", "lead_conversions", ["contact_id"])


def downgrade() -> None:
    op.drop_table("lead_conversions")
