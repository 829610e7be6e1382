"""Cursor helpers for lists ordered by (created_at, id)."""

import uuid
from datetime import datetime
from typing import Any

from crm_shared.pagination import decode_cursor, encode_cursor
from crm_shared.problems import ProblemError


def after_key(cursor: str | None) -> tuple[datetime, uuid.UUID] | None:
    """The (created_at, id) a cursor points after; 400 problem if it is not ours."""
    if cursor is None:
        return None
    created_at, row_id = decode_cursor(cursor, 2)
    try:
        return datetime.fromisoformat(str(created_at)), uuid.UUID(str(row_id))
    except ValueError as exc:
        raise ProblemError(400, detail="The cursor is not valid") from exc


def split_page(rows: list[Any], limit: int) -> tuple[list[Any], str | None]:
    """Rows of a page fetched with `limit + 1`, and the cursor of the next page if any."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor(last.created_at.isoformat(), str(last.id))
