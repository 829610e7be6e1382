"""Activities (tasks, calls, meetings, emails) with their overdue marks; the price book;
quotes with their line items.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(19, 4)
PERCENT = sa.Numeric(7, 4)


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    ]


def _activities() -> None:
    op.create_table(
        "activities",
        sa.Column("id", sa.Uuid),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("notes", sa.Text),
        sa.Column("due_at", sa.DateTime(timezone=True)),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.Column("overdue_notified_at", sa.DateTime(timezone=True)),
        sa.Column("owner_id", sa.Uuid),
        sa.Column("lead_id", sa.Uuid),
        sa.Column("deal_id", sa.Uuid),
        sa.Column("contact_id", sa.Uuid),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_activities"),
        sa.CheckConstraint(
            "kind IN ('task', 'call', 'meeting', 'email')", name="ck_activities_kind"
        ),
        sa.CheckConstraint(
            "num_nonnulls(lead_id, deal_id, contact_id) = 1", name="ck_activities_one_target"
        ),
    )
    op.create_index("ix_activities_created_at_id", "activities", ["created_at", "id"])
    for column in ("owner_id", "lead_id", "deal_id", "contact_id"):
        op.create_index(f"ix_activities_{column}", "activities", [column, "created_at", "id"])
    op.create_index(
        "ix_activities_overdue_pending",
        "activities",
        ["due_at"],
        postgresql_where=sa.text("completed_at IS NULL AND overdue_notified_at IS NULL"),
    )


def _products() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.Uuid),
        sa.Column("sku", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("unit_price", MONEY, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("true")),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_products"),
        sa.CheckConstraint("unit_price >= 0", name="ck_products_unit_price"),
    )
    op.create_index("uq_products_sku", "products", [sa.text("lower(sku)")], unique=True)
    op.create_index("ix_products_created_at_id", "products", ["created_at", "id"])


def _quotes() -> None:
    op.create_table(
        "quotes",
        sa.Column("id", sa.Uuid),
        sa.Column("deal_id", sa.Uuid, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("lines", postgresql.JSONB, nullable=False),
        sa.Column("discount_percent", PERCENT, nullable=False),
        sa.Column("tax_rate", PERCENT, nullable=False),
        sa.Column("subtotal", MONEY, nullable=False),
        sa.Column("discount_amount", MONEY, nullable=False),
        sa.Column("tax_amount", MONEY, nullable=False),
        sa.Column("total", MONEY, nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_quotes"),
        sa.ForeignKeyConstraint(
            ["deal_id"], ["deals.id"], name="fk_quotes_deal_id_deals", ondelete="CASCADE"
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'sent', 'accepted', 'rejected')", name="ck_quotes_status"
        ),
    )
    op.create_index("ix_quotes_created_at_id", "quotes", ["created_at", "id"])
    op.create_index("ix_quotes_deal_id", "quotes", ["deal_id", "created_at", "id"])
    op.create_index(
        "uq_quotes_accepted_deal",
        "quotes",
        ["deal_id"],
        unique=True,
        postgresql_where=sa.text("status = 'accepted'"),
    )


def upgrade() -> None:
    _activities()
    _products()
    _quotes()


def downgrade() -> None:
    op.drop_table("quotes")
    op.drop_table("products")
    op.drop_table("activities")
