"""`?q=` search: prefix matches first, then typo matches, each tier read in rank order.

Prefix tier: the query starts a first name, last name, "first last" (queries with a
space), email, email domain or the contact's company name. Hits come alphabetically by
the smallest key that matched (so "jo" lists Jo, Joanna, John, jo@x.com...; an exact
match comes first). Each key is its own btree range on (key, id); every round reads the
next WINDOW rows of each range and merges them (domain.windows), so a page costs a few
hundred index rows however many contacts share the prefix, even when one range is
mostly contacts listed under another key (emails made of the person's first name).

Typo tier: names a few edits from the query (adapters/search_words), nearest first,
then by id; each name is an equality range on the same btrees. A contact appears once:
under the first key or name that matches it (the dedupe conditions below).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    RowMapping,
    Select,
    Text,
    Uuid,
    and_,
    any_,
    exists,
    false,
    literal,
    literal_column,
    not_,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contacts.adapters import search_keys as keys
from crm_contacts.adapters.keyset import bad_cursor, read_position
from crm_contacts.adapters.search_words import fuzzy_names
from crm_contacts.adapters.tables import companies, contacts
from crm_contacts.domain.typos import Correction
from crm_contacts.domain.windows import Position, merge_windows
from crm_shared.pagination import encode_cursor

PREFIX, TYPO = 0, 1
WINDOW, ROUNDS = 100, 3
_OWN = list(keys.OWN_KEYS.values())


def _token(query: str) -> str:
    return "q:" + hashlib.blake2s(query.encode(), digest_size=6).hexdigest()


async def search_page(
    session: AsyncSession,
    columns: Sequence[Any],
    conditions: Sequence[ColumnElement[bool]],
    q: str,
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[RowMapping], str | None]:
    """One page of hits for `q` (best first) and the next page's cursor, if any."""
    query, token = q.lower(), _token(q.lower())
    tier, key, last_id = PREFIX, None, None
    if cursor:
        tier, key, last_id = read_position(cursor, token, int, lambda v: v, uuid.UUID)
        kind = str if tier == PREFIX else int
        if tier not in (PREFIX, TYPO) or (key is not None and not isinstance(key, kind)):
            raise bad_cursor()
    rows: list[RowMapping] = []
    if tier == PREFIX:
        after = (key, last_id) if last_id is not None else None
        hits, next_after = await _prefix_hits(session, conditions, query, after, limit)
        rows = await _load(session, columns, hits[:limit])
        if next_after is not None:
            return rows, encode_cursor(token, PREFIX, *next_after)
        key, last_id = None, None
    mode, names = await fuzzy_names(session, query)
    wanted = limit - len(rows)
    after = (key, last_id) if key is not None else None
    stmt = _typo_hits(conditions, query, mode, names, after, wanted + 1)
    typos = list((await session.execute(stmt)).tuples().all()) if stmt is not None else []
    rows += await _load(session, columns, typos[:wanted])
    if len(typos) <= wanted:
        return rows, None
    if wanted == 0:
        return rows, encode_cursor(token, TYPO, None, None)
    return rows, encode_cursor(token, TYPO, *typos[wanted - 1])


async def _fetch(session: AsyncSession, stmt: Select[Any]) -> list[RowMapping]:
    return list((await session.execute(stmt)).mappings().all())


async def _load(
    session: AsyncSession, columns: Sequence[Any], hits: list[Position]
) -> list[RowMapping]:
    """The rows of `hits`, in their order, each with its `search_key`."""
    if not hits:
        return []
    ids = literal([i for _, i in hits], ARRAY(Uuid))
    found = await _fetch(session, select(*columns).where(contacts.c.id == any_(ids)))
    by_id = {row["id"]: row for row in found}
    return [{**by_id[i], "search_key": k} for k, i in hits if i in by_id]  # type: ignore[misc]


