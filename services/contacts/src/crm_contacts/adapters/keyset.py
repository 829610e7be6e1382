"""Keyset pages over any sort key, NULLs included, with cursors tied to their sort.

Rows come in two segments, each one index range: those with a value, by (value, id),
then those without, by id (an empty value sorts last either way). A cursor holds the
sort's token, the segment and the last row's (value, id); one from another sort or list
is refused with 400 rather than silently read as something else.

Three ways to read a page (contact_queries picks one per request):
- DIRECT: filters in the WHERE clause; the planner chooses the index.
- FILTER_FIRST: the matches (expected to be few) are materialized, then sorted in
  memory; more than CAP of them and the request is read as a WALK instead.
- WALK: the sort's index is read in order, at most BUDGET rows per request, each row
  checked against the filters; a page the budget cuts short ends early, with a cursor
  where the walk stopped. Bounded whatever the data: no correlation between a filter and
  the sort (old contacts, recently updated) can make one request read the whole table.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    RowMapping,
    Select,
    and_,
    func,
    literal,
    select,
    true,
)
from sqlalchemy import tuple_ as row_of
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.cursors import bad_cursor, read_position
from crm_contacts.adapters.rows import CONTACT_COLUMNS
from crm_contacts.adapters.tables import contacts
from crm_shared.pagination import encode_cursor

VALUES, EMPTY = 0, 1
BUDGET = 5_000  # rows a WALK reads per request
CAP = 5_000  # matches FILTER_FIRST sorts at most; past that it walks instead


class Plan(Enum):
    """How a page is read (see the module's docstring)."""

    DIRECT = "direct"
    FILTER_FIRST = "filter first"
    WALK = "walk"


@dataclass(frozen=True, slots=True)
class SortKey:
    """What a list is ordered by: the indexed expression, and how a cursor's JSON value
    becomes a query parameter again."""

    expr: ColumnElement[Any]
    nullable: bool
    read: Callable[[Any], Any]


async def sorted_page(
    session: AsyncSession,
    filters: Sequence[ColumnElement[bool]],
    key: SortKey,
    *,
    plan: Plan,
    token: str,
    descending: bool,
    limit: int,
    cursor: str | None,
    bounds: Sequence[ColumnElement[bool]] = (),
) -> tuple[list[RowMapping], str | None]:
    """One page of live contacts matching `bounds` (conditions on the sort key itself,
    ranges of its index) and `filters`, by `key` then id, and the next page's cursor
    (also when a WALK stopped before the page was full)."""
    segment, value, last_id = VALUES, None, None
    if cursor:
        segment, value, last_id = read_position(cursor, token, int, key.read, uuid.UUID)
        valid = (value is None) == (last_id is None) if segment == VALUES else value is None
        if segment not in (VALUES, EMPTY) or not valid:
            raise bad_cursor()
    source: FromClause = contacts
    where: list[ColumnElement[bool]] = [~contacts.c.erased, *bounds]
    if plan is Plan.DIRECT:
        where += filters
    elif plan is Plan.FILTER_FIRST:
        # Only the sort value: the rows are loaded by id once the page is known.
        found = select(contacts.c.id, key.expr.label("sort_value")).where(*where, *filters)
        source = found.limit(CAP + 1).cte("matches").prefix_with("MATERIALIZED")
        where = [select(func.count()).select_from(source).scalar_subquery() <= CAP]
    expr = source.c.sort_value if plan is Plan.FILTER_FIRST else key.expr
    order = (lambda e: e.desc()) if descending else (lambda e: e.asc())
    columns = [source.c[name] for name in CONTACT_COLUMNS] if plan is Plan.DIRECT else []
    hits: list[tuple[int, Any]] = []
    for part in (VALUES, EMPTY)[segment:] if key.nullable else (VALUES,):
        # The segment's rows after the position, in order.
        stmt = select(expr.label("sort_value"), source.c.id.label("row_id"), *columns)
        stmt = stmt.where(*where)
        if part == VALUES:
            stmt = stmt.where(expr.is_not(None)) if key.nullable else stmt
            if last_id is not None:
                after = row_of(expr, source.c.id)
                bound = row_of(literal(value), literal(last_id))
                stmt = stmt.where(after < bound if descending else after > bound)
            stmt = stmt.order_by(order(expr), order(source.c.id))
        else:
            stmt = stmt.where(expr.is_(None))
            if last_id is not None:
                stmt = stmt.where(source.c.id < last_id if descending else source.c.id > last_id)
            stmt = stmt.order_by(order(source.c.id))
        wanted = limit + 1 - len(hits)
        if plan is Plan.WALK:
            rows, stop = await _walk(session, stmt, filters, wanted, order)
        else:
            rows, stop = list((await session.execute(stmt.limit(wanted))).all()), None
        if not rows and plan is Plan.FILTER_FIRST and await _overflow(session, source):
            walk = Plan.WALK
            return await sorted_page(
                session, filters, key, plan=walk, token=token, descending=descending,
                limit=limit, cursor=cursor, bounds=bounds,
            )  # fmt: skip
        hits += [(part, row) for row in rows]
        if len(hits) > limit:
            page = hits[:limit]
            return await _rows(session, page, plan), _cursor(token, *page[-1])
        if stop is not None:  # the walk's budget ends here
            return await _rows(session, hits, plan), _cursor(token, part, stop)
        value, last_id = None, None
    return await _rows(session, hits, plan), None


async def _walk(
    session: AsyncSession,
    ordered: Select[Any],
    filters: Sequence[ColumnElement[bool]],
    wanted: int,
    order: Callable[[Any], Any],
) -> tuple[list[Any], Any]:
    """The first `wanted` rows of `ordered` (read BUDGET rows deep at most) that match
    `filters`, and, if the budget ran out first, the last row it read."""
    walk = ordered.add_columns(and_(true(), *filters).label("ok")).limit(BUDGET).subquery()
    # The LIMIT inside keeps the planner on the sort's index; the outer one stops the
    # walk as soon as the page is full.
    matched = select(walk.c.sort_value, walk.c.row_id).where(walk.c.ok)
    matched = matched.order_by(order(walk.c.sort_value), order(walk.c.row_id)).limit(wanted)
    rows = list((await session.execute(matched)).all())
    if len(rows) == wanted:
        return rows, None
    last = ordered.with_only_columns(*ordered.selected_columns[:2]).offset(BUDGET - 1).limit(1)
    return rows, (await session.execute(last)).first()


async def _overflow(session: AsyncSession, matches: FromClause) -> bool:
    """Whether FILTER_FIRST found more than CAP matches (and so returned nothing)."""
    counted = select(func.count()).select_from(matches)
    return int((await session.execute(counted)).scalar_one()) > CAP


def _cursor(token: str, segment: int, row: Any) -> str:
    # row: (sort value, id, ...)
    return encode_cursor(token, segment, row[0] if segment == VALUES else None, row[1])


async def _rows(session: AsyncSession, hits: list[tuple[int, Any]], plan: Plan) -> list[RowMapping]:
    if plan is Plan.DIRECT:
        return [row._mapping for _, row in hits]
    if not hits:
        return []
    ids = [row[1] for _, row in hits]
    by_id = select(contacts).where(contacts.c.id.in_(ids))
    found = {row["id"]: row for row in (await session.execute(by_id)).mappings()}
    return [found[i] for i in ids if i in found]
