"""Payloads (`data`) of `crm.sales.quote` events: the full quote after the change, with
its lines and totals as decimal strings. The API serves the same shape."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from crm_sales.domain.deal_money import format_amount
from crm_sales.domain.quote import Quote, QuoteStatus
from crm_sales.domain.quote_totals import QuoteLine
from crm_sales.domain.quote_values import plain


class QuoteLineData(BaseModel):
    """A line: a product (`product_id`) or free text; `total` is after its discount."""

    product_id: uuid.UUID | None
    description: str
    quantity: str = Field(examples=["3"])
    unit_price: str = Field(examples=["100.00"])
    discount_percent: str = Field(examples=["10"])
    total: str = Field(examples=["270.00"])

    @classmethod
    def of(cls, line: QuoteLine, currency: str) -> QuoteLineData:
        """The published form of a line."""
        return cls(
            product_id=line.product_id,
            description=line.description,
            quantity=plain(line.quantity),
            unit_price=format_amount(line.unit_price, currency),
            discount_percent=plain(line.discount_percent),
            total=format_amount(line.total(currency), currency),
        )


class QuoteData(BaseModel):
    """A quote. Amounts have the currency's minor digits; percentages are plain decimals.
    `total` = `subtotal` - `discount_amount` + `tax_amount`."""

    id: uuid.UUID
    deal_id: uuid.UUID
    currency: str
    status: QuoteStatus
    lines: list[QuoteLineData]
    discount_percent: str
    tax_rate: str
    subtotal: str
    discount_amount: str
    tax_amount: str
    total: str
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, quote: Quote) -> QuoteData:
        """The published form of a quote."""
        money = quote.totals
        return cls(
            id=quote.id,
            deal_id=quote.deal_id,
            currency=quote.currency,
            status=quote.status,
            lines=[QuoteLineData.of(line, quote.currency) for line in quote.lines],
            discount_percent=plain(quote.discount_percent),
            tax_rate=plain(quote.tax_rate),
            subtotal=format_amount(money.subtotal, quote.currency),
            discount_amount=format_amount(money.discount_amount, quote.currency),
            tax_amount=format_amount(money.tax_amount, quote.currency),
            total=format_amount(money.total, quote.currency),
            created_at=quote.created_at,
            updated_at=quote.updated_at,
            version=quote.version,
        )


class QuoteUpdatedData(QuoteData):
    """`crm.sales.quote.updated`: the quote and the names of the changed fields."""

    changed: list[str]


QuoteEventData = QuoteUpdatedData | QuoteData
