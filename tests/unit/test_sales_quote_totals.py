"""Quote totals: exact decimals, half-to-even rounding at the documented points, and the
currency's digits (EUR 2, JPY 0, BHD 3)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crm_sales.domain.deal_errors import InvalidDealError
from crm_sales.domain.quote_totals import QuoteLine, price
from crm_sales.domain.quote_values import parse_percent, parse_quantity, plain

D = Decimal


def _line(quantity: str, unit_price: str, discount: str = "0") -> QuoteLine:
    return QuoteLine("Item", D(quantity), D(unit_price), D(discount))


def test_worked_example_in_eur() -> None:
    lines = [_line("3", "100.00", "10"), _line("1", "19.99")]
    # 270.00 + 19.99 = 289.99; 5% off = 14.4995 -> 14.50; 275.49 taxed 19% = 52.3431 -> 52.34
    totals = price(lines, "EUR", discount_percent=D("5"), tax_rate=D("19"))
    assert totals.subtotal == D("289.99")
    assert totals.discount_amount == D("14.50")
    assert totals.tax_amount == D("52.34")
    assert totals.total == D("327.83")
    assert totals.total == totals.subtotal - totals.discount_amount + totals.tax_amount


@pytest.mark.parametrize(
    ("unit_price", "expected"),
    [("0.125", "0.12"), ("0.135", "0.14"), ("0.145", "0.14")],  # halves go to the even digit
)
def test_line_rounds_half_to_even(unit_price: str, expected: str) -> None:
    assert _line("1", unit_price).total("EUR") == D(expected)


def test_no_float_drift() -> None:
    # 0.1 + 0.2 in binary floats is 0.30000000000000004; decimals are exact.
    totals = price(
        [_line("1", "0.10"), _line("1", "0.20")], "EUR", discount_percent=D(0), tax_rate=D(0)
    )
    assert totals.total == D("0.30")


@pytest.mark.parametrize(
    ("currency", "expected"), [("JPY", D("1234")), ("BHD", D("1234.444")), ("EUR", D("1234.44"))]
)
def test_currency_digits(currency: str, expected: Decimal) -> None:
    line = _line("3", "411.4814")
    assert line.total(currency) == expected


def test_empty_quote_is_zero() -> None:
    totals = price([], "EUR", discount_percent=D("50"), tax_rate=D("20"))
    assert (totals.subtotal, totals.total) == (D(0), D(0))


def test_total_too_big() -> None:
    with pytest.raises(InvalidDealError):
        price([_line("999999999", "9999999.99")], "EUR", discount_percent=D(0), tax_rate=D(0))


@pytest.mark.parametrize("bad", ["-1", "100.01", "1.00001", 1.5, "abc"])
def test_bad_percentages(bad: object) -> None:
    with pytest.raises(InvalidDealError):
        parse_percent(bad)


@pytest.mark.parametrize("bad", ["0", "-2", "1000000000", "0.00001"])
def test_bad_quantities(bad: str) -> None:
    with pytest.raises(InvalidDealError):
        parse_quantity(bad)


def test_plain_strings() -> None:
    assert [plain(D(x)) for x in ("10.0000", "12.50", "100")] == ["10", "12.5", "100"]
