"""The service's tables. Migrations (alembic/versions) create exactly these."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, CITEXT, JSONB

from crm_shared.db import new_metadata, resource_columns

metadata = new_metadata()


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
    *resource_columns(),
    Column("search_text", Text, Computed(COMPANY_SEARCH, persisted=True), nullable=False),
    Column("custom_fields", JSONB, nullable=False, server_default=text("'{}'")),
    Index("ix_companies_created_at_id", "created_at", "id"),
    # Equality filters on custom fields (`custom_fields @> {...}`).
    Index(
        "ix_companies_custom_fields",
        "custom_fields",
        postgresql_using="gin",
        postgresql_ops={"custom_fields": "jsonb_path_ops"},
    ),
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
    *resource_columns(),
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
    # Equality filters on custom fields (`custom_fields @> {...}`); per-field btree
    # indexes for sorting and ranges are made when a field is defined (custom_field_sql).
    Index(
        "ix_contacts_custom_fields",
        "custom_fields",
        postgresql_using="gin",
        postgresql_ops={"custom_fields": "jsonb_path_ops"},
    ),
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

# Custom fields admins define per object type (crm_contacts.domain.custom_fields). A row
# marked `deleting` is no longer part of the schema; its values are being removed.
custom_field_definitions = Table(
    "custom_field_definitions",
    metadata,
    Column("object_type", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("label", Text, nullable=False),
    Column("type", Text, nullable=False),
    Column("required", Boolean, nullable=False, server_default=text("false")),
    Column("unique", Boolean, nullable=False, server_default=text("false")),
    Column("options", ARRAY(Text), nullable=False, server_default=text("'{}'")),
    Column("description", Text),
    Column("deleting", Boolean, nullable=False, server_default=text("false")),
    *resource_columns(),
)

# CSV imports (crm_contacts.imports): the job, its rows staged as uploaded (deleted once
# done), and the per-row problems it reports. Counters move in each batch's transaction.
contact_imports = Table(
    "contact_imports",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("status", Text, nullable=False),
    Column("dedup", Text, nullable=False),
    Column("dry_run", Boolean, nullable=False),
    Column("mapping", JSONB, nullable=False),
    Column("header", ARRAY(Text), nullable=False),
    Column("filename", Text),
    Column("created_by", Text, nullable=False),
    Column("created_by_admin", Boolean, nullable=False),
    *(
        Column(name, Integer, nullable=False, server_default=text("0"))
        for name in (
            "total_rows",
            "last_row",
            "processed_rows",
            "created_count",
            "updated_count",
            "unchanged_count",
            "skipped_count",
            "failed_count",
            "attempts",
        )
    ),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("version", Integer, nullable=False),
    Index("ix_contact_imports_created_at_id", "created_at", "id"),
    Index(
        "ix_contact_imports_pending",
        "created_at",
        postgresql_where=text("status IN ('queued', 'running')"),
    ),
)

contact_import_rows = Table(
    "contact_import_rows",
    metadata,
    Column(
        "import_id",
        Uuid,
        ForeignKey("contact_imports.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("row_number", Integer, primary_key=True),
    Column("cells", ARRAY(Text), nullable=False),
)

contact_import_problems = Table(
    "contact_import_problems",
    metadata,
    Column(
        "import_id",
        Uuid,
        ForeignKey("contact_imports.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("row_number", Integer, primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("outcome", Text, nullable=False),
    Column("column", Text),
    Column("message", Text, nullable=False),
)

# Imports find a row's company by name, case-insensitively.
Index("ix_companies_lower_name", func.lower(companies.c.name))

# Merged ids and the survivor each now redirects to. Redirects always name a live row:
# merging a survivor repoints the older redirects to the new survivor (no chains), and
# deleting a survivor takes its redirects with it.
contact_redirects = Table(
    "contact_redirects",
    metadata,
    Column("merged_id", Uuid, primary_key=True),
    Column("survivor_id", Uuid, ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False),
    Column("merged_at", DateTime(timezone=True), nullable=False),
    Index("ix_contact_redirects_survivor_id", "survivor_id"),
)

company_redirects = Table(
    "company_redirects",
    metadata,
    Column("merged_id", Uuid, primary_key=True),
    Column("survivor_id", Uuid, ForeignKey("companies.id", ondelete="CASCADE"), nullable=False),
    Column("merged_at", DateTime(timezone=True), nullable=False),
    Index("ix_company_redirects_survivor_id", "survivor_id"),
)

# Duplicate scans (crm_contacts.adapters.duplicate_scans) and the groups each one found;
# a group lists contact ids only, and reads leave out those no longer live.
duplicate_scans = Table(
    "duplicate_scans",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("status", Text, nullable=False),
    Column("requested_by", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("contacts_scanned", Integer),
    Column("pairs_found", Integer),
    Column("groups_found", Integer),
    Column("duration_ms", Integer),
    Column("error", Text),
    Index("ix_duplicate_scans_started_at", "started_at"),
)

duplicate_groups = Table(
    "duplicate_groups",
    metadata,
    Column(
        "scan_id",
        Uuid,
        ForeignKey("duplicate_scans.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    # The group's rank in its scan: best score first, then smallest ids.
    Column("ordinal", Integer, primary_key=True),
    Column("score", Float, nullable=False),
    Column("reasons", ARRAY(Text), nullable=False),
    Column("contact_ids", ARRAY(Uuid), nullable=False),
    Index("ix_duplicate_groups_contact_ids", "contact_ids", postgresql_using="gin"),
)
