"""The prefix tier's SQL: each search key's next window of (key, id) after a position.

Values travel as bind parameters (`lo`, `hi`: the prefix range; `after_key`, `after_id`;
`window`), so a search without filters reuses one statement object per shape: SQLAlchemy
builds and keys it once, PostgreSQL keeps it prepared.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    Text,
    Uuid,
    and_,
    bindparam,
    false,
    literal,
    not_,
    or_,
    select,
    tuple_,
    union_all,
)

from crm_contacts.adapters import search_keys as keys
from crm_contacts.adapters.tables import companies, contacts

Filters = tuple[ColumnElement[bool], ...]


def in_range(key: ColumnElement[Any]) -> ColumnElement[bool]:
    """`key` starts with the searched prefix (bind parameters `lo` and `hi`)."""
    return and_(key >= bindparam("lo", type_=Text), key < bindparam("hi", type_=Text))


def range_params(prefix: str) -> dict[str, str]:
    """`lo` and `hi` for a prefix."""
    return {"lo": prefix, "hi": keys.after_prefix(prefix) or prefix + "\U0010ffff"}


def prefix_windows(filters: Filters, *, spaced: bool, after: bool) -> CompoundSelect:
    """(source, key, id, owned) rows: each key's next `window` matches after the position.

    `spaced`: the query holds a space ("first last" is searched then); `after`: the
    statement takes `after_key` and `after_id`.
    """
    return _shared(spaced, after) if not filters else _build(filters, spaced, after)


@lru_cache(maxsize=8)
def _shared(spaced: bool, after: bool) -> CompoundSelect:
    return _build((), spaced, after)


def _build(filters: Filters, spaced: bool, after: bool) -> CompoundSelect:
    own = dict(keys.OWN_KEYS)
    if not spaced:
        # Without a space, "first last" starts with the query only where the first name
        # (or, lacking one, the last name) does: those ranges already list them.
        del own["full_name"]
    keyed = list(own.values())
    matched = [keys.known(in_range(key)) for key in keyed]
    live = (~contacts.c.erased, *filters)
    branches = []
    for i, key in enumerate(keyed):
        # Listed under its smallest matching key; on a tie, under the first such key.
        smaller = [and_(matched[j], keyed[j] <= key) for j in range(i)]
        smaller += [and_(matched[j], keyed[j] < key) for j in range(i + 1, len(keyed))]
        owned = not_(or_(false(), *(keys.known(s) for s in smaller)))
        stmt = select(literal(i), key, contacts.c.id, owned).where(*live, in_range(key))
        branches.append(_window(stmt, key, after))
    # Found by the company's name: listed there only when none of its own keys matched.
    at_company = (
        select(literal(len(keyed)), keys.COMPANY_NAME, contacts.c.id, not_(or_(*matched)))
        .select_from(contacts.join(companies, contacts.c.company_id == companies.c.id))
        .where(*live, in_range(keys.COMPANY_NAME))
    )
    branches.append(_window(at_company, keys.COMPANY_NAME, after))
    return union_all(*branches)


def _window(stmt: Select[Any], key: ColumnElement[Any], after: bool) -> Select[Any]:
    if after:
        position = tuple_(bindparam("after_key", type_=Text), bindparam("after_id", type_=Uuid))
        stmt = stmt.where(tuple_(key, contacts.c.id) > position)
    return stmt.order_by(key, contacts.c.id).limit(bindparam("window", type_=Integer))
