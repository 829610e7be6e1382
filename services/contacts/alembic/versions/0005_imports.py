"""CSV imports: jobs, staged rows, row problems; companies found by name.

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

PENDING = "status IN ('queued', 'running')"


def _counter(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer, nullable=False, server_default=sa.text("0"))


def upgrade() -> None:
    op.create_table(
        "contact_imports",
        sa.Column("id", sa.Uuid),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("dedup", sa.Text, nullable=False),
        sa.Column("dry_run", sa.Boolean, nullable=False),
        sa.Column("mapping", postgresql.JSONB, nullable=False),
        sa.Column("header", postgresql.ARRAY(sa.Text), nullable=False),
        sa.Column("filename", sa.Text),
        sa.Column("created_by", sa.Text, nullable=False),
        sa.Column("created_by_admin", sa.Boolean, nullable=False),
        _counter("total_rows"),
        _counter("last_row"),
        _counter("processed_rows"),
        _counter("created_count"),
        _counter("updated_count"),
        _counter("unchanged_count"),
        _counter("skipped_count"),
        _counter("failed_count"),
        _counter("attempts"),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_contact_imports"),
    )
    op.create_index("ix_contact_imports_created_at_id", "contact_imports", ["created_at", "id"])
    op.create_index(
        "ix_contact_imports_pending",
        "contact_imports",
        ["created_at"],
        postgresql_where=sa.text(PENDING),
    )

    op.create_table(
        "contact_import_rows",
        sa.Column("import_id", sa.Uuid, nullable=False),
        sa.Column("row_number", sa.Integer, nullable=False),
        sa.Column("cells", postgresql.ARRAY(sa.Text), nullable=False),
        sa.PrimaryKeyConstraint("import_id", "row_number", name="pk_contact_import_rows"),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["contact_imports.id"],
            name="fk_contact_import_rows_import_id_contact_imports",
            ondelete="CASCADE",
        ),
    )

    op.create_table(
        "contact_import_problems",
        sa.Column("import_id", sa.Uuid, nullable=False),
        sa.Column("row_number", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
        sa.Column("column", sa.Text),
        sa.Column("message", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint(
            "import_id", "row_number", "seq", name="pk_contact_import_problems"
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["contact_imports.id"],
            name="fk_contact_import_problems_import_id_contact_imports",
            ondelete="CASCADE",
        ),
    )

    # Imports find a row's company by name, case-insensitively.
    op.create_index("ix_companies_lower_name", "companies", [sa.text("lower(name)")])


def downgrade() -> None:
    op.drop_index("ix_companies_lower_name", table_name="companies")
    op.drop_table("contact_import_problems")
    op.drop_table("contact_import_rows")
    op.drop_table("contact_imports")
