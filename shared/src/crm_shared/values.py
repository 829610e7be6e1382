"""Rules for single values every service checks the same way: email addresses and phone
numbers.

Each service raises its own error type (the one its problem handler answers with a 422
naming the field): pass it as `error`, a ValueError subclass taking `(message, field=)`.
"""

from __future__ import annotations

import re
from typing import Protocol

from email_validator import EmailNotValidError, validate_email

_PHONE = re.compile(r"^\+?[0-9(][0-9 ().\-/]{2,39}$")


class ValueErrorType(Protocol):
    """A service's error for a bad value: `error(message, field=name)`."""

    def __call__(self, message: str, *, field: str | None = None) -> ValueError: ...


def normalize_email(raw: str, *, error: ValueErrorType) -> str:
    """The address as email-validator normalizes it (domain lowercased); no DNS lookups."""
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise error(f"not a valid email address: {exc}", field="email") from exc


def normalize_phone(raw: str, *, error: ValueErrorType) -> str:
    """A phone number as typed, runs of spaces collapsed; digits and punctuation only."""
    phone = " ".join(raw.split())
    if not _PHONE.match(phone):
        raise error(
            "a phone number holds digits, spaces and ( ) . - / with an optional leading +",
            field="phone",
        )
    return phone
