"""Keyset pages: a cursor holds the sort key of the last row of the previous page."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, Table, or_, select, tuple_

from crm_shared.pagination import decode_cursor, encode_cursor
from crm_shared.problems import ProblemError

R = TypeVar("R")
KeyFn = Callable[[Any], tuple[Any, ...]]
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


def cut_page(
    rows: Sequence[R], limit: int, key: Callable[[R], tuple[Any, ...]]
) -> tuple[list[R], str | None]:
    """The first `limit` rows, and a cursor if there were more (the query fetched limit+1)."""
    if len(rows) <= limit:
        return list(rows), None
    kept = list(rows[:limit])
    return kept, encode_cursor(*(_plain(v) for v in key(kept[-1])))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value if isinstance(value, int | str) else str(value)


def oldest_first(
    table: Table,
    columns: Sequence[Any],
    conditions: Sequence[ColumnElement[bool]],
    cursor: str | None,
) -> tuple[Select[Any], KeyFn]:
    """Rows by (created_at, id): the default, stable order of every list."""
    stmt = select(*columns).where(*conditions).order_by(table.c.created_at, table.c.id)
    if cursor:
        created_at, row_id = read_cursor(cursor, datetime, uuid.UUID)
        stmt = stmt.where(tuple_(table.c.created_at, table.c.id) > (created_at, row_id))
    return stmt, lambda row: (row["created_at"], row["id"])


def best_match_first(
    columns: Sequence[Any],
    score: ColumnElement[int],
    conditions: Sequence[ColumnElement[bool]],
    cursor: str | None,
) -> tuple[Select[Any], KeyFn]:
    """Search hits by integer `score` (best first), then (created_at, id)."""
    hits = select(*columns, score.label("rank")).where(*conditions).subquery("hits")
    stmt = select(hits).order_by(hits.c.rank.desc(), hits.c.created_at, hits.c.id)
    if cursor:
        last_rank, created_at, row_id = read_cursor(cursor, int, datetime, uuid.UUID)
        after = tuple_(hits.c.created_at, hits.c.id) > (created_at, row_id)
        stmt = stmt.where(or_(hits.c.rank < last_rank, (hits.c.rank == last_rank) & after))
    return stmt, lambda row: (row["rank"], row["created_at"], row["id"])
