"""Pipelines with ordered stages (and the default pipeline), deals with stage history,
sales targets.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = sa.Numeric(19, 4)
# The default pipeline, with fixed ids so every installation (and its clients) knows them.
DEFAULT_PIPELINE_ID = "5a1e5000-0000-4000-8000-000000000001"
DEFAULT_STAGES = [
    # (id, position, name, probability, kind)
    ("5a1e5000-0000-4000-8000-000000000010", 0, "Prospecting", 10, "open"),
    ("5a1e5000-0000-4000-8000-000000000020", 1, "Qualification", 20, "open"),
    ("5a1e5000-0000-4000-8000-000000000050", 2, "Proposal", 50, "open"),
    ("5a1e5000-0000-4000-8000-000000000075", 3, "Negotiation", 75, "open"),
    ("5a1e5000-0000-4000-8000-000000000100", 4, "Closed won", 100, "won"),
    ("5a1e5000-0000-4000-8000-000000000200", 5, "Closed lost", 0, "lost"),
]


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    ]


def _pipelines() -> None:
    op.create_table(
        "pipelines",
        sa.Column("id", sa.Uuid),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("is_default", sa.Boolean, nullable=False, server_default=sa.text("false")),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_pipelines"),
    )
    op.create_index("uq_pipelines_name", "pipelines", [sa.text("lower(name)")], unique=True)
    op.create_index(
        "uq_pipelines_default",
        "pipelines",
        ["is_default"],
        unique=True,
        postgresql_where=sa.text("is_default"),
    )
    op.create_index("ix_pipelines_created_at_id", "pipelines", ["created_at", "id"])
    op.create_table(
        "pipeline_stages",
        sa.Column("id", sa.Uuid),
        sa.Column("pipeline_id", sa.Uuid, nullable=False),
        sa.Column("position", sa.SmallInteger, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("probability", sa.SmallInteger, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pipeline_stages"),
        sa.ForeignKeyConstraint(
            ["pipeline_id"],
            ["pipelines.id"],
            name="fk_pipeline_stages_pipeline_id_pipelines",
            ondelete="CASCADE",
        ),
        sa.CheckConstraint("probability BETWEEN 0 AND 100", name="ck_pipeline_stages_probability"),
        sa.CheckConstraint("kind IN ('open', 'won', 'lost')", name="ck_pipeline_stages_kind"),
        sa.UniqueConstraint("id", "pipeline_id", name="uq_pipeline_stages_id_pipeline"),
        sa.UniqueConstraint(
            "pipeline_id",
            "position",
            name="uq_pipeline_stages_position",
            deferrable=True,
            initially="DEFERRED",
        ),
    )


def _default_pipeline() -> None:
    pipelines = sa.table(
        "pipelines",
        sa.column("id", sa.Uuid),
        sa.column("name", sa.Text),
        sa.column("is_default", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
        sa.column("version", sa.Integer),
    )
    stages = sa.table(
        "pipeline_stages",
        *(sa.column(name, sa.Uuid) for name in ("id", "pipeline_id")),
        sa.column("position", sa.SmallInteger),
        sa.column("name", sa.Text),
        sa.column("probability", sa.SmallInteger),
        sa.column("kind", sa.Text),
    )
    now = datetime.now(UTC)
    pipeline_id = uuid.UUID(DEFAULT_PIPELINE_ID)
    op.bulk_insert(
        pipelines,
        [
            {
                "id": pipeline_id,
                "name": "Sales pipeline",
                "is_default": True,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        ],
    )
    op.bulk_insert(
        stages,
        [
            {
                "id": uuid.UUID(stage_id),
                "pipeline_id": pipeline_id,
                "position": position,
                "name": name,
                "probability": probability,
                "kind": kind,
            }
            for stage_id, position, name, probability, kind in DEFAULT_STAGES
        ],
    )


def _deals() -> None:
    op.create_table(
        "deals",
        sa.Column("id", sa.Uuid),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("close_date", sa.Date),
        sa.Column("pipeline_id", sa.Uuid, nullable=False),
        sa.Column("stage_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("owner_id", sa.Uuid),
        sa.Column("contact_id", sa.Uuid),
        sa.Column("company_id", sa.Uuid),
        sa.Column("lost_reason", sa.Text),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_deals"),
        sa.ForeignKeyConstraint(
            ["stage_id", "pipeline_id"],
            ["pipeline_stages.id", "pipeline_stages.pipeline_id"],
            name="fk_deals_stage_id_pipeline_stages",
        ),
        sa.CheckConstraint("status IN ('open', 'won', 'lost')", name="ck_deals_status"),
        sa.CheckConstraint("amount >= 0", name="ck_deals_amount"),
    )
    op.create_index("ix_deals_created_at_id", "deals", ["created_at", "id"])
    for column in ("pipeline_id", "stage_id", "owner_id", "contact_id", "company_id", "status"):
        op.create_index(f"ix_deals_{column}", "deals", [column, "created_at", "id"])
    op.create_index(
        "ix_deals_close_date_forecast",
        "deals",
        ["close_date"],
        postgresql_include=["owner_id", "currency", "status", "stage_id", "pipeline_id", "amount"],
    )
    op.create_table(
        "deal_stage_history",
        sa.Column("seq", sa.BigInteger, sa.Identity()),
        sa.Column("deal_id", sa.Uuid, nullable=False),
        sa.Column("pipeline_id", sa.Uuid, nullable=False),
        sa.Column("from_stage_id", sa.Uuid),
        sa.Column("to_stage_id", sa.Uuid, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("probability", sa.SmallInteger, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_deal_stage_history"),
        sa.ForeignKeyConstraint(
            ["deal_id"],
            ["deals.id"],
            name="fk_deal_stage_history_deal_id_deals",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_deal_stage_history_deal_id_seq", "deal_stage_history", ["deal_id", "seq"])


def _targets() -> None:
    op.create_table(
        "sales_targets",
        sa.Column("id", sa.Uuid),
        sa.Column("owner_id", sa.Uuid, nullable=False),
        sa.Column("period", sa.Text, nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_before", sa.Date, nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        *_stamps(),
        sa.PrimaryKeyConstraint("id", name="pk_sales_targets"),
        sa.UniqueConstraint("owner_id", "period", "currency", name="uq_sales_targets_owner_period"),
        sa.CheckConstraint("amount > 0", name="ck_sales_targets_amount"),
    )
    op.create_index("ix_sales_targets_created_at_id", "sales_targets", ["created_at", "id"])
    op.create_index("ix_sales_targets_period", "sales_targets", ["period", "owner_id"])


def upgrade() -> None:
    _pipelines()
    _default_pipeline()
    _deals()
    _targets()


def downgrade() -> None:
    op.drop_table("sales_targets")
    op.drop_table("deal_stage_history")
    op.drop_table("deals")
    op.drop_table("pipeline_stages")
    op.drop_table("pipelines")
