"""Custom field definitions, companies.custom_fields, and the index serving custom-field filters.

Changes to definitions NOTIFY `crm_custom_fields` (once per statement, at commit), so
every process drops its cached schema at once (adapters/custom_field_store).

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

_NOTIFY_FUNCTION = """
CREATE OR REPLACE FUNCTION crm_custom_fields_notify() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('crm_custom_fields', '');
  RETURN NULL;
END;
$$ LANGUAGE plpgsql
"""
_NOTIFY_TRIGGER = """
CREATE TRIGGER crm_custom_fields_notify
AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON custom_field_definitions
FOR EACH STATEMENT EXECUTE FUNCTION crm_custom_fields_notify()
"""


def upgrade() -> None:
    op.create_table(
        "custom_field_definitions",
        sa.Column("object_type", sa.Text),
        sa.Column("key", sa.Text),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("required", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("unique", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column(
            "options", postgresql.ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'")
        ),
        sa.Column("description", sa.Text),
        sa.Column("deleting", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("object_type", "key", name="pk_custom_field_definitions"),
    )
    op.execute(_NOTIFY_FUNCTION)
    op.execute(_NOTIFY_TRIGGER)
    op.add_column(
        "companies",
        sa.Column(
            "custom_fields", postgresql.JSONB, nullable=False, server_default=sa.text("'{}'")
        ),
    )
    for table in ("contacts", "companies"):
        op.create_index(
            f"ix_{table}_custom_fields",
            table,
            ["custom_fields"],
            postgresql_using="gin",
            postgresql_ops={"custom_fields": "jsonb_path_ops"},
        )


def downgrade() -> None:
    # Per-field indexes made at run time go first: they read custom_fields.
    op.execute(
        """
        DO $$
        DECLARE name text;
        BEGIN
          FOR name IN SELECT indexname FROM pg_indexes
                      WHERE tablename IN ('contacts', 'companies')
                        AND indexname ~ '^(ix|uq)_(contacts|companies)_cf_'
          LOOP
            EXECUTE format('DROP INDEX IF EXISTS %I', name);
          END LOOP;
        END $$
        """
    )
    op.drop_index("ix_companies_custom_fields", table_name="companies")
    op.drop_index("ix_contacts_custom_fields", table_name="contacts")
    op.drop_column("companies", "custom_fields")
    op.drop_table("custom_field_definitions")
    op.execute("DROP FUNCTION IF EXISTS crm_custom_fields_notify()")
