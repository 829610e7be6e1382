"""Reading a scan's duplicate groups, as they stand now.

A group keeps the contact ids its scan found; each read leaves out the members no longer
live (merged, deleted or erased since), drops a group left with fewer than two, and
suggests as primary the live member with the most fields filled in, then the oldest.
Score and reasons stay those the scan found: a new scan recomputes them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.domain.duplicates import Reason
from crm_shared.pagination import decode_cursor, encode_cursor
from crm_shared.problems import ProblemError

_PAGE = """
SELECT g.ordinal, g.score, g.reasons, live.ids, live.primary_id
FROM duplicate_groups g
CROSS JOIN LATERAL (
  SELECT array_agg(c.id ORDER BY c.id) AS ids,
         (array_agg(c.id ORDER BY num_nonnulls(c.first_name, c.last_name, c.email, c.phone,
                                               c.title, c.company_id, c.lifecycle_stage,
                                               c.owner_id) DESC,
                                  c.created_at, c.id))[1] AS primary_id
  FROM contacts c
  WHERE c.id = ANY (g.contact_ids) AND NOT c.erased
) AS live
WHERE g.scan_id = :scan_id AND g.ordinal > :after AND cardinality(live.ids) >= 2
{of_contact}
ORDER BY g.ordinal
LIMIT :limit
"""
# Served by the GIN index on contact_ids; the contact itself must still be live.
_OF_CONTACT = (
    "AND g.contact_ids @> ARRAY[CAST(:contact_id AS uuid)]"
    " AND CAST(:contact_id AS uuid) = ANY (live.ids)"
)


@dataclass(frozen=True, slots=True)
class StoredGroup:
    """A scan's group as it reads now: its live members and its rank in the scan."""

    ordinal: int
    contact_ids: list[uuid.UUID]
    score: float
    reasons: list[Reason]
    primary_suggestion: uuid.UUID


async def read_groups(
    session: AsyncSession,
    scan_id: uuid.UUID,
    *,
    after: int,
    limit: int,
    contact_id: uuid.UUID | None = None,
) -> list[StoredGroup]:
    """Up to `limit` groups of the scan ranked after `after` that still have two live
    members; with `contact_id`, only the group holding that contact."""
    params: dict[str, Any] = {"scan_id": scan_id, "after": after, "limit": limit}
    sql = _PAGE.format(of_contact=_OF_CONTACT if contact_id else "")
    if contact_id:
        params["contact_id"] = contact_id
    rows = (await session.execute(text(sql), params)).all()
    return [
        StoredGroup(
            ordinal=row.ordinal,
            contact_ids=list(row.ids),
            score=row.score,
            reasons=cast(list[Reason], list(row.reasons)),
            primary_suggestion=row.primary_id,
        )
        for row in rows
    ]


def group_cursor(scan_id: uuid.UUID, last: StoredGroup) -> str:
    """The cursor of the page after `last`: its scan and rank."""
    return encode_cursor(str(scan_id), last.ordinal)


def read_cursor(cursor: str) -> tuple[uuid.UUID, int]:
    """The scan and rank a cursor holds; 400 problem if it is not one of ours."""
    scan_id, ordinal = decode_cursor(cursor, 2)
    # bool is an int: refuse it explicitly.
    if isinstance(ordinal, bool) or not isinstance(ordinal, int) or ordinal < 0:
        raise ProblemError(400, detail="The cursor is not valid")
    try:
        return uuid.UUID(str(scan_id)), ordinal
    except ValueError as exc:
        raise ProblemError(400, detail="The cursor is not valid") from exc
