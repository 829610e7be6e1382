"""Contacts core: companies, contacts, notes, timeline, plus the outbox/inbox tables.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from crm_shared.migrations import create_infra_tables, drop_infra_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COMPANY_SEARCH = "lower(name || ' ' || coalesce(domain, ''))"
CONTACT_SEARCH = (
    "lower(coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' '"
    " || coalesce(email::text, ''))"
)


def _stamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    ]


def _trigram_index(name: str, table: str) -> None:
    op.create_index(
        name,
        table,
        ["search_text"],
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    )


def upgrade() -> None:
    create_infra_tables()
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS citext")

    op.create_table(
        "companies",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("domain", sa.Text),
        sa.Column("industry", sa.Text),
        sa.Column("size", sa.Text),
        *_stamps(),
        sa.Column(
            "search_text", sa.Text, sa.Computed(COMPANY_SEARCH, persisted=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_companies"),
    )
    op.create_index("ix_companies_created_at_id", "companies", ["created_at", "id"])
    op.create_index("ix_companies_domain", "companies", ["domain"])
    _trigram_index("ix_companies_search_text_trgm", "companies")

    op.create_table(
        "contacts",
        sa.Column("id", sa.Uuid),
        sa.Column("first_name", sa.Text),
        sa.Column("last_name", sa.Text),
        sa.Column("email", postgresql.CITEXT),
        sa.Column("phone", sa.Text),
        sa.Column("title", sa.Text),
        sa.Column("company_id", sa.Uuid),
        sa.Column("lifecycle_stage", sa.Text),
        sa.Column("owner_id", sa.Uuid),
        sa.Column(
            "tags", postgresql.ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'")
        ),
        sa.Column(
            "custom_fields", postgresql.JSONB, nullable=False, server_default=sa.text("'{}'")
        ),
        sa.Column("consent", postgresql.JSONB, nullable=False),
        *_stamps(),
        sa.Column("erased", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column(
            "search_text", sa.Text, sa.Computed(CONTACT_SEARCH, persisted=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name="pk_contacts"),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name="fk_contacts_company_id_companies",
            ondelete="RESTRICT",
        ),
    )
    op.create_index(
        "uq_contacts_email_live",
        "contacts",
        ["email"],
        unique=True,
        postgresql_where=sa.text("email IS NOT NULL AND NOT erased"),
    )
    op.create_index(
        "ix_contacts_created_at_id",
        "contacts",
        ["created_at", "id"],
        postgresql_where=sa.text("NOT erased"),
    )
    op.create_index("ix_contacts_company_id", "contacts", ["company_id", "created_at", "id"])
    op.create_index("ix_contacts_owner_id", "contacts", ["owner_id", "created_at", "id"])
    op.create_index(
        "ix_contacts_lifecycle_stage", "contacts", ["lifecycle_stage", "created_at", "id"]
    )
    op.create_index("ix_contacts_tags", "contacts", ["tags"], postgresql_using="gin")
    _trigram_index("ix_contacts_search_text_trgm", "contacts")

    op.create_table(
        "contact_notes",
        sa.Column("id", sa.Uuid),
        sa.Column("contact_id", sa.Uuid, nullable=False),
        sa.Column("author_id", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_contact_notes"),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name="fk_contact_notes_contact_id_contacts",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_contact_notes_contact_id", "contact_notes", ["contact_id", "created_at", "id"]
    )

    op.create_table(
        "contact_timeline",
        sa.Column("seq", sa.BigInteger, sa.Identity()),
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("contact_id", sa.Uuid, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("details", postgresql.JSONB, nullable=False, server_default=sa.text("'{}'")),
        sa.PrimaryKeyConstraint("seq", name="pk_contact_timeline"),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name="fk_contact_timeline_contact_id_contacts",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_contact_timeline_contact_id_seq", "contact_timeline", ["contact_id", "seq"])


def downgrade() -> None:
    op.drop_table("contact_timeline")
    op.drop_table("contact_notes")
    op.drop_table("contacts")
    op.drop_table("companies")
    drop_infra_tables()
