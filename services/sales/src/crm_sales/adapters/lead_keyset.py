"""Keyset pages for the leads part of the service: a cursor holds the sort key of the
last row of a page, tagged with the sort it belongs to."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, tuple_

from crm_shared.pagination import decode_cursor, encode_cursor
from crm_shared.problems import ProblemError

R = TypeVar("R")
Reader = Callable[[Any], Any]
READERS: dict[type, Reader] = {datetime: datetime.fromisoformat, uuid.UUID: uuid.UUID, int: int}


def bad_cursor() -> ProblemError:
    """The 400 for a cursor this list did not give out (or gave out for another sort)."""
    return ProblemError(400, detail="The cursor is not valid for this list and sort")


def after_cursor(
    stmt: Select[Any],
    keys: Sequence[ColumnElement[Any]],
    kinds: Sequence[type],
    *,
    token: str,
    cursor: str | None,
    descending: bool = False,
) -> Select[Any]:
    """`stmt` ordered by `keys` (the last one unique), starting after `cursor`."""
    stmt = stmt.order_by(*(key.desc() if descending else key.asc() for key in keys))
    if not cursor:
        return stmt
    values = decode_cursor(cursor, len(keys) + 1)
    if values[0] != token:
        raise bad_cursor()
    try:
        bound = [READERS[kind](value) for kind, value in zip(kinds, values[1:], strict=True)]
    except (TypeError, ValueError) as exc:
        raise bad_cursor() from exc
    position = tuple_(*keys)
    return stmt.where(position < tuple(bound) if descending else position > tuple(bound))


def cut_page(
    rows: Sequence[R], limit: int, token: str, key: Callable[[R], Sequence[Any]]
) -> tuple[list[R], str | None]:
    """The first `limit` rows, and the next page's cursor if the query found more (it
    fetched limit + 1)."""
    if len(rows) <= limit:
        return list(rows), None
    kept = list(rows[:limit])
    return kept, encode_cursor(token, *(_plain(value) for value in key(kept[-1])))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value if isinstance(value, int | str) else str(value)
