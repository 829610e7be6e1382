"""Rules for single values: what an email, a phone, a domain or custom fields may be."""

from __future__ import annotations

import re
from typing import Any

import orjson

from crm_contacts.domain.errors import InvalidContactError
from crm_shared import values

MAX_CUSTOM_FIELDS = 100
MAX_CUSTOM_FIELD_KEY = 64
MAX_CUSTOM_FIELDS_BYTES = 16_384

_DOMAIN = re.compile(r"^(?=.{3,253}$)([\w-]{1,63}\.)+[\w-]{2,63}$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def normalize_email(raw: str) -> str:
    """The address as email-validator normalizes it (domain lowercased); no DNS lookups."""
    return values.normalize_email(raw, error=InvalidContactError)


def normalize_phone(raw: str) -> str:
    """A phone number as typed, runs of spaces collapsed; digits and punctuation only."""
    return values.normalize_phone(raw, error=InvalidContactError)


def normalize_domain(raw: str) -> str:
    """A company's web domain, lowercase, without scheme, path or a leading `www.`."""
    domain = _SCHEME.sub("", raw.strip().lower()).split("/", 1)[0].removeprefix("www.")
    if not _DOMAIN.match(domain):
        raise InvalidContactError(f"not a valid domain: {raw!r}", field="domain")
    return domain


def check_custom_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Custom fields are a small JSON object with short keys."""
    if len(fields) > MAX_CUSTOM_FIELDS:
        raise InvalidContactError(
            f"at most {MAX_CUSTOM_FIELDS} custom fields", field="custom_fields"
        )
    for key in fields:
        if not 0 < len(key) <= MAX_CUSTOM_FIELD_KEY:
            raise InvalidContactError(
                f"custom field names are 1 to {MAX_CUSTOM_FIELD_KEY} characters",
                field="custom_fields",
            )
    if len(orjson.dumps(fields)) > MAX_CUSTOM_FIELDS_BYTES:
        raise InvalidContactError(
            f"custom fields take at most {MAX_CUSTOM_FIELDS_BYTES} bytes once serialized",
            field="custom_fields",
        )
    return fields
