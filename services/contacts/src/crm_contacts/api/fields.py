"""Field types of request bodies: every string has a length limit, values are normalized.

Blank optional strings mean "no value" (null), as in any CRM form.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from crm_contacts.domain.custom_fields import ObjectType, custom_fields_marker
from crm_contacts.domain.tags import MAX_TAGS, normalize_tag, normalize_tags
from crm_contacts.domain.validation import (
    check_custom_fields,
    normalize_domain,
    normalize_email,
    normalize_phone,
)


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _text(max_length: int) -> Any:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


Name = Annotated[Annotated[str, _text(100)] | None, BeforeValidator(_blank_is_none)]
JobTitle = Annotated[Annotated[str, _text(200)] | None, BeforeValidator(_blank_is_none)]
Email = Annotated[
    Annotated[str, StringConstraints(max_length=254), AfterValidator(normalize_email)] | None,
    BeforeValidator(_blank_is_none),
]
Phone = Annotated[
    Annotated[str, StringConstraints(max_length=40), AfterValidator(normalize_phone)] | None,
    BeforeValidator(_blank_is_none),
]
Tag = Annotated[str, StringConstraints(max_length=100), AfterValidator(normalize_tag)]
Tags = Annotated[
    list[Annotated[str, StringConstraints(max_length=100)]],
    Field(max_length=MAX_TAGS * 2),
    AfterValidator(normalize_tags),
]
# Values are checked against the defined fields by the routes (FieldSchema needs the
# database); here only the object's size. The marker lets OpenAPI list the fields.
CustomFields = Annotated[
    dict[str, Any],
    AfterValidator(check_custom_fields),
    Field(json_schema_extra=custom_fields_marker(ObjectType.CONTACT, "in")),
]
CompanyCustomFields = Annotated[
    dict[str, Any],
    AfterValidator(check_custom_fields),
    Field(json_schema_extra=custom_fields_marker(ObjectType.COMPANY, "in")),
]

CompanyName = Annotated[str, _text(200)]
Domain = Annotated[
    Annotated[str, StringConstraints(max_length=300), AfterValidator(normalize_domain)] | None,
    BeforeValidator(_blank_is_none),
]
Industry = Annotated[Annotated[str, _text(100)] | None, BeforeValidator(_blank_is_none)]

NoteBody = Annotated[str, _text(20_000)]
SearchQuery = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
