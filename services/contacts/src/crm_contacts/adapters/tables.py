"""The service's tables. Migrations (alembic/versions) create exactly these."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Computed,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, CITEXT, JSONB

from crm_shared.db import new_metadata

metadata = new_metadata()


def _timestamps() -> list[Column[Any]]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Column("version", Integer, nullable=False),
    ]


# Search reads one lowercase text per row, so a single trigram index serves `?q=`.
COMPANY_SEARCH = "lower(name || ' ' || coalesce(domain, ''))"
CONTACT_SEARCH = (
    "lower(coalesce(first_name, '') || ' ' || coalesce(last_name, '') || ' '"
    " || coalesce(email::text, ''))"
)

companies = Table(
    "companies",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", Text, nullable=False),
    Column("domain", Text),
    Column("industry", Text),
    Column("size", Text),
    *_timestamps(),
    Column("search_text", Text, Computed(COMPANY_SEARCH, persisted=True), nullable=False),
    Index("ix_companies_created_at_id", "created_at", "id"),
    Index("ix_companies_domain", "domain"),
    Index(
        "ix_companies_search_text_trgm",
        "search_text",
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    ),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("first_name", Text),
    Column("last_name", Text),
    Column("email", CITEXT),
    Column("phone", Text),
    Column("title", Text),
    # RESTRICT: a company with contacts cannot be deleted (the API answers 409).
    Column("company_id", Uuid, ForeignKey("companies.id", ondelete="RESTRICT")),
    Column("lifecycle_stage", Text),
    Column("owner_id", Uuid),
    Column("tags", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("custom_fields", JSONB, nullable=False, server_default=text("'{}'")),
    Column("consent", JSONB, nullable=False),
    *_timestamps(),
    Column("erased", Boolean, nullable=False, server_default=text("false")),
    Column("search_text", Text, Computed(CONTACT_SEARCH, persisted=True), nullable=False),
    # Case-insensitive (citext) and only among live contacts: an erased email is reusable.
    Index(
        "uq_contacts_email_live",
        "email",
        unique=True,
        postgresql_where=text("email IS NOT NULL AND NOT erased"),
    ),
    Index("ix_contacts_created_at_id", "created_at", "id", postgresql_where=text("NOT erased")),
    Index("ix_contacts_company_id", "company_id", "created_at", "id"),
    Index("ix_contacts_owner_id", "owner_id", "created_at", "id"),
    Index("ix_contacts_lifecycle_stage", "lifecycle_stage", "created_at", "id"),
    Index("ix_contacts_tags", "tags", postgresql_using="gin"),
    Index(
        "ix_contacts_search_text_trgm",
        "search_text",
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    ),
)

contact_notes = Table(
    "contact_notes",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("contact_id", Uuid, ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
    Column("author_id", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_contact_notes_contact_id", "contact_id", "created_at", "id"),
)

contact_timeline = Table(
    "contact_timeline",
    metadata,
    # seq orders entries (several can share one instant); id is what the API shows. It is
    # a random UUID, so it gets no unique index: inserts stay cheap.
    Column("seq", BigInteger, Identity(), primary_key=True),
    Column("id", Uuid, nullable=False),
    Column("contact_id", Uuid, ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
    Column("kind", Text, nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("actor", Text),
    Column("version", Integer, nullable=False),
    Column("details", JSONB, nullable=False, server_default=text("'{}'")),
    Index("ix_contact_timeline_contact_id_seq", "contact_id", "seq"),
)
