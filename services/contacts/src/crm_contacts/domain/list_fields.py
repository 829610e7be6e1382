"""The fields a contact list filters and sorts on, and how a query string value is read.

A filter is `field=value` (equality) or `field.op=value` with op one of a field's
operators; custom fields are `custom.<key>` and `custom.<key>.op`. Fields marked `many`
take several values, by repeating the parameter or separating them with commas: a
contact matches any of several stages or ids, and must carry all of several tags.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from crm_contacts.domain.custom_fields import FieldDefinition, FieldType
from crm_contacts.domain.lifecycle import LifecycleStage
from crm_contacts.domain.tags import normalize_tag

EQ, PREFIX, GTE, LTE = "eq", "prefix", "gte", "lte"
MAX_VALUE_LENGTH = 254


def _text(raw: str) -> str:
    value = " ".join(raw.split()).lower()
    if not value:
        raise ValueError("must not be blank")
    if len(value) > MAX_VALUE_LENGTH:
        raise ValueError(f"must be at most {MAX_VALUE_LENGTH} characters")
    return value


def _domain(raw: str) -> str:
    return _text(raw).removeprefix("@")


def _phone_digits(raw: str) -> str:
    digits = re.sub(r"\D", "", raw)
    if len(digits) < 6:
        raise ValueError("a phone number to match has at least 6 digits")
    return digits[:40]


def _stage(raw: str) -> str:
    try:
        return LifecycleStage(raw.strip().lower()).value
    except ValueError:
        raise ValueError(f"one of {', '.join(s.value for s in LifecycleStage)}") from None


def _tag(raw: str) -> str:
    return normalize_tag(raw)  # InvalidContactError is a ValueError


def _uuid(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise ValueError("must be a UUID") from None


def read_instant(raw: str) -> datetime:
    """An ISO 8601 date or date-time; a date is its midnight, a naive time is UTC."""
    text = raw.strip()
    try:
        moment = (
            datetime.combine(date.fromisoformat(text), time())
            if len(text) == 10
            else datetime.fromisoformat(text)
        )
    except ValueError:
        raise ValueError("must be an ISO 8601 date or date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ListField:
    """A built-in field: how a value is read, its operators, whether it sorts."""

    read: Callable[[str], Any]
    ops: frozenset[str] = frozenset({EQ})
    many: bool = False
    sortable: bool = False


_NAME = ListField(_text, frozenset({EQ, PREFIX}), sortable=True)
_TIME = ListField(read_instant, frozenset({GTE, LTE}), sortable=True)
FIELDS: dict[str, ListField] = {
    "first_name": _NAME,
    "last_name": _NAME,
    "email": _NAME,
    "email_domain": ListField(_domain),
    "phone": ListField(_phone_digits),
    "title": ListField(_text),
    "company_id": ListField(_uuid, many=True),
    "owner_id": ListField(_uuid, many=True),
    "lifecycle_stage": ListField(_stage, many=True),
    "tag": ListField(_tag, many=True),
    "created_at": _TIME,
    "updated_at": _TIME,
}
# Numbers and dates have an order; the other types are compared for equality only.
CUSTOM_OPS = {FieldType.NUMBER: {EQ, GTE, LTE}, FieldType.DATE: {EQ, GTE, LTE}}
CUSTOM_PREFIX = "custom."


def custom_ops(definition: FieldDefinition) -> set[str]:
    """The operators a custom field's filter takes."""
    return CUSTOM_OPS.get(definition.type, {EQ})


def custom_sortable(definition: FieldDefinition) -> bool:
    """Whether a custom field sorts (a set of options has no order)."""
    return definition.type is not FieldType.MULTI_SELECT


def read_custom(definition: FieldDefinition, raw: str) -> Any:
    """A query string value in the field's stored form (ValueError naming what is wrong)."""
    value = definition.parse_text(raw)
    if value is None:
        raise ValueError("must not be blank")
    return value
