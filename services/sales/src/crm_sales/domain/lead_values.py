"""Rules for a lead's single values: email, phone, country, source, company size."""

from __future__ import annotations

import re

from crm_sales.domain.lead_errors import InvalidLeadError
from crm_shared import values

MAX_COMPANY_SIZE = 10_000_000  # employees; more than any employer on Earth

_COUNTRY = re.compile(r"^[A-Z]{2}$")


def normalize_email(raw: str) -> str:
    """The address as email-validator normalizes it (domain lowercased); no DNS lookups."""
    return values.normalize_email(raw, error=InvalidLeadError)


def normalize_phone(raw: str) -> str:
    """A phone number as typed, runs of spaces collapsed; digits and punctuation only."""
    return values.normalize_phone(raw, error=InvalidLeadError)


def normalize_country(raw: str) -> str:
    """An ISO 3166-1 alpha-2 country code, uppercase (`de` -> `DE`)."""
    country = raw.strip().upper()
    if not _COUNTRY.match(country):
        raise InvalidLeadError(
            "a country is an ISO 3166-1 alpha-2 code such as DE or US", field="country"
        )
    return country


def normalize_source(raw: str) -> str:
    """Where a lead came from (`web`, `referral`, `event`, ...), trimmed and lowercase, so
    filters and scoring rules never miss a `Web` for a `web`."""
    return " ".join(raw.split()).lower()
