"""A parsed list request's filters and sort, as SQL over `contacts`, each one indexed.

Which index serves what (migrations 0001, 0003, 0007 and custom_field_sql):
names, email and title by their lowercase keys; email domain and phone digits by their
expression indexes; company, owner and stage by (column, created_at, id); tags and custom
field equality by GIN; created_at, updated_at and custom field ranges by btrees. With
several filters the planner picks the most selective index or walks the sort's index
(see contact_queries for how the pair is bounded).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, any_, literal
from sqlalchemy.dialects.postgresql import ARRAY

from crm_contacts.adapters import search_keys as keys
from crm_contacts.adapters.custom_field_sql import equals_condition, value_expression
from crm_contacts.adapters.keyset import SortKey
from crm_contacts.adapters.tables import contacts
from crm_contacts.domain.custom_fields import FieldType
from crm_contacts.domain.list_fields import EQ, GTE, PREFIX
from crm_contacts.domain.list_query import Filter, Sort

c = contacts.c
_KEYS: dict[str, ColumnElement[Any]] = {
    "first_name": keys.FIRST_NAME,
    "last_name": keys.LAST_NAME,
    "email_domain": keys.EMAIL_DOMAIN,
    "title": keys.TITLE,
    "phone": keys.PHONE_DIGITS,
}
_ANY_OF = {"company_id": c.company_id, "owner_id": c.owner_id, "lifecycle_stage": c.lifecycle_stage}
_SORTS: dict[str, SortKey] = {
    "created_at": SortKey(c.created_at, False, datetime.fromisoformat),
    "updated_at": SortKey(c.updated_at, False, datetime.fromisoformat),
    "first_name": SortKey(keys.FIRST_NAME, True, str),
    "last_name": SortKey(keys.LAST_NAME, True, str),
    "email": SortKey(keys.EMAIL, True, str),
}


def filter_condition(wanted: Filter) -> ColumnElement[bool]:
    """The SQL condition of one filter."""
    if wanted.custom is not None:
        return _custom_condition(wanted)
    values = wanted.values
    if wanted.field == "email":
        # Exact: the citext unique index; prefix: the lowercase key.
        return c.email == values[0] if wanted.op == EQ else keys.starts_with(keys.EMAIL, values[0])
    if wanted.field in _KEYS:
        key = _KEYS[wanted.field]
        return keys.starts_with(key, values[0]) if wanted.op == PREFIX else key == values[0]
    if wanted.field in _ANY_OF:
        column = _ANY_OF[wanted.field]
        if len(values) == 1:
            return column == values[0]
        # One array parameter: the same prepared statement for any number of values.
        return column == any_(literal(list(values), ARRAY(column.type)))
    if wanted.field == "tag":
        return c.tags.contains(list(values))
    column = c[wanted.field]  # created_at, updated_at
    return column >= values[0] if wanted.op == GTE else column <= values[0]


def _custom_condition(wanted: Filter) -> ColumnElement[bool]:
    definition = wanted.custom
    assert definition is not None
    if wanted.op == EQ:
        if definition.type is FieldType.MULTI_SELECT:
            chosen = sorted({o for v in wanted.values for o in v})
            return equals_condition(contacts, definition, chosen)
        return and_(*(equals_condition(contacts, definition, v) for v in wanted.values))
    value = value_expression(contacts, definition)
    bound = (
        Decimal(str(wanted.values[0])) if definition.type is FieldType.NUMBER else wanted.values[0]
    )
    return value >= bound if wanted.op == GTE else value <= bound


def sort_key(sort: Sort) -> SortKey:
    """The indexed expression a sort orders by."""
    if sort.custom is None:
        return _SORTS[sort.field]
    read: Callable[[Any], Any] = Decimal if sort.custom.type is FieldType.NUMBER else str
    return SortKey(value_expression(contacts, sort.custom), True, read)
