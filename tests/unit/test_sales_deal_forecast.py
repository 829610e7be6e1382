"""Forecast rules and periods: weighted pipeline, commit, best case, closed won per owner
and currency; months and quarters."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest

from crm_sales.domain.deal_errors import InvalidDealError
from crm_sales.domain.deal_status import DealStatus
from crm_sales.domain.forecast import (
    COMMIT_MIN_PROBABILITY,
    StageTotal,
    attainment,
    currency_totals,
    forecast_lines,
)
from crm_sales.domain.forecast_period import parse_period

ANN, BOB = uuid.uuid4(), uuid.uuid4()
OPEN, WON, LOST = DealStatus.OPEN, DealStatus.WON, DealStatus.LOST


def _total(
    owner: uuid.UUID,
    currency: str,
    status: DealStatus,
    probability: int,
    amount: str,
    deals: int = 1,
) -> StageTotal:
    return StageTotal(owner, currency, status, probability, Decimal(amount), deals)


def test_each_figure_follows_its_rule() -> None:
    totals = [
        _total(ANN, "EUR", OPEN, 10, "1000.00", 2),
        _total(ANN, "EUR", OPEN, COMMIT_MIN_PROBABILITY, "400.00"),
        _total(ANN, "EUR", OPEN, 90, "100.00"),
        _total(ANN, "EUR", WON, 100, "250.00", 3),
        _total(ANN, "EUR", LOST, 0, "9999.00"),
    ]
    line = forecast_lines(totals)[(ANN, "EUR")]
    assert line.weighted_pipeline == Decimal("1000") * 10 / 100 + Decimal("400") * Decimal(
        COMMIT_MIN_PROBABILITY
    ) / 100 + Decimal("90")
    assert line.commit == Decimal("500.00")  # the 75% and 90% stages
    assert line.best_case == Decimal("1500.00")
    assert line.closed_won == Decimal("250.00")
    assert (line.open_deals, line.won_deals) == (4, 3)


def test_currencies_and_owners_are_never_added_together() -> None:
    lines = forecast_lines(
        [
            _total(ANN, "EUR", OPEN, 50, "100"),
            _total(ANN, "USD", OPEN, 50, "100"),
            _total(BOB, "EUR", WON, 100, "30"),
        ]
    )
    assert set(lines) == {(ANN, "EUR"), (ANN, "USD"), (BOB, "EUR")}
    lines[(ANN, "EUR")].add_target(Decimal("60"))
    lines[(BOB, "EUR")].add_target(Decimal("40"))
    eur, usd = currency_totals(lines.values())
    assert (eur.currency, eur.best_case, eur.closed_won, eur.target) == (
        "EUR",
        Decimal(100),
        Decimal(30),
        Decimal(100),
    )
    assert eur.attainment == Decimal("0.3000")
    assert (usd.currency, usd.best_case, usd.target, usd.attainment) == (
        "USD",
        Decimal(100),
        None,
        None,
    )


def test_attainment_is_a_four_place_fraction() -> None:
    assert attainment(Decimal("1"), Decimal("3")) == Decimal("0.3333")
    assert attainment(Decimal("150"), Decimal("100")) == Decimal("1.5000")


@pytest.mark.parametrize(
    ("text", "label", "first", "last"),
    [
        ("2026-11", "2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("2026-12", "2026-12", date(2026, 12, 1), date(2026, 12, 31)),
        ("2028-02", "2028-02", date(2028, 2, 1), date(2028, 2, 29)),
        ("2026-Q4", "2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        (" 2026-q1 ", "2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
    ],
)
def test_periods_are_months_or_quarters(text: str, label: str, first: date, last: date) -> None:
    period = parse_period(text)
    assert (period.label, period.starts_on, period.ends_on) == (label, first, last)
    assert first in period
    assert last in period
    assert date.fromordinal(last.toordinal() + 1) not in period


@pytest.mark.parametrize("text", ["2026-13", "2026-Q5", "2026", "26-11", "2026-1", "Q4-2026"])
def test_other_periods_are_refused(text: str) -> None:
    with pytest.raises(InvalidDealError) as refused:
        parse_period(text)
    assert refused.value.field == "period"
