"""Request bodies of quotes; quotes are served as events.quote_schemas defines them."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from crm_sales.api.deal_schemas import Amount, CurrencyCode, text
from crm_sales.domain.quote_values import parse_percent, parse_quantity

Percent = Annotated[
    Decimal,
    BeforeValidator(parse_percent),
    WithJsonSchema({"type": "string", "pattern": r"^\d{1,3}(\.\d{1,4})?$", "examples": ["10"]}),
]
Quantity = Annotated[
    Decimal,
    BeforeValidator(parse_quantity),
    WithJsonSchema({"type": "string", "pattern": r"^\d{1,9}(\.\d{1,4})?$", "examples": ["3"]}),
]
Description = Annotated[str, text(500)]


class QuoteLineIn(BaseModel):
    """A line: a `product_id` from the price book (its name and price are the defaults),
    or free text with a `description` and a `unit_price`."""

    model_config = ConfigDict(extra="forbid")

    product_id: uuid.UUID | None = None
    description: Description | None = None
    quantity: Quantity
    unit_price: Amount | None = None
    discount_percent: Percent = Decimal(0)


Lines = Annotated[list[QuoteLineIn], Field(max_length=200)]


class QuoteIn(BaseModel):
    """A new quote for a deal; the currency is the deal's unless given. Percentages and
    quantities are decimal strings ("12.5"), never floats."""

    model_config = ConfigDict(extra="forbid")

    deal_id: uuid.UUID
    currency: CurrencyCode | None = None
    lines: Lines = []
    discount_percent: Percent = Decimal(0)
    tax_rate: Percent = Decimal(0)


class QuotePatch(BaseModel):
    """Changes to a draft: absent fields stay; `lines` replaces every line."""

    model_config = ConfigDict(extra="forbid")

    currency: CurrencyCode | None = None
    lines: Lines | None = None
    discount_percent: Percent | None = None
    tax_rate: Percent | None = None
