"""Keyset pages over any sort key, NULLs included, with cursors tied to their sort.

Rows come in two segments, each one index range: those with a value, by (value, id),
then those without, by id (an empty value sorts last either way). A cursor holds the
sort's token, the segment and the last row's (value, id); one from another sort or list
is refused with 400 rather than silently read as something else.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, literal, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.tables import contacts
from crm_shared.pagination import decode_cursor, encode_cursor
from crm_shared.problems import ProblemError

VALUES, EMPTY = 0, 1


@dataclass(frozen=True, slots=True)
class SortKey:
    """What a list is ordered by: the indexed expression, and how a cursor's JSON value
    becomes a query parameter again."""

    expr: ColumnElement[Any]
    nullable: bool
    read: Callable[[Any], Any]


def bad_cursor() -> ProblemError:
    """The 400 for a cursor this list did not give out (or gave out for another order)."""
    return ProblemError(400, detail="The cursor is not valid for this list and sort")


def read_position(cursor: str, token: str, *kinds: Callable[[Any], Any]) -> tuple[Any, ...]:
    """The values after `token` in a cursor, each read by its kind (None stays None)."""
    values = decode_cursor(cursor, len(kinds) + 1)
    if values[0] != token:
        raise bad_cursor()
    try:
        return tuple(
            None if v is None else kind(v) for kind, v in zip(kinds, values[1:], strict=True)
        )
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise bad_cursor() from exc


async def sorted_page(
    session: AsyncSession,
    columns: Sequence[Any],
    conditions: Sequence[ColumnElement[bool]],
    key: SortKey,
    *,
    token: str,
    descending: bool,
    limit: int,
    cursor: str | None,
) -> tuple[list[RowMapping], str | None]:
    """One page ordered by `key` (then id), and the cursor of the next if there is one."""
    segment, value, last_id = (VALUES, None, None)
    if cursor:
        segment, value, last_id = read_position(cursor, token, int, key.read, uuid.UUID)
        valid = (value is None) == (last_id is None) if segment == VALUES else value is None
        if segment not in (VALUES, EMPTY) or not valid:
            raise bad_cursor()
    order = (lambda e: e.desc()) if descending else (lambda e: e.asc())
    rows: list[RowMapping] = []
    if segment == VALUES:
        stmt = select(*columns, key.expr.label("sort_value")).where(*conditions)
        if key.nullable:
            stmt = stmt.where(key.expr.is_not(None))
        if last_id is not None:
            after = tuple_(key.expr, contacts.c.id)
            bound = tuple_(literal(value), literal(last_id))
            stmt = stmt.where(after < bound if descending else after > bound)
        stmt = stmt.order_by(order(key.expr), order(contacts.c.id)).limit(limit + 1)
        rows = list((await session.execute(stmt)).mappings().all())
        if len(rows) > limit:
            last = rows[limit - 1]
            return rows[:limit], encode_cursor(token, VALUES, last["sort_value"], last["id"])
        if not key.nullable:
            return rows, None
        last_id = None
    wanted = limit - len(rows)
    stmt = select(*columns).where(*conditions, key.expr.is_(None))
    if last_id is not None:
        stmt = stmt.where(contacts.c.id < last_id if descending else contacts.c.id > last_id)
    stmt = stmt.order_by(order(contacts.c.id)).limit(wanted + 1)
    empty = list((await session.execute(stmt)).mappings().all())
    rows += empty[:wanted]
    if len(empty) <= wanted:
        return rows, None
    if wanted == 0:  # the page ended exactly where the rows without a value begin
        return rows, encode_cursor(token, EMPTY, None, None)
    return rows, encode_cursor(token, EMPTY, None, rows[-1]["id"])
