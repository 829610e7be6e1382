"""The typo tier's SQL: contacts named as one of the corrected names, nearest first.

Each name is an equality range on a name key's btree, read in id order and cut at the
page size. A contact matching several names is listed under the first (`nearer_<i>`
holds the names before the i-th). Prefix hits were listed in the first tier and are
left out. Values are bind parameters, so a search without filters reuses one statement
per shape (how many names, which keys, whether it continues after a position).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Integer,
    Text,
    Uuid,
    and_,
    any_,
    bindparam,
    exists,
    literal_column,
    not_,
    or_,
    select,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY

from crm_contacts.adapters import search_keys as keys
from crm_contacts.adapters.search_prefix import Filters, in_range
from crm_contacts.adapters.tables import companies, contacts
from crm_contacts.domain.typos import Correction

WORD, FULL_NAME = "word", "full_name"


def typo_params(names: list[Correction]) -> dict[str, Any]:
    """The per-name parameters of `typo_hits`."""
    params: dict[str, Any] = {}
    for i, name in enumerate(names):
        params[f"name_{i}"] = name.name
        params[f"distance_{i}"] = name.distance
        params[f"nearer_{i}"] = [n.name for n in names[:i]]
    return params


def typo_hits(filters: Filters, *, mode: str, count: int, after: bool) -> CompoundSelect:
    """(distance, id) of the first `limit` contacts named as one of `count` names; with
    `after`, only those after (`after_distance`, `after_id`)."""
    return _shared(mode, count, after) if not filters else _build(filters, mode, count, after)


@lru_cache(maxsize=64)
def _shared(mode: str, count: int, after: bool) -> CompoundSelect:
    return _build((), mode, count, after)


def _build(filters: Filters, mode: str, count: int, after: bool) -> CompoundSelect:
    name_keys = [keys.FIRST_NAME, keys.LAST_NAME] if mode == WORD else [keys.FULL_NAME]
    company_prefix = exists().where(
        companies.c.id == contacts.c.company_id, in_range(keys.COMPANY_NAME)
    )
    prefixed = [in_range(k) for k in keys.OWN_KEYS.values()]
    limit = bindparam("limit", type_=Integer)
    branches = []
    for i in range(count):
        distance = bindparam(f"distance_{i}", type_=Integer)
        nearer = bindparam(f"nearer_{i}", type_=ARRAY(Text))
        for key in name_keys:
            # One condition, not many: the planner multiplies the selectivities of
            # separate ones, expects few rows to pass, and then reads every row of the
            # name rather than the first ones in id order.
            nearer_names = [k == any_(nearer) for k in name_keys]
            listed = keys.known(or_(*prefixed, *nearer_names, company_prefix))
            stmt = select(distance.label("search_key"), contacts.c.id).where(
                ~contacts.c.erased,
                *filters,
                key == bindparam(f"name_{i}", type_=Text),
                not_(listed),
            )
            if after:
                last = bindparam("after_distance", type_=Integer)
                later = and_(distance == last, contacts.c.id > bindparam("after_id", type_=Uuid))
                stmt = stmt.where(or_(distance > last, later))
            branches.append(stmt.order_by(contacts.c.id).limit(limit))
    rank: list[ColumnElement[Any]] = [literal_column("search_key"), literal_column("id")]
    return union_all(*branches).order_by(*rank).limit(limit)
