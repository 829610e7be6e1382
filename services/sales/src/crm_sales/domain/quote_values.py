"""Exact numbers of quotes: percentages and quantities, decimals never floats."""

from __future__ import annotations

from decimal import Decimal

from crm_sales.domain.deal_errors import InvalidDealError
from crm_sales.domain.deal_money import parse_amount

HUNDRED = Decimal(100)
MAX_QUANTITY = Decimal(10) ** 9
# Percentages and quantities keep at most 4 decimals (NUMERIC(7, 4) and (19, 4)).
_PLACES = Decimal("0.0001")


def parse_percent(value: object) -> Decimal:
    """A percentage from 0 to 100 with at most 4 decimals, from a decimal string."""
    percent = parse_amount(value)
    if not 0 <= percent <= HUNDRED:
        raise InvalidDealError("a percentage is from 0 to 100")
    return _four_places(percent, "a percentage")


def parse_quantity(value: object) -> Decimal:
    """A quantity above 0 and below 10^9 with at most 4 decimals."""
    quantity = parse_amount(value)
    if not 0 < quantity < MAX_QUANTITY:
        raise InvalidDealError("a quantity is above 0 and below 10^9")
    return _four_places(quantity, "a quantity")


def plain(value: Decimal) -> str:
    """A decimal as a plain string without trailing zeros ("12.5", "3", never "1E+1")."""
    return format(value.normalize(), "f")


def _four_places(value: Decimal, what: str) -> Decimal:
    if value.quantize(_PLACES) != value:
        raise InvalidDealError(f"{what} has at most 4 decimal digits")
    return value
