"""Contact and company merge redirects.

A merged id maps to its survivor; merging a survivor repoints the older rows, so a
lookup is always one step. Deleting a survivor deletes the redirects to it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REDIRECTS = {"contact_redirects": "contacts", "company_redirects": "companies"}


def upgrade() -> None:
    for table, target in _REDIRECTS.items():
        op.create_table(
            table,
            sa.Column("merged_id", sa.Uuid),
            sa.Column("survivor_id", sa.Uuid, nullable=False),
            sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("merged_id", name=f"pk_{table}"),
            sa.ForeignKeyConstraint(
                ["survivor_id"],
                [f"{target}.id"],
                name=f"fk_{table}_survivor_id_{target}",
                ondelete="CASCADE",
            ),
        )
        op.create_index(f"ix_{table}_survivor_id", table, ["survivor_id"])


def downgrade() -> None:
    for table in _REDIRECTS:
        op.drop_table(table)
