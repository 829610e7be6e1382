"""One duplicate scan's matching, all in PostgreSQL: blocks, candidate pairs, scores.

Blocking: every live contact yields up to seven hashed keys (`contact_match_keys`,
migration 0006): its normalized email, and the first and last word of its name within
its company, its phone digits and its business email domain (free-mail providers are no
block). One sequential scan, in parallel, computes and sorts them; contacts sharing a
key form a block. A block larger than BLOCK_LIMIT is skipped: such crowds (placeholder
names, a switchboard number) are not one person. Only pairs inside a block are compared,
by trigram similarity of full names, so the work grows with the contacts, not their
square. Names sharing no word are never compared: a typo in each word goes unseen.

Scores: the same normalized email is 1.0; otherwise the name similarity, which must
reach NAME_SIMILARITY with a shared company, phone or business domain.
"""

from __future__ import annotations

from typing import cast

import asyncpg

from crm_contacts.domain.duplicates import NAME_SIMILARITY, DuplicatePair, Reason

BLOCK_LIMIT = 500
# Pairs come back to Python to be grouped; past this many the data is not duplicates but
# blocks too coarse to be useful, and the scan fails saying so.
MAX_PAIRS = 2_000_000
# For this transaction only: sorting the keys (5 to 6 per contact) in memory, and in the
# parallel workers (moving a row to the leader costs far less than the planner assumes).
SCAN_SETTINGS = (
    "SET LOCAL work_mem = '256MB'",
    "SET LOCAL max_parallel_workers_per_gather = 2",
    "SET LOCAL parallel_tuple_cost = 0.001",
)

# A key's low three bits are its kind: 1 email, 2 company, 3 phone, 4 business domain.
_PAIRS = """
WITH keyed AS (
  SELECT c.id, k.key
  FROM contacts c,
       unnest(contact_match_keys(c.first_name, c.last_name, c.email::text, c.phone,
                                 c.company_id)) AS k(key)
  WHERE NOT c.erased
), shared AS (
  -- In key order, a key is shared when a neighbour has it too: one sort and a window
  -- cost far less than grouping millions of keys that nobody else has.
  SELECT id, key
  FROM (SELECT id, key, lag(key) OVER w AS before, lead(key) OVER w AS after
        FROM keyed WINDOW w AS (ORDER BY key)) AS neighbours
  WHERE key IN (before, after)
), blocks AS MATERIALIZED (
  SELECT s.id, s.key, contact_full_name(c.first_name, c.last_name) AS name
  FROM (SELECT id, key, count(*) OVER (PARTITION BY key) AS size FROM shared) AS s
  JOIN contacts c ON c.id = s.id
  WHERE s.size <= $2
), candidates AS (
  SELECT a.id AS lo, b.id AS hi, any_value(a.name) AS lo_name, any_value(b.name) AS hi_name,
         bool_or(a.key & 7 = 1) AS same_email, bool_or(a.key & 7 = 2) AS same_company,
         bool_or(a.key & 7 = 3) AS same_phone, bool_or(a.key & 7 = 4) AS same_domain
  FROM blocks a JOIN blocks b ON a.key = b.key AND a.id < b.id
  GROUP BY a.id, b.id
), scored AS MATERIALIZED (
  SELECT *, coalesce(similarity(lo_name, hi_name), 0) AS name_score FROM candidates
)
SELECT lo, hi,
       CASE WHEN same_email THEN 1.0 ELSE round(name_score::numeric, 3) END::float8 AS score,
       array_remove(ARRAY[
         CASE WHEN same_email THEN 'same_email' END,
         CASE WHEN name_score >= $1 AND same_company THEN 'similar_name_same_company' END,
         CASE WHEN name_score >= $1 AND same_phone THEN 'similar_name_same_phone' END,
         CASE WHEN name_score >= $1 AND same_domain THEN 'similar_name_same_email_domain' END
       ], NULL) AS reasons
FROM scored
WHERE same_email OR (name_score >= $1 AND (same_company OR same_phone OR same_domain))
LIMIT $3
"""


class TooManyPairsError(RuntimeError):
    """The scan found more pairs than it can group."""


async def find_pairs(conn: asyncpg.Connection) -> list[DuplicatePair]:
    """Every likely duplicate pair among the live contacts (run inside a transaction)."""
    for setting in SCAN_SETTINGS:
        await conn.execute(setting)
    rows = await conn.fetch(_PAIRS, NAME_SIMILARITY, BLOCK_LIMIT, MAX_PAIRS + 1)
    if len(rows) > MAX_PAIRS:
        raise TooManyPairsError(f"more than {MAX_PAIRS} likely duplicate pairs")
    return [
        DuplicatePair(row["lo"], row["hi"], row["score"], frozenset(cast(list[Reason], reasons)))
        for row in rows
        for reasons in [row["reasons"]]
    ]


async def count_live_contacts(conn: asyncpg.Connection, *, up_to: int | None = None) -> int:
    """How many contacts are live (not erased); with `up_to`, counting stops there."""
    if up_to is None:
        return int(await conn.fetchval("SELECT count(*) FROM contacts WHERE NOT erased"))
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM (SELECT 1 FROM contacts WHERE NOT erased LIMIT $1) AS live",
            up_to,
        )
    )
