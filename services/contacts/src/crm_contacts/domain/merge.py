"""Merging duplicates into one survivor: who takes part, and which value each field keeps.

The rules every merge follows (contacts and companies alike):

- the primary survives; each of its empty fields is filled from the duplicates, in the
  order the request lists them;
- `field_choices` overrides that per field: `{"<field>": "<id>"}` takes that record's
  value, even an empty one (choosing is how a client clears a field on merge); a custom
  field is named `custom_fields.<key>`;
- custom fields merge key by key with the same rule.

Contacts add their own rules for tags, lifecycle stage and consent
(crm_contacts.domain.contact_merge).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from crm_contacts.domain.errors import DomainError

MAX_DUPLICATES = 20
CUSTOM_PREFIX = "custom_fields."
MAX_CUSTOM_KEY = 64

# One record taking part in a merge: its id and its field values.
Record = tuple[uuid.UUID, Mapping[str, Any]]


class InvalidMergeError(DomainError):
    """The merge cannot be done as asked (422); `loc` points into the request body."""

    def __init__(self, message: str, *, loc: tuple[str | int, ...]) -> None:
        super().__init__(message)
        self.loc = loc


@dataclass(frozen=True, slots=True)
class MergeRequest:
    """Which record survives, which ones are merged into it, and the client's choices."""

    primary_id: uuid.UUID
    duplicate_ids: tuple[uuid.UUID, ...]
    field_choices: Mapping[str, uuid.UUID]

    @property
    def ids(self) -> tuple[uuid.UUID, ...]:
        """Every id taking part, the primary first."""
        return (self.primary_id, *self.duplicate_ids)

    def loc_of(self, record_id: uuid.UUID) -> tuple[str | int, ...]:
        """Where the request names `record_id`."""
        if record_id == self.primary_id:
            return ("primary_id",)
        return ("duplicate_ids", self.duplicate_ids.index(record_id))

    def check(self, choosable: Collection[str], *, custom_fields: bool) -> None:
        """Refuse a request that names no duplicate or too many, the primary among the
        duplicates, one id twice, or a choice of an unknown field or an outside record."""
        if not self.duplicate_ids:
            raise InvalidMergeError("name at least one duplicate", loc=("duplicate_ids",))
        if len(self.duplicate_ids) > MAX_DUPLICATES:
            message = f"at most {MAX_DUPLICATES} duplicates per merge"
            raise InvalidMergeError(message, loc=("duplicate_ids",))
        for index, duplicate_id in enumerate(self.duplicate_ids):
            if duplicate_id == self.primary_id:
                message = "the primary cannot also be a duplicate"
                raise InvalidMergeError(message, loc=("duplicate_ids", index))
            if duplicate_id in self.duplicate_ids[:index]:
                raise InvalidMergeError("listed twice", loc=("duplicate_ids", index))
        for name, source in self.field_choices.items():
            if not _is_choosable(name, choosable, custom_fields=custom_fields):
                message = f"not a field one can choose: use one of {', '.join(choosable)}" + (
                    f" or {CUSTOM_PREFIX}<key>" if custom_fields else ""
                )
                raise InvalidMergeError(message, loc=("field_choices", name))
            if source not in self.ids:
                message = "must be primary_id or one of duplicate_ids"
                raise InvalidMergeError(message, loc=("field_choices", name))


def _is_choosable(name: str, choosable: Collection[str], *, custom_fields: bool) -> bool:
    if name in choosable:
        return True
    key = name.removeprefix(CUSTOM_PREFIX)
    return custom_fields and name.startswith(CUSTOM_PREFIX) and 0 < len(key) <= MAX_CUSTOM_KEY


def is_empty(value: Any) -> bool:
    """No value: None or an empty string, list or object (False and 0 are values)."""
    return value is None or (isinstance(value, str | list | dict) and not value)


def pick(values: Sequence[tuple[uuid.UUID, Any]], chosen: uuid.UUID | None) -> Any:
    """The value a field keeps; `values` are (record id, value), the survivor's first.

    The chosen record's value if there is a choice, else the first that is not empty,
    else the survivor's.
    """
    if chosen is not None:
        return dict(values)[chosen]
    for _, value in values:
        if not is_empty(value):
            return value
    return values[0][1]


def pick_fields(
    records: Sequence[Record], fields: Sequence[str], choices: Mapping[str, uuid.UUID]
) -> dict[str, Any]:
    """The value each of `fields` keeps (see pick)."""
    return {
        name: pick([(rid, values.get(name)) for rid, values in records], choices.get(name))
        for name in fields
    }


def pick_custom_fields(
    records: Sequence[Record], choices: Mapping[str, uuid.UUID]
) -> dict[str, Any]:
    """Custom fields merged key by key (see pick); a key left without a value is dropped.

    `records` hold each record's custom fields under "custom_fields".
    """
    keys: dict[str, None] = {}
    for _, values in records:
        keys.update(dict.fromkeys(values.get("custom_fields") or {}))
    keys.update(
        dict.fromkeys(n.removeprefix(CUSTOM_PREFIX) for n in choices if n.startswith(CUSTOM_PREFIX))
    )
    merged = {}
    for key in keys:
        candidates = [(rid, (vals.get("custom_fields") or {}).get(key)) for rid, vals in records]
        value = pick(candidates, choices.get(CUSTOM_PREFIX + key))
        if value is not None:
            merged[key] = value
    return merged
