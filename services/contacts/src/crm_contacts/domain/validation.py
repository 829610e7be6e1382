"""Rules for single values: what an email, a phone, a domain or custom fields may be."""

from __future__ import annotations

import re
from typing import Any

import orjson
from email_validator import EmailNotValidError, validate_email

from crm_contacts.domain.errors import InvalidContactError

MAX_CUSTOM_FIELDS = 100
MAX_CUSTOM_FIELD_KEY = 64
MAX_CUSTOM_FIELDS_BYTES = 16_384

_PHONE = re.compile(r"^\+?[0-9(][0-9 ().\-/]{2,39}$")
_DOMAIN = re.compile(r"^(?=.{3,253}$)([\w-]{1,63}\.)+[\w-]{2,63}$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def normalize_email(raw: str) -> str:
    """The address as email-validator normalizes it (domain lowercased); no DNS lookups."""
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise InvalidContactError(f"not a valid email address: {exc}", field="email") from exc


def normalize_phone(raw: str) -> str:
    """A phone number as typed, with runs of spaces collapsed; digits and punctuation only."""
    phone = " ".join(raw.split())
    if not _PHONE.match(phone):
        raise InvalidContactError(
            "a phone number holds digits, spaces and ( ) . - / with an optional leading +",
            field="phone",
        )
    return phone


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
