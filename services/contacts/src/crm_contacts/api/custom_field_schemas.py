"""Request and response shapes of custom field definitions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from crm_contacts.adapters.custom_field_store import StoredDefinition
from crm_contacts.domain.custom_field_values import MULTI_SEPARATORS
from crm_contacts.domain.custom_fields import KEY_PATTERN, FieldDefinition, FieldType, ObjectType

MAX_OPTIONS = 200

Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Option = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Options = Annotated[list[Option], Field(max_length=MAX_OPTIONS)]


class CustomFieldIn(BaseModel):
    """A field to define: `key` names it in `custom_fields` and can never change."""

    model_config = ConfigDict(extra="forbid")

    key: Key = Field(description="Lowercase letters, digits and _, starting with a letter")
    label: Label
    type: FieldType
    required: bool = False
    unique: bool = False
    options: Options = Field(default=[], description="The choices of a select field")
    description: Description | None = None

    @model_validator(mode="after")
    def _coherent(self) -> CustomFieldIn:
        if self.type.has_options and not self.options:
            raise ValueError(f"a {self.type.value} field needs options")
        if not self.type.has_options and self.options:
            raise ValueError(f"a {self.type.value} field has no options")
        if len({o.casefold() for o in self.options}) != len(self.options):
            raise ValueError("options must differ from each other (ignoring case)")
        if any(MULTI_SEPARATORS.search(o) for o in self.options):
            raise ValueError("options cannot contain ; or | (they separate options in CSV)")
        if self.unique and not self.type.can_be_unique:
            raise ValueError(f"a {self.type.value} field cannot be unique")
        return self

    def definition(self) -> FieldDefinition:
        """The field this body defines."""
        return FieldDefinition(
            key=self.key,
            label=self.label,
            type=self.type,
            required=self.required,
            unique=self.unique,
            options=tuple(self.options),
            description=self.description or None,
        )


class CustomFieldPatch(BaseModel):
    """A JSON merge patch of a definition. `type` may be sent but not changed; options
    may be added, never removed (stored values may hold them)."""

    model_config = ConfigDict(extra="forbid")

    label: Label | None = None
    type: FieldType | None = None
    required: bool | None = None
    unique: bool | None = None
    options: Options | None = None
    description: Description | None = None


class CustomFieldOut(BaseModel):
    """A custom field definition."""

    object_type: ObjectType
    key: str
    label: str
    type: FieldType
    required: bool
    unique: bool
    options: list[str]
    description: str | None
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, stored: StoredDefinition) -> CustomFieldOut:
        """The API form of a stored definition."""
        field = stored.definition
        return cls(
            object_type=stored.object_type,
            key=field.key,
            label=field.label,
            type=field.type,
            required=field.required,
            unique=field.unique,
            options=list(field.options),
            description=field.description,
            created_at=stored.created_at,
            updated_at=stored.updated_at,
            version=stored.version,
        )


def editable(field: FieldDefinition) -> dict[str, Any]:
    """A definition as the JSON a merge patch applies to."""
    document: dict[str, Any] = {
        "key": field.key,
        "label": field.label,
        "type": field.type.value,
        "required": field.required,
        "unique": field.unique,
        "options": list(field.options),
    }
    if field.description:
        document["description"] = field.description
    return document
