"""Duplicate scan: match-key functions and the indexes that serve them.

The keys are IMMUTABLE one-expression SQL functions, so they can back expression indexes
and the planner inlines them (the query and the index then see the same expression).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FUNCTIONS = {
    # lower/trim, drop a "+tag" from the local part; gmail also ignores dots.
    "contact_email_key(email text)": """
        SELECT CASE
          WHEN split_part(lower(trim(email)), '@', 2) IN ('gmail.com', 'googlemail.com')
          THEN replace(split_part(split_part(lower(trim(email)), '@', 1), '+', 1), '.', '')
               || '@gmail.com'
          ELSE split_part(split_part(lower(trim(email)), '@', 1), '+', 1)
               || '@' || split_part(lower(trim(email)), '@', 2)
        END""",
    "contact_email_domain(email text)": """
        SELECT nullif(split_part(lower(trim(email)), '@', 2), '')""",
    "contact_full_name(first_name text, last_name text)": """
        SELECT nullif(lower(trim(coalesce(first_name, '') || ' ' || coalesce(last_name, ''))),
                      '')""",
    # Fewer than 6 digits is an extension or junk, not a phone number worth matching on.
    "contact_phone_digits(phone text)": """
        SELECT CASE WHEN length(regexp_replace(phone, '[^0-9]', '', 'g')) >= 6
                    THEN regexp_replace(phone, '[^0-9]', '', 'g') END""",
}


def upgrade() -> None:
    for signature, body in _FUNCTIONS.items():
        op.execute(
            f"CREATE OR REPLACE FUNCTION {signature} RETURNS text"
            f" LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn${body}\n$fn$"
        )
    op.execute(
        "CREATE INDEX ix_contacts_email_key ON contacts (contact_email_key(email::text))"
        " WHERE email IS NOT NULL AND NOT erased"
    )
    # `%` (pg_trgm similarity) between full names is served by this index.
    op.execute(
        "CREATE INDEX ix_contacts_full_name_trgm ON contacts"
        " USING gin (contact_full_name(first_name, last_name) gin_trgm_ops)"
        " WHERE NOT erased"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_contacts_full_name_trgm")
    op.execute("DROP INDEX IF EXISTS ix_contacts_email_key")
    for signature in _FUNCTIONS:
        # Each name is unique, so no argument list is needed.
        op.execute(f"DROP FUNCTION IF EXISTS {signature.split('(')[0]}")
