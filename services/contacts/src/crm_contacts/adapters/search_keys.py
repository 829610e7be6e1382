"""The lowercase keys contacts are searched, filtered and sorted by, as their indexes hold them.

Each expression is spelled exactly as its index in migration 0007 (the planner matches
expressions, not meanings). COLLATE "C" compares bytes: a prefix is then a plain range
(`key >= 'jo' AND key < 'jp'`), served by the btree on (key, id) with any bound values,
so prepared statements keep their index plans.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Text, and_, cast, func

from crm_contacts.adapters.tables import companies, contacts

C = "C"
FIRST_NAME = func.lower(contacts.c.first_name).collate(C)
LAST_NAME = func.lower(contacts.c.last_name).collate(C)
FULL_NAME = func.contact_full_name(contacts.c.first_name, contacts.c.last_name).collate(C)
EMAIL = func.lower(cast(contacts.c.email, Text)).collate(C)
EMAIL_DOMAIN = func.contact_email_domain(cast(contacts.c.email, Text)).collate(C)
TITLE = func.lower(contacts.c.title).collate(C)
PHONE_DIGITS = func.contact_phone_digits(contacts.c.phone)
COMPANY_NAME = func.lower(companies.c.name).collate(C)
# The contact's own keys a search looks for a prefix in, in tie-breaking order.
OWN_KEYS: dict[str, ColumnElement[Any]] = {
    "first_name": FIRST_NAME,
    "last_name": LAST_NAME,
    "full_name": FULL_NAME,
    "email": EMAIL,
    "email_domain": EMAIL_DOMAIN,
}


def after_prefix(prefix: str) -> str | None:
    """The least string greater than every string starting with `prefix` (None: none is)."""
    for end in range(len(prefix) - 1, -1, -1):
        if ord(prefix[end]) < 0x10FFFF:
            return prefix[:end] + chr(ord(prefix[end]) + 1)
    return None


def starts_with(key: ColumnElement[Any], prefix: str) -> ColumnElement[bool]:
    """`key` starts with `prefix` (lowercase), as an index range."""
    upper = after_prefix(prefix)
    if upper is None:
        return key >= prefix
    return and_(key >= prefix, key < upper)


def known(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """The condition with NULL (a key the row lacks) read as false."""
    return func.coalesce(condition, False)
