"""Customer 360 read model: one row per contact, fed by crm.contacts.contact events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("contact_id", sa.Uuid),
        sa.Column("name", sa.Text),
        sa.Column("email", sa.Text),
        sa.Column("company_id", sa.Uuid),
        sa.Column("lifecycle_stage", sa.Text),
        sa.Column("merged_into", sa.Uuid),
        sa.Column("erased", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sequence", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("contact_id", name="pk_customers"),
    )
    op.create_index(
        "ix_customers_merged_into",
        "customers",
        ["merged_into"],
        postgresql_where=sa.text("merged_into IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_table("customers")