async def _prefix_hits(
    session: AsyncSession,
    conditions: Sequence[ColumnElement[bool]],
    query: str,
    after: Position | None,
    limit: int,
) -> tuple[list[Position], Position | None]:
    """Up to `limit` hits after `after`, and where the next page starts (None: the
    prefix tier ends within this page). Reads at most ROUNDS windows per key; a page
    cut short by that still has a cursor, which continues where the reading stopped."""
    window = max(WINDOW, limit + 1)
    hits: list[Position] = []
    for _ in range(ROUNDS):
        stmt = _prefix_windows(conditions, query, after, window)
        merged, frontier = merge_windows((await session.execute(stmt)).tuples().all(), window)
        hits += merged
        if len(hits) > limit:
            return hits[:limit], hits[limit - 1]
        if frontier is None:
            return hits, None
        after = frontier
    return hits, after


def _prefix_windows(
    conditions: Sequence[ColumnElement[bool]],
    query: str,
    after: Position | None,
    window: int,
) -> Select[Any]:
    own = dict(keys.OWN_KEYS)
    if " " not in query:
        # Without a space, "first last" starts with the query only where the first name
        # (or, lacking one, the last name) does: those ranges already list them.
        del own["full_name"]
    keyed = list(own.values())
    matched = [keys.known(keys.starts_with(key, query)) for key in keyed]
    branches = []
    for i, key in enumerate(keyed):
        # Listed under its smallest matching key; on a tie, under the first such key.
        smaller = [and_(matched[j], keyed[j] <= key) for j in range(i)]
        smaller += [and_(matched[j], keyed[j] < key) for j in range(i + 1, len(keyed))]
        owned = not_(or_(false(), *(keys.known(s) for s in smaller)))
        stmt = select(literal(i), key, contacts.c.id, owned).where(
            *conditions, keys.starts_with(key, query)
        )
        branches.append(_after(stmt, key, after).order_by(key, contacts.c.id).limit(window))
    # Found by the company's name: listed there only when none of its own keys matched.
    at_company = (
        select(literal(len(keyed)), keys.COMPANY_NAME, contacts.c.id, not_(or_(*matched)))
        .select_from(contacts.join(companies, contacts.c.company_id == companies.c.id))
        .where(*conditions, keys.starts_with(keys.COMPANY_NAME, query))
    )
    at_company = _after(at_company, keys.COMPANY_NAME, after)
    branches.append(at_company.order_by(keys.COMPANY_NAME, contacts.c.id).limit(window))
    return union_all(*branches)  # type: ignore[return-value]


def _after(stmt: Select[Any], key: ColumnElement[Any], after: Position | None) -> Select[Any]:
    if after is None:
        return stmt
    return stmt.where(tuple_(key, contacts.c.id) > tuple_(literal(after[0]), literal(after[1])))


def _typo_hits(
    conditions: Sequence[ColumnElement[bool]],
    query: str,
    mode: str,
    names: list[Correction],
    after: tuple[int, uuid.UUID] | None,
    limit: int,
) -> CompoundSelect | None:
    """(distance, id) of contacts named as one of `names`, nearest first, then by id."""
    name_keys = [keys.FIRST_NAME, keys.LAST_NAME] if mode == "word" else [keys.FULL_NAME]
    company_prefix = exists().where(
        companies.c.id == contacts.c.company_id, keys.starts_with(keys.COMPANY_NAME, query)
    )
    # Prefix hits were listed in the first tier.
    not_prefix = not_(or_(*(keys.known(keys.starts_with(k, query)) for k in _OWN), company_prefix))
    branches = []
    nearer: list[str] = []  # names before this one: a contact is listed under its first
    for name in names:
        if after is None or name.distance >= after[0]:
            for key in name_keys:
                stmt = select(literal(name.distance, Integer).label("search_key"), contacts.c.id)
                stmt = stmt.where(*conditions, key == name.name, not_prefix)
                if nearer:
                    earlier = literal(list(nearer), ARRAY(Text))
                    stmt = stmt.where(*(not_(keys.known(k == any_(earlier))) for k in name_keys))
                if after is not None and name.distance == after[0]:
                    stmt = stmt.where(contacts.c.id > after[1])
                branches.append(stmt.order_by(contacts.c.id).limit(limit))
        nearer.append(name.name)
    if not branches:
        return None
    rank: list[ColumnElement[Any]] = [literal_column("search_key"), literal_column("id")]
    return union_all(*branches).order_by(*rank).limit(limit)
