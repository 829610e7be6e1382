"""Keyset pages: a cursor holds the sort key of the last row of the previous page."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, Table, select, tuple_

from crm_shared.pagination import decode_cursor, encode_cursor
from crm_shared.problems import ProblemError

R = TypeVar("R")
_PARSERS: dict[type, Callable[[Any], Any]] = {
    datetime: datetime.fromisoformat,
    uuid.UUID: uuid.UUID,
    int: int,
}


def read_cursor(cursor: str, *kinds: type) -> tuple[Any, ...]:
    """The cursor's values as `kinds` (400 problem if it is not one of this list's)."""
    values = decode_cursor(cursor, len(kinds))
    try:
        return tuple(_PARSERS[kind](value) for kind, value in zip(kinds, values, strict=True))
    except (TypeError, ValueError) as exc:
        raise ProblemError(400, detail="The cursor is not valid") from exc


def oldest_first(
    table: Table,
    columns: Sequence[Any],
    conditions: Sequence[ColumnElement[bool]],
    cursor: str | None,
) -> Select[Any]:
    """Rows by (created_at, id), the stable order of every list, after `cursor`."""
    stmt = select(*columns).where(*conditions, *after(table, cursor))
    return stmt.order_by(table.c.created_at, table.c.id)


def after(table: Table, cursor: str | None) -> list[ColumnElement[bool]]:
    """The condition for rows after `cursor` in (created_at, id) order (none without one)."""
    if not cursor:
        return []
    created_at, row_id = read_cursor(cursor, datetime, uuid.UUID)
    return [tuple_(table.c.created_at, table.c.id) > (created_at, row_id)]


def cut_page(
    rows: Sequence[R], limit: int, key: Callable[[R], tuple[Any, ...]]
) -> tuple[list[R], str | None]:
    """The first `limit` rows, and a cursor if there were more (the query fetched limit+1)."""
    if len(rows) <= limit:
        return list(rows), None
    kept = list(rows[:limit])
    return kept, encode_cursor(*(_plain(value) for value in key(kept[-1])))


def created_key(row: Any) -> tuple[Any, ...]:
    """The (created_at, id) sort key of a row."""
    return row["created_at"], row["id"]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value if isinstance(value, int | str) else str(value)
