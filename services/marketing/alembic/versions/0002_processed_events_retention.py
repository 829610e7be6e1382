"""The processed_at index inbox retention deletes by (CRM_INBOX_RETENTION_DAYS).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from collections.abc import Sequence

from alembic import op

from crm_shared.migrations import index_processed_events

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    index_processed_events()


def downgrade() -> None:
    op.drop_index("ix_processed_events_processed_at", table_name="processed_events")
