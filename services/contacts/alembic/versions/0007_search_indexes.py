"""Indexes for search, filters and sorts at a million contacts.

Search keys are lowercase texts compared byte by byte (COLLATE "C"), so one btree on
(key, id) serves a prefix range (`key >= 'jo' AND key < 'jp'`), an exact match, a sort
and a keyset cursor at once, whatever the database's own collation. Queries must spell
each expression exactly as here (crm_contacts.adapters.search_keys).

`contact_name_words` holds every first and last name ever written, lowercase: typo
search corrects a query word against it (a few thousand rows) and then looks contacts up
by the corrected names through the btrees above, instead of scoring every trigram match
among the contacts. A statement trigger keeps it filled (COPY and multi-row inserts pay
once per statement). The trigram GIN index over contacts.search_text is dropped: nothing
reads it any more and every write paid for it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LIVE = "WHERE NOT erased"
_INDEXES = {
    "ix_contacts_first_name_key": 'contacts ((lower(first_name) COLLATE "C"), id)',
    "ix_contacts_last_name_key": 'contacts ((lower(last_name) COLLATE "C"), id)',
    "ix_contacts_full_name_key": (
        'contacts ((contact_full_name(first_name, last_name) COLLATE "C"), id)'
    ),
    "ix_contacts_email_text_key": 'contacts ((lower(email::text) COLLATE "C"), id)',
    "ix_contacts_email_domain_key": (
        'contacts ((contact_email_domain(email::text) COLLATE "C"), id)'
    ),
    "ix_contacts_title_key": 'contacts ((lower(title) COLLATE "C"), created_at, id)',
    "ix_contacts_phone_digits": "contacts (contact_phone_digits(phone), created_at, id)",
    "ix_contacts_updated_at_id": "contacts (updated_at, id)",
}
# Statistics on the filtered expressions: their indexes are partial (live rows only), and
# PostgreSQL reads no statistics from partial indexes, so without these every filter
# on them would be estimated at 0.5% of the table (and lists plan by estimates).
_STATISTICS = {
    "st_contacts_email_domain": "contact_email_domain(email::text)",
    "st_contacts_email": "lower(email::text)",
    "st_contacts_first_name": "lower(first_name)",
    "st_contacts_last_name": "lower(last_name)",
    "st_contacts_title": "lower(title)",
    "st_contacts_phone_digits": "contact_phone_digits(phone)",
}
# A prepared list query with a range (`created_at <= $1`) planned once for any value
# (a generic plan) can scan the whole table; this service's queries plan in about a
# millisecond, so each is planned for its values.
_CUSTOM_PLANS = (
    "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET plan_cache_mode = {}',"
    " current_database()); END $$"
)
_WORDS_FUNCTION = """
CREATE FUNCTION contact_name_words_add() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  INSERT INTO contact_name_words (word)
  SELECT DISTINCT left(w, 200) FROM new_rows,
    LATERAL (VALUES (lower(first_name)), (lower(last_name))) AS v(w)
  WHERE w <> '' ORDER BY 1
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$fn$"""


def upgrade() -> None:
    for name, target in _INDEXES.items():
        op.execute(f"CREATE INDEX {name} ON {target} {_LIVE}")
    op.execute('CREATE INDEX ix_companies_name_key ON companies ((lower(name) COLLATE "C"), id)')
    op.execute("DROP INDEX IF EXISTS ix_contacts_search_text_trgm")
    for name, expression in _STATISTICS.items():
        op.execute(f"CREATE STATISTICS {name} ON ({expression}) FROM contacts")
    op.execute(_CUSTOM_PLANS.format("force_custom_plan"))

    op.execute('CREATE TABLE contact_name_words (word text COLLATE "C" PRIMARY KEY)')
    # GiST: `ORDER BY word <-> q LIMIT n` finds the nearest words by trigram distance.
    op.execute(
        "CREATE INDEX ix_contact_name_words_trgm ON contact_name_words"
        " USING gist (word gist_trgm_ops)"
    )
    op.execute(_WORDS_FUNCTION)
    for event in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER contact_name_words_{event.lower()} AFTER {event} ON contacts"
            " REFERENCING NEW TABLE AS new_rows"
            " FOR EACH STATEMENT EXECUTE FUNCTION contact_name_words_add()"
        )
    op.execute(
        "INSERT INTO contact_name_words (word) SELECT DISTINCT left(w, 200) FROM contacts,"
        " LATERAL (VALUES (lower(first_name)), (lower(last_name))) AS v(w)"
        " WHERE w <> '' ON CONFLICT DO NOTHING"
    )


def downgrade() -> None:
    op.execute(_CUSTOM_PLANS.format("auto"))
    for name in _STATISTICS:
        op.execute(f"DROP STATISTICS IF EXISTS {name}")
    for event in ("insert", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS contact_name_words_{event} ON contacts")
    op.execute("DROP FUNCTION IF EXISTS contact_name_words_add()")
    op.execute("DROP TABLE IF EXISTS contact_name_words")
    op.execute(
        "CREATE INDEX ix_contacts_search_text_trgm ON contacts USING gin (search_text gin_trgm_ops)"
    )
    op.execute("DROP INDEX IF EXISTS ix_companies_name_key")
    for name in reversed(_INDEXES):
        op.execute(f"DROP INDEX IF EXISTS {name}")
