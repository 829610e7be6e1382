"""Field types of lead request bodies: every string has a length limit, values are
normalized; a blank optional string means "no value" (null), as in any CRM form."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from crm_sales.api.deal_schemas import NO_NUL, text
from crm_sales.domain.lead_values import (
    MAX_COMPANY_SIZE,
    normalize_country,
    normalize_email,
    normalize_phone,
    normalize_source,
)


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


Name = Annotated[Annotated[str, text(100)] | None, BeforeValidator(_blank_is_none)]
CompanyName = Annotated[Annotated[str, text(200)] | None, BeforeValidator(_blank_is_none)]
JobTitle = Annotated[Annotated[str, text(200)] | None, BeforeValidator(_blank_is_none)]
Email = Annotated[
    Annotated[str, StringConstraints(max_length=254), AfterValidator(normalize_email)] | None,
    BeforeValidator(_blank_is_none),
]
Phone = Annotated[
    Annotated[str, StringConstraints(max_length=40), AfterValidator(normalize_phone)] | None,
    BeforeValidator(_blank_is_none),
]
CountryCode = Annotated[str, StringConstraints(max_length=10), AfterValidator(normalize_country)]
Country = Annotated[CountryCode | None, BeforeValidator(_blank_is_none)]
Source = Annotated[
    Annotated[str, text(100), AfterValidator(normalize_source)] | None,
    BeforeValidator(_blank_is_none),
]
CompanySize = Annotated[
    int | None, Field(ge=0, le=MAX_COMPANY_SIZE, description="Number of employees")
]
Countries = Annotated[
    list[CountryCode],
    Field(max_length=300, description="ISO 3166-1 alpha-2 codes"),
    AfterValidator(lambda codes: sorted(set(codes))),
]
RuleName = Annotated[str, text(200)]
SearchQuery = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NO_NUL)
]
