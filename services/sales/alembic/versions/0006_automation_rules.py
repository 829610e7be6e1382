"""Automation rules stored as data (deal enters a stage -> task; lead untouched N days -> reassign) and their runs.

Leads get `touched_at`: when a person last worked the lead (any change but a score, or an
activity logged or completed against it); existing leads start from `updated_at`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_LEADS = "status IN ('new', 'working')"


def _touched_at() -> None:
    op.add_column("leads", sa.Column("touched_at", sa.DateTime(timezone=True)))
    op.execute("UPDATE leads SET touched_at = updated_at")
    op.alter_column("leads", "touched_at", nullable=False, server_default=sa.text("now()"))
    op.create_index(
        "ix_leads_touched_at_open",
        "leads",
        ["touched_at"],
        postgresql_where=sa.text(OPEN_LEADS),
    )


def _rules() -> None:
    op.create_table(
        "automation_rules",
        sa.Column("id", sa.Uuid),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.text("true")),
        sa.Column("trigger", postgresql.JSONB, nullable=False),
        sa.Column("action", postgresql.JSONB, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_automation_rules"),
    )
    op.create_index("ix_automation_rules_created_at_id", "automation_rules", ["created_at", "id"])


def _runs() -> None:
    op.create_table(
        "automation_runs",
        sa.Column("id", sa.Uuid),
        sa.Column("rule_id", sa.Uuid, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("event_id", sa.Text),
        sa.Column("deal_id", sa.Uuid),
        sa.Column("activity_id", sa.Uuid),
        sa.Column("lead_id", sa.Uuid),
        sa.Column("lead_touched_at", sa.DateTime(timezone=True)),
        sa.Column("from_owner_id", sa.Uuid),
        sa.Column("to_owner_id", sa.Uuid),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_automation_runs"),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["automation_rules.id"],
            name="fk_automation_runs_rule_id_automation_rules",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("rule_id", "event_id", name="uq_automation_runs_event"),
        sa.UniqueConstraint(
            "rule_id", "lead_id", "lead_touched_at", name="uq_automation_runs_idle_lead"
        ),
    )
    op.create_index(
        "ix_automation_runs_rule_id", "automation_runs", ["rule_id", "created_at", "id"]
    )


def upgrade() -> None:
    _touched_at()
    _rules()
    _runs()


def downgrade() -> None:
    op.drop_table("automation_runs")
    op.drop_table("automation_rules")
    op.drop_index("ix_leads_touched_at_open", table_name="leads")
    op.drop_column("leads", "touched_at")
