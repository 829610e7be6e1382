"""Custom fields: typed fields an admin defines per object, and the rules for their values.

A FieldSchema is every live definition of one object type (contact or company). It turns
what a client or a CSV cell says into the stored JSON form (see custom_field_values for
each type's form) and lists every problem at once, each naming its field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from crm_contacts.domain import custom_field_values as values_of
from crm_contacts.domain.errors import DomainError

# Keys become part of index names (63 bytes at most) and SQL literals: keep them plain.
KEY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
_KEY = re.compile(KEY_PATTERN)


class ObjectType(StrEnum):
    """The objects that can have custom fields."""

    CONTACT = "contact"
    COMPANY = "company"

    @property
    def plural(self) -> str:
        """How API paths name the object (`/contacts`, `/companies`)."""
        return "companies" if self is ObjectType.COMPANY else "contacts"


class FieldType(StrEnum):
    """What kind of value a custom field holds."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    BOOLEAN = "boolean"
    SINGLE_SELECT = "single_select"
    MULTI_SELECT = "multi_select"

    @property
    def has_options(self) -> bool:
        """Whether values are chosen from a list of options."""
        return self in (FieldType.SINGLE_SELECT, FieldType.MULTI_SELECT)

    @property
    def can_be_unique(self) -> bool:
        """Two values per row (yes/no) or a set of options cannot identify a record."""
        return self not in (FieldType.BOOLEAN, FieldType.MULTI_SELECT)


@dataclass(frozen=True, slots=True)
class FieldDefinition:
    """One custom field: `key` names it in `custom_fields`, `label` is for people."""

    key: str
    label: str
    type: FieldType
    required: bool = False
    unique: bool = False
    options: tuple[str, ...] = ()
    description: str | None = None

    def normalize(self, raw: Any) -> Any:
        """The stored form of a JSON value (None: no value); ValueError if it is not one."""
        if raw is None:
            return None
        if self.type is FieldType.SINGLE_SELECT:
            return values_of.option_value(raw, self.options)
        if self.type is FieldType.MULTI_SELECT:
            return values_of.options_value(raw, self.options)
        return _NORMALIZERS[self.type](raw)

    def parse_text(self, raw: str) -> Any:
        """The stored form of a CSV cell (blank: None); ValueError with a message if bad."""
        if not raw.strip():
            return None
        if self.type is FieldType.MULTI_SELECT:
            return self.normalize([p for p in values_of.MULTI_SEPARATORS.split(raw) if p.strip()])
        parse = _TEXT_PARSERS.get(self.type)
        return self.normalize(parse(raw) if parse else raw)


_NORMALIZERS: dict[FieldType, Callable[[Any], Any]] = {
    FieldType.TEXT: values_of.text_value,
    FieldType.NUMBER: values_of.number_value,
    FieldType.DATE: values_of.date_value,
    FieldType.BOOLEAN: values_of.boolean_value,
}
_TEXT_PARSERS: dict[FieldType, Callable[[str], Any]] = {
    FieldType.NUMBER: values_of.number_from_text,
    FieldType.BOOLEAN: values_of.boolean_from_text,
}


# Marks a `custom_fields` property in JSON schemas, so the OpenAPI document can describe
# the fields defined at the time it is served (api/custom_field_docs).
SCHEMA_MARKER = "x-crm-custom-fields"


def custom_fields_marker(object_type: ObjectType, variant: str = "") -> dict[str, Any]:
    """json_schema_extra of a `custom_fields` field. `variant`: "" (a resource as served),
    "in" (a new one, required fields listed) or "patch" (a merge patch: null removes)."""
    return {SCHEMA_MARKER: f"{object_type.value}:{variant}"}


def is_valid_key(key: str) -> bool:
    """Whether `key` may name a custom field."""
    return bool(_KEY.match(key))


@dataclass(frozen=True, slots=True)
class FieldError:
    """One bad custom field value (or a missing required one)."""

    key: str
    msg: str


class CustomFieldsInvalid(DomainError):
    """Custom field values broke their definitions; `errors` names every bad field."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.key}: {e.msg}" for e in errors))
        self.errors = errors


@dataclass(frozen=True)
class FieldSchema:
    """Every defined custom field of one object type, by key."""

    definitions: Mapping[str, FieldDefinition] = field(default_factory=dict)

    def check(self, values: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
        """The values in stored form (keys without a value left out), and every error:
        an unknown key, a value of the wrong type or not among the options, a required
        field missing or null."""
        stored: dict[str, Any] = {}
        errors: list[FieldError] = []
        for key, raw in values.items():
            definition = self.definitions.get(key)
            if definition is None:
                errors.append(FieldError(key, f"no custom field {key!r} is defined"))
                continue
            try:
                value = definition.normalize(raw)
            except ValueError as exc:
                errors.append(FieldError(key, str(exc)))
                continue
            if value is not None:
                stored[key] = value
        failed = {error.key for error in errors}
        for key, definition in self.definitions.items():
            if definition.required and key not in stored and key not in failed:
                errors.append(FieldError(key, "this custom field is required"))
        return stored, errors

    def validate(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The values in stored form; CustomFieldsInvalid listing every error otherwise."""
        stored, errors = self.check(values)
        if errors:
            raise CustomFieldsInvalid(errors)
        return stored

    def parse_text(self, key: str, raw: str) -> Any:
        """A CSV cell as the stored value of field `key` (blank: None). ValueError with a
        message if the key is not defined or the cell does not hold such a value."""
        definition = self.definitions.get(key)
        if definition is None:
            raise ValueError(f"no custom field {key!r} is defined")
        return definition.parse_text(raw)
