"""Leads, fit-scoring rules and engagement points, sales reps and assignment rules.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEAD_SEARCH = (
    "lower(coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' '"
    " || coalesce(email::text, '') || ' ' || coalesce(company_name, ''))"
)
# crm_sales.domain.scoring_engagement.DEFAULT_POINTS, as of this migration.
DEFAULT_POINTS = '{"opened": 1, "clicked": 3, "replied": 10, "unsubscribed": -10}'


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    ]


def _leads() -> None:
    op.create_table(
        "leads",
        sa.Column("id", sa.Uuid),
        sa.Column("first_name", sa.Text),
        sa.Column("last_name", sa.Text),
        sa.Column("email", postgresql.CITEXT),
        sa.Column("phone", sa.Text),
        sa.Column("company_name", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("source", sa.Text),
        sa.Column("country", sa.Text),
        sa.Column("company_size", sa.Integer),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("score", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("fit_score", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("engagement_score", sa.Integer, nullable=False, server_default=sa.text("0")),
        sa.Column("owner_id", sa.Uuid),
        sa.Column("contact_id", sa.Uuid),
        *_stamps(),
        sa.Column("scored_version", sa.BigInteger, nullable=False, server_default=sa.text("0")),
        sa.Column("search_text", sa.Text, sa.Computed(LEAD_SEARCH, persisted=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_leads"),
    )
    for name, columns in {
        "ix_leads_created_at_id": ["created_at", "id"],
        "ix_leads_updated_at_id": ["updated_at", "id"],
        "ix_leads_score_id": ["score", "id"],
        "ix_leads_status": ["status", "created_at", "id"],
        "ix_leads_owner_id": ["owner_id", "created_at", "id"],
        "ix_leads_source": ["source", "created_at", "id"],
        "ix_leads_email": ["email"],
        "ix_leads_contact_id": ["contact_id"],
        "ix_leads_scored_version": ["scored_version"],
    }.items():
        op.create_index(name, "leads", columns)
    op.create_index(
        "ix_leads_search_text_trgm",
        "leads",
        ["search_text"],
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )
    op.create_table(
        "lead_engagements",
        sa.Column("lead_id", sa.Uuid, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("lead_id", "type", name="pk_lead_engagements"),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name="fk_lead_engagements_lead_id_leads", ondelete="CASCADE"
        ),
    )


def _scoring() -> None:
    op.create_table(
        "scoring_rules",
        sa.Column("id", sa.Uuid),
        sa.Column("name", sa.Text),
        sa.Column("field", sa.Text, nullable=False),
        sa.Column("operator", sa.Text, nullable=False),
        sa.Column("value", postgresql.JSONB, nullable=False),
        sa.Column("points", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("true")),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_scoring_rules"),
    )
    op.create_index("ix_scoring_rules_created_at_id", "scoring_rules", ["created_at", "id"])
    op.create_table(
        "lead_scoring",
        sa.Column("id", sa.SmallInteger),
        sa.Column("rules_version", sa.BigInteger, nullable=False),
        sa.Column("engagement_points", postgresql.JSONB, nullable=False),
        sa.Column("engagement_version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lead_scoring"),
        sa.CheckConstraint("id = 1", name="ck_lead_scoring_single_row"),
    )
    op.execute(
        sa.text(
            "INSERT INTO lead_scoring (id, rules_version, engagement_points, engagement_version,"
            " updated_at) VALUES (1, 1, CAST(:points AS jsonb), 1, now())"
        ).bindparams(points=DEFAULT_POINTS)
    )


def _assignment() -> None:
    op.create_table(
        "sales_reps",
        sa.Column("user_id", sa.Uuid),
        sa.Column("name", sa.Text),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.Column(
            "countries", postgresql.ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'")
        ),
        *_stamps(),
        sa.PrimaryKeyConstraint("user_id", name="pk_sales_reps"),
    )
    op.create_index("ix_sales_reps_created_at_user_id", "sales_reps", ["created_at", "user_id"])
    op.create_table(
        "assignment_rules",
        sa.Column("id", sa.Uuid),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.Column(
            "countries", postgresql.ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'")
        ),
        sa.Column(
            "user_ids", postgresql.ARRAY(sa.Uuid), nullable=False, server_default=sa.text("'{}'")
        ),
        sa.Column("last_user_id", sa.Uuid),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_assignment_rules"),
    )
    op.create_index("ix_assignment_rules_position_id", "assignment_rules", ["position", "id"])


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS citext")
    _leads()
    _scoring()
    _assignment()


def downgrade() -> None:
    for table in (
        "assignment_rules",
        "sales_reps",
        "lead_scoring",
        "scoring_rules",
        "lead_engagements",
        "leads",
    ):
        op.drop_table(table)
