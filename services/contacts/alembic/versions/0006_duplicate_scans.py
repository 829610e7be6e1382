"""Persisted duplicate scans and their groups, and the blocking keys a scan hashes.

A scan reads the live contacts once (parallel sequential scan) and hashes each one's
blocking keys with `contact_match_keys`; contacts sharing a key are compared by trigram
name similarity (crm_contacts.adapters.duplicate_scan). No index on contacts is added:
the scan joins hashes in memory, and per-key indexes would only slow every write.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Addresses at these providers say nothing about where a person works.
FREE_MAIL = (
    *("gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de"),
    *("yahoo.es", "ymail.com", "hotmail.com", "hotmail.co.uk", "hotmail.fr", "hotmail.de"),
    *("hotmail.es", "outlook.com", "outlook.de", "live.com", "msn.com", "icloud.com"),
    *("me.com", "mac.com", "aol.com", "gmx.de", "gmx.net", "gmx.com", "web.de", "mail.com"),
    *("t-online.de", "email.com", "proton.me", "protonmail.com", "pm.me", "zoho.com"),
    *("yandex.ru", "yandex.com", "mail.ru", "qq.com", "163.com", "126.com", "naver.com"),
    *("orange.fr", "free.fr", "laposte.net", "libero.it", "fastmail.com", "hey.com"),
    "tutanota.com",
)
_FREE_MAIL_SQL = ", ".join(f"'{domain}'" for domain in FREE_MAIL)

# The contact's blocking keys, hashed: its normalized email (contact_email_key's rule),
# and each of the first and last word of its full name within its company, its phone
# digits and its business email domain. Two contacts sharing a key are compared; sharing
# a name word keeps blocks small while still pairing names with one typo. The low three
# bits of a key say its kind: 1 email, 2 company, 3 phone, 4 domain. PL/pgSQL computes
# each part once (an inlined SQL expression would repeat them): these keys are most of
# what a scan costs.
_MATCH_KEYS = f"""
CREATE FUNCTION contact_match_keys(
  first_name text, last_name text, email text, phone text, company_id uuid
) RETURNS bigint[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $fn$
DECLARE
  full_name text := contact_full_name(first_name, last_name);
  first_word text := split_part(full_name, ' ', 1);
  last_word text := nullif(reverse(split_part(reverse(full_name), ' ', 1)), first_word);
  address text := lower(trim(email));
  addr_local text := split_part(split_part(address, '@', 1), '+', 1);
  addr_domain text := split_part(address, '@', 2);
  digits text := translate(phone, translate(phone, '0123456789', ''), '');
  company_seed bigint := uuid_hash_extended(company_id, 1);
  phone_seed bigint := CASE WHEN length(digits) >= 6 THEN hashtextextended(digits, 2) END;
  domain_seed bigint := CASE WHEN addr_domain NOT IN ({_FREE_MAIL_SQL}, '')
                             THEN hashtextextended(addr_domain, 3) END;
BEGIN
  RETURN array_remove(ARRAY[
    (hashtextextended(CASE WHEN addr_domain IN ('gmail.com', 'googlemail.com')
                           THEN replace(addr_local, '.', '') || '@gmail.com'
                           ELSE addr_local || '@' || addr_domain END, 1) & -8) | 1,
    (hashtextextended(first_word, company_seed) & -8) | 2,
    (hashtextextended(last_word, company_seed) & -8) | 2,
    (hashtextextended(first_word, phone_seed) & -8) | 3,
    (hashtextextended(last_word, phone_seed) & -8) | 3,
    (hashtextextended(first_word, domain_seed) & -8) | 4,
    (hashtextextended(last_word, domain_seed) & -8) | 4
  ], NULL);
END
$fn$"""


def upgrade() -> None:
    op.execute(_MATCH_KEYS)
    op.create_table(
        "duplicate_scans",
        sa.Column("id", sa.Uuid),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("requested_by", sa.Text, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("contacts_scanned", sa.Integer),
        sa.Column("pairs_found", sa.Integer),
        sa.Column("groups_found", sa.Integer),
        sa.Column("duration_ms", sa.Integer),
        sa.Column("error", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_duplicate_scans"),
    )
    op.create_index("ix_duplicate_scans_started_at", "duplicate_scans", ["started_at"])
    op.create_table(
        "duplicate_groups",
        sa.Column("scan_id", sa.Uuid),
        sa.Column("ordinal", sa.Integer),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("reasons", postgresql.ARRAY(sa.Text), nullable=False),
        sa.Column("contact_ids", postgresql.ARRAY(sa.Uuid), nullable=False),
        sa.PrimaryKeyConstraint("scan_id", "ordinal", name="pk_duplicate_groups"),
        sa.ForeignKeyConstraint(
            ["scan_id"],
            ["duplicate_scans.id"],
            name="fk_duplicate_groups_scan_id_duplicate_scans",
            ondelete="CASCADE",
        ),
    )
    # `?contact_id=`: the group holding one contact.
    op.create_index(
        "ix_duplicate_groups_contact_ids",
        "duplicate_groups",
        ["contact_ids"],
        postgresql_using="gin",
    )


def downgrade() -> None:
    op.drop_table("duplicate_groups")
    op.drop_table("duplicate_scans")
    op.execute("DROP FUNCTION IF EXISTS contact_match_keys")
