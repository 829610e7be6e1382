"""Money: an exact decimal amount in an ISO 4217 currency, never a float.

Each currency has its own number of minor digits (EUR 2, JPY 0, BHD 3); an amount may not
be more precise than its currency, and is shown with exactly that many digits.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from iso4217 import Currency

from crm_sales.domain.deal_errors import InvalidDealError

# Up to a quadrillion in any currency: NUMERIC(19, 4) holds it with room for 4 digits.
MAX_AMOUNT = Decimal(10) ** 15


def minor_digits(currency: str) -> int:
    """How many decimal digits an amount in `currency` has (2 for EUR, 0 for JPY)."""
    exponent = Currency(currency).exponent
    return int(exponent) if exponent is not None else 0


def check_currency(code: str) -> str:
    """An ISO 4217 code that money can be counted in (upper-cased), else InvalidDealError.

    Codes without minor units (gold, the test code XTS, ...) are not transaction currencies.
    """
    normalized = code.strip().upper()
    try:
        currency = Currency(normalized)
    except ValueError:
        raise InvalidDealError(f"{code!r} is not an ISO 4217 currency code") from None
    if currency.exponent is None:
        raise InvalidDealError(f"{normalized} is not a currency amounts are counted in")
    return normalized


def parse_amount(value: object) -> Decimal:
    """A decimal amount from a string (or an integer); floats are refused, they are not exact."""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise InvalidDealError('an amount is a decimal string, such as "1500.00"')
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise InvalidDealError(f"{value!r} is not a decimal number") from None
    if not amount.is_finite():
        raise InvalidDealError("an amount must be a finite number")
    return amount


def check_amount(amount: Decimal, currency: str, *, positive: bool = False) -> Decimal:
    """`amount` if it fits `currency` (no more decimals than it has, 0 <= amount < 10^15)."""
    if amount < 0 or (positive and amount == 0):
        raise InvalidDealError("an amount must be " + ("above zero" if positive else ">= 0"))
    if amount >= MAX_AMOUNT:
        raise InvalidDealError("an amount must be below 10^15")
    digits = minor_digits(currency)
    exact = amount.quantize(_unit(digits))
    if exact != amount:
        raise InvalidDealError(f"an amount in {currency} has at most {digits} decimal digits")
    return exact


def format_amount(amount: Decimal, currency: str) -> str:
    """The amount as a decimal string with exactly the currency's digits ("1500.00")."""
    return str(round_amount(amount, currency))


def round_amount(amount: Decimal, currency: str) -> Decimal:
    """`amount` rounded to the currency's digits (half to even, as accountants round)."""
    return amount.quantize(_unit(minor_digits(currency)), rounding=ROUND_HALF_EVEN)


def _unit(digits: int) -> Decimal:
    return Decimal(1).scaleb(-digits)
