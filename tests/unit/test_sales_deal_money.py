"""Money rules: ISO 4217 codes, exact decimals with each currency's own digits, no floats."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm_sales.domain.deal_errors import InvalidDealError
from crm_sales.domain.deal_money import (
    check_amount,
    check_currency,
    format_amount,
    minor_digits,
    parse_amount,
    round_amount,
)


@pytest.mark.parametrize(("code", "digits"), [("EUR", 2), ("jpy", 0), ("BHD", 3), ("CLF", 4)])
def test_currencies_have_their_own_digits(code: str, digits: int) -> None:
    assert minor_digits(check_currency(code)) == digits


@pytest.mark.parametrize("code", ["EURO", "ABC", "XAU", "", "€"])
def test_unknown_or_uncountable_currencies_are_refused(code: str) -> None:
    with pytest.raises(InvalidDealError):
        check_currency(code)


def test_amounts_are_parsed_exactly_and_floats_refused() -> None:
    assert parse_amount(" 0.10 ") + parse_amount("0.20") == Decimal("0.30")
    assert parse_amount(12) == Decimal(12)
    for bad in (0.1, True, None, "1,5", "NaN", "Infinity", [1]):
        with pytest.raises(InvalidDealError):
            parse_amount(bad)


def test_an_amount_may_not_be_finer_than_its_currency() -> None:
    assert check_amount(Decimal("10.5"), "EUR") == Decimal("10.50")
    assert check_amount(Decimal("10.500"), "EUR") == Decimal("10.50")  # same value
    assert check_amount(Decimal("1.125"), "BHD") == Decimal("1.125")
    for amount, currency in [("10.555", "EUR"), ("0.5", "JPY"), ("-1", "EUR"), ("1E15", "EUR")]:
        with pytest.raises(InvalidDealError):
            check_amount(Decimal(amount), currency)
    with pytest.raises(InvalidDealError):
        check_amount(Decimal(0), "EUR", positive=True)


def test_amounts_are_shown_with_the_currency_digits_rounding_half_to_even() -> None:
    assert format_amount(Decimal("1500.0000"), "EUR") == "1500.00"
    assert format_amount(Decimal("1500.0000"), "JPY") == "1500"
    assert round_amount(Decimal("2.345"), "EUR") == Decimal("2.34")
    assert round_amount(Decimal("2.355"), "EUR") == Decimal("2.36")
