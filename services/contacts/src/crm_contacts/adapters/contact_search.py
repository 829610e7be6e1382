"""`?q=` search: prefix matches first, then typo matches, each tier read in rank order.

Prefix tier: the query starts a first name, last name, "first last" (queries with a
space), email, email domain or the contact's company name. Hits come alphabetically by
the smallest key that matched (so "jo" lists Jo, Joanna, John, jo@x.com...; an exact
match comes first). Each key is its own btree range on (key, id); every round reads the
next WINDOW rows of each range and merges them (domain.windows), so a page costs a few
hundred index rows however many contacts share the prefix, even when one range is
mostly contacts listed under another key (emails made of the person's first name).

Typo tier: names a few edits from the query (adapters/search_words), nearest first,
then by id; each name is an equality range on the same btrees (adapters/search_typos).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, RowMapping, Uuid, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters.cursors import bad_cursor, read_position
from crm_contacts.adapters.rows import CONTACT_COLUMNS
from crm_contacts.adapters.search_prefix import prefix_windows, range_params
from crm_contacts.adapters.search_typos import typo_hits, typo_params
from crm_contacts.adapters.search_words import fuzzy_names
from crm_contacts.adapters.tables import contacts
from crm_contacts.domain.windows import Position, merge_windows
from crm_shared.pagination import encode_cursor

PREFIX, TYPO = 0, 1
WINDOW, ROUNDS = 100, 3
Row = RowMapping
_BY_IDS = select(*(contacts.c[name] for name in CONTACT_COLUMNS)).where(
    contacts.c.id == any_(bindparam("ids", type_=ARRAY(Uuid)))
)


def _token(query: str) -> str:
    return "q:" + hashlib.blake2s(query.encode(), digest_size=6).hexdigest()


async def search_page(
    session: AsyncSession,
    filters: Sequence[ColumnElement[bool]],
    q: str,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[Row], str | None]:
    """One page of live contacts matching `q` and `filters`, best first, and the next
    page's cursor, if any."""
    query, token = q.lower(), _token(q.lower())
    tier, key, last_id = PREFIX, None, None
    if cursor:
        tier, key, last_id = read_position(cursor, token, int, lambda v: v, uuid.UUID)
        kind = str if tier == PREFIX else int
        if tier not in (PREFIX, TYPO) or (key is not None and not isinstance(key, kind)):
            raise bad_cursor()
    rows: list[Row] = []
    if tier == PREFIX:
        after = (key, last_id) if last_id is not None else None
        hits, next_after = await _prefix_hits(session, tuple(filters), query, after, limit)
        rows = await _load(session, hits[:limit])
        if next_after is not None:
            return rows, encode_cursor(token, PREFIX, *next_after)
        key, last_id = None, None
    mode, names = await fuzzy_names(session, query)
    wanted = limit - len(rows)
    typos: list[Position] = []
    if names:
        stmt = typo_hits(tuple(filters), mode=mode, count=len(names), after=key is not None)
        params = {**range_params(query), **typo_params(names), "limit": wanted + 1}
        if key is not None:
            params |= {"after_distance": key, "after_id": last_id}
        typos = list((await session.execute(stmt, params)).tuples().all())
    rows += await _load(session, typos[:wanted])
    if len(typos) <= wanted:
        return rows, None
    if wanted == 0:
        return rows, encode_cursor(token, TYPO, None, None)
    return rows, encode_cursor(token, TYPO, *typos[wanted - 1])


async def _load(session: AsyncSession, hits: list[Position]) -> list[Row]:
    """The rows of `hits`, in their order."""
    if not hits:
        return []
    found = (await session.execute(_BY_IDS, {"ids": [i for _, i in hits]})).mappings()
    by_id = {row["id"]: row for row in found}
    return [by_id[i] for _, i in hits if i in by_id]


async def _prefix_hits(
    session: AsyncSession,
    filters: tuple[ColumnElement[bool], ...],
    query: str,
    after: Position | None,
    limit: int,
) -> tuple[list[Position], Position | None]:
    """Up to `limit` hits after `after`, and where the next page starts (None: the
    prefix tier ends within this page). Reads at most ROUNDS windows per key; a page
    cut short by that still has a cursor, which continues where the reading stopped."""
    window = max(WINDOW, limit + 1)
    params: dict[str, Any] = {**range_params(query), "window": window}
    hits: list[Position] = []
    for _ in range(ROUNDS):
        stmt = prefix_windows(filters, spaced=" " in query, after=after is not None)
        if after is not None:
            params |= {"after_key": after[0], "after_id": after[1]}
        rows = (await session.execute(stmt, params)).tuples().all()
        merged, frontier = merge_windows(rows, window)
        hits += merged
        if len(hits) > limit:
            return hits[:limit], hits[limit - 1]
        if frontier is None:
            return hits, None
        after = frontier
    return hits, after
