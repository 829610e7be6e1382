"""A quote's totals, computed exactly with decimals, rounded to the currency's digits.

Rounding is half to even (banker's rounding, as deal_money.round_amount) and happens at
exactly these points, so that every printed figure adds up:

    line total     = round(quantity * unit price * (1 - line discount / 100))
    subtotal       = sum of line totals
    discount       = round(subtotal * quote discount / 100)
    tax            = round((subtotal - discount) * tax rate / 100)
    total          = subtotal - discount + tax
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from crm_sales.domain.deal_errors import InvalidDealError
from crm_sales.domain.deal_money import MAX_AMOUNT, round_amount
from crm_sales.domain.quote_values import HUNDRED


@dataclass(frozen=True, slots=True)
class QuoteLine:
    """One line: a product of the price book (`product_id`) or free text."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal = Decimal(0)
    product_id: uuid.UUID | None = None

    def total(self, currency: str) -> Decimal:
        """The line's amount after its discount, rounded to the currency."""
        gross = self.quantity * self.unit_price
        return round_amount(gross * (HUNDRED - self.discount_percent) / HUNDRED, currency)


@dataclass(frozen=True, slots=True)
class QuoteTotals:
    """What a quote comes to."""

    subtotal: Decimal
    discount_amount: Decimal
    tax_amount: Decimal
    total: Decimal

    @classmethod
    def zero(cls) -> QuoteTotals:
        """The totals of a quote without lines."""
        return cls(Decimal(0), Decimal(0), Decimal(0), Decimal(0))


def price(
    lines: list[QuoteLine], currency: str, *, discount_percent: Decimal, tax_rate: Decimal
) -> QuoteTotals:
    """The totals of `lines` in `currency` (see the module's rounding rules)."""
    subtotal = sum((line.total(currency) for line in lines), Decimal(0))
    discount = round_amount(subtotal * discount_percent / HUNDRED, currency)
    tax = round_amount((subtotal - discount) * tax_rate / HUNDRED, currency)
    total = subtotal - discount + tax
    if total >= MAX_AMOUNT or subtotal >= MAX_AMOUNT:
        raise InvalidDealError("a quote's total must be below 10^15", field="lines")
    return QuoteTotals(subtotal, discount, tax, total)
