"""Tables of leads, scoring and assignment (migration 0003 creates exactly these).

They live on the service's one `metadata` (adapters.tables), in a module of their own so
that the leads and the deals parts of the service grow without editing one file.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    SmallInteger,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, CITEXT, JSONB

from crm_sales.adapters.tables import metadata
from crm_shared.db import resource_columns

# `?q=` reads one lowercase text per lead, so one trigram index serves it.
LEAD_SEARCH = (
    "lower(coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' '"
    " || coalesce(email::text, '') || ' ' || coalesce(company_name, ''))"
)


leads = Table(
    "leads",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("first_name", Text),
    Column("last_name", Text),
    Column("email", CITEXT),
    Column("phone", Text),
    Column("company_name", Text),
    Column("title", Text),
    Column("source", Text),
    Column("country", Text),
    Column("company_size", Integer),
    Column("status", Text, nullable=False),
    Column("score", Integer, nullable=False, server_default=text("0")),
    Column("fit_score", Integer, nullable=False, server_default=text("0")),
    Column("engagement_score", Integer, nullable=False, server_default=text("0")),
    Column("owner_id", Uuid),
    Column("contact_id", Uuid),
    *resource_columns(),
    # The scoring rules version the score was computed with (lead_scoring.rules_version).
    Column("scored_version", BigInteger, nullable=False, server_default=text("0")),
    Column("search_text", Text, Computed(LEAD_SEARCH, persisted=True), nullable=False),
    # When a person last worked the lead (migration 0006): idle-lead automation reads it.
    Column("touched_at", DateTime(timezone=True), nullable=False, server_default=text("now()")),
    Index("ix_leads_created_at_id", "created_at", "id"),
    Index("ix_leads_updated_at_id", "updated_at", "id"),
    Index("ix_leads_score_id", "score", "id"),
    Index("ix_leads_status", "status", "created_at", "id"),
    Index("ix_leads_owner_id", "owner_id", "created_at", "id"),
    Index("ix_leads_source", "source", "created_at", "id"),
    Index("ix_leads_email", "email"),
    Index("ix_leads_contact_id", "contact_id"),
    Index("ix_leads_scored_version", "scored_version"),
    Index(
        "ix_leads_touched_at_open",
        "touched_at",
        postgresql_where=text("status IN ('new', 'working')"),
    ),
    Index(
        "ix_leads_search_text_trgm",
        "search_text",
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    ),
)

# How many engagements of each type a lead has had (the inbox makes each event count once).
lead_engagements = Table(
    "lead_engagements",
    metadata,
    Column("lead_id", Uuid, ForeignKey("leads.id", ondelete="CASCADE"), nullable=False),
    Column("type", Text, nullable=False),
    Column("count", Integer, nullable=False),
    Column("last_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("lead_id", "type"),
)

scoring_rules = Table(
    "scoring_rules",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text),
    Column("field", Text, nullable=False),
    Column("operator", Text, nullable=False),
    Column("value", JSONB, nullable=False),
    Column("points", Integer, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    *resource_columns(),
    Index("ix_scoring_rules_created_at_id", "created_at", "id"),
)

# One row: the version of the scoring configuration (fit rules and engagement points),
# bumped by every change of either, and the engagement points per type.
lead_scoring = Table(
    "lead_scoring",
    metadata,
    Column("id", SmallInteger, primary_key=True),
    Column("rules_version", BigInteger, nullable=False),
    Column("engagement_points", JSONB, nullable=False),
    Column("engagement_version", Integer, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("id = 1", name="single_row"),
)

sales_reps = Table(
    "sales_reps",
    metadata,
    Column("user_id", Uuid, primary_key=True),
    Column("name", Text),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("countries", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    *resource_columns(),
    Index("ix_sales_reps_created_at_user_id", "created_at", "user_id"),
)

assignment_rules = Table(
    "assignment_rules",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("method", Text, nullable=False),
    Column("position", Integer, nullable=False),
    Column("active", Boolean, nullable=False, server_default=text("true")),
    Column("countries", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("user_ids", ARRAY(Uuid), nullable=False, server_default=text("'{}'")),
    # Who got this rule's last lead: the round-robin turn, kept under the row's lock.
    Column("last_user_id", Uuid),
    *resource_columns(),
    Index("ix_assignment_rules_position_id", "position", "id"),
)
