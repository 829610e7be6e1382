"""Likely duplicate contacts, found in PostgreSQL (pg_trgm and the 0002 indexes).

A group is a pair of live contacts for now (lower id first); a pair that several rules
match is listed once, under its best score. Each page recomputes the pairs and keeps
those after the cursor's (score, lower id, higher id).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm_shared.pagination import decode_cursor, encode_cursor
from crm_shared.problems import ProblemError

Reason = Literal[
    "same_email",
    "similar_name_same_company",
    "similar_name_same_phone",
    "similar_name_same_email_domain",
]
NAME_SIMILARITY = 0.6
_EMAIL_KEY = "contact_email_key({t}.email::text)"
_NAME = "contact_full_name({t}.first_name, {t}.last_name)"
_PHONE = "contact_phone_digits({t}.phone)"
_DOMAIN = "contact_email_domain({t}.email::text)"


def _key(template: str) -> tuple[str, str]:
    return template.format(t="a"), template.format(t="b")


_EA, _EB = _key(_EMAIL_KEY)
_NA, _NB = _key(_NAME)
_PA, _PB = _key(_PHONE)
_DA, _DB = _key(_DOMAIN)

# Scores are rounded in SQL so the cursor holds exactly the value the order uses. The
# f-string only splices the constant key expressions above (no input): hence noqa S608.
_PAIRS = f"""
WITH pairs AS (
  SELECT a.id AS lo, b.id AS hi, 1.0::float8 AS score, 'same_email' AS reason, 0 AS rule
  FROM contacts a JOIN contacts b ON {_EB} = {_EA} AND a.id < b.id
  WHERE NOT a.erased AND NOT b.erased AND a.email IS NOT NULL AND b.email IS NOT NULL
  UNION ALL
  SELECT a.id, b.id, round(similarity({_NA}, {_NB})::numeric, 3)::float8,
         CASE WHEN a.company_id = b.company_id THEN 'similar_name_same_company'
              WHEN {_PA} = {_PB} THEN 'similar_name_same_phone'
              ELSE 'similar_name_same_email_domain' END,
         1
  FROM contacts a JOIN contacts b ON {_NB} % {_NA} AND a.id < b.id
  WHERE NOT a.erased AND NOT b.erased
    AND similarity({_NA}, {_NB}) >= :threshold
    AND (a.company_id = b.company_id OR {_PA} = {_PB} OR {_DA} = {_DB})
), best AS (
  SELECT DISTINCT ON (lo, hi) lo, hi, score, reason FROM pairs ORDER BY lo, hi, score DESC, rule
)
SELECT lo, hi, score, reason FROM best
WHERE CAST(:score AS float8) IS NULL OR score < :score
   OR (score = :score AND (lo, hi) > (CAST(:lo AS uuid), CAST(:hi AS uuid)))
ORDER BY score DESC, lo, hi
LIMIT :limit
"""  # noqa: S608


@dataclass(frozen=True, slots=True)
class DuplicatePair:
    """Two live contacts that are likely the same person, and why."""

    contact_ids: tuple[uuid.UUID, uuid.UUID]
    score: float
    reason: Reason


async def find_duplicates(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[list[DuplicatePair], str | None]:
    """One page of duplicate pairs, best score first, then by the lower id."""
    score, lo, hi = _read_cursor(cursor) if cursor else (None, None, None)
    params: dict[str, Any] = {"threshold": NAME_SIMILARITY, "limit": limit + 1}
    params |= {"score": score, "lo": lo, "hi": hi}
    async with session.begin():
        # SET LOCAL: `%` uses this threshold, and it must not leak to the pooled connection.
        await session.execute(text(f"SET LOCAL pg_trgm.similarity_threshold = {NAME_SIMILARITY}"))
        rows = (await session.execute(text(_PAIRS), params)).all()
    pairs = [DuplicatePair((row.lo, row.hi), row.score, row.reason) for row in rows[:limit]]
    if len(rows) <= limit:
        return pairs, None
    last = pairs[-1]
    return pairs, encode_cursor(last.score, *(str(i) for i in last.contact_ids))


def _read_cursor(cursor: str) -> tuple[float, uuid.UUID, uuid.UUID]:
    score, lo, hi = decode_cursor(cursor, 3)
    # bool is an int: refuse it explicitly; a NaN or infinite score is no score of ours.
    if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
        raise ProblemError(400, detail="The cursor is not valid")
    try:
        return float(score), uuid.UUID(str(lo)), uuid.UUID(str(hi))
    except ValueError as exc:
        raise ProblemError(400, detail="The cursor is not valid") from exc
