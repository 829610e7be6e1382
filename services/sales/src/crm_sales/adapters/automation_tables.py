"""Tables of automation rules and their runs (migration 0006 creates exactly these), on
the service's one `metadata` (adapters.tables)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from crm_sales.adapters.tables import metadata
from crm_shared.db import resource_columns

automation_rules = Table(
    "automation_rules",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    # {"type": "deal.stage_entered", "stage_id": ...} or {"type": "lead.untouched", "days": n}
    Column("trigger", JSONB, nullable=False),
    # {"type": "create_task", "subject", "notes", "due_in_days"} or {"type": "reassign"}
    Column("action", JSONB, nullable=False),
    *resource_columns(),
    Index("ix_automation_rules_created_at_id", "created_at", "id"),
)

# What each rule did, once per cause: a deal event (`event_id`) or a lead idle since
# `lead_touched_at`. The unique keys make a redelivered event, a replay or two replicas
# looking at once do it only once.
automation_runs = Table(
    "automation_runs",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("rule_id", Uuid, ForeignKey("automation_rules.id", ondelete="CASCADE"), nullable=False),
    # task_created, reassigned, or skipped (an idle lead nobody else could take).
    Column("outcome", Text, nullable=False),
    Column("event_id", Text),
    Column("deal_id", Uuid),
    Column("activity_id", Uuid),
    Column("lead_id", Uuid),
    Column("lead_touched_at", DateTime(timezone=True)),
    Column("from_owner_id", Uuid),
    Column("to_owner_id", Uuid),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("rule_id", "event_id", name="uq_automation_runs_event"),
    UniqueConstraint("rule_id", "lead_id", "lead_touched_at", name="uq_automation_runs_idle_lead"),
    Index("ix_automation_runs_rule_id", "rule_id", "created_at", "id"),
)
