"""The forecast of one period: what each owner's open and won deals add up to, per currency.

The rules (amounts of different currencies are never added together):
- weighted pipeline: the open deals' amounts times their stage's win probability;
- commit: the open deals in stages with a probability of COMMIT_MIN_PROBABILITY or more;
- best case: every open deal;
- closed won: the deals won.
Each counts the deals whose close date falls in the period. Closed won is not part of
commit or best case: what an owner expects to land is closed won plus commit.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from crm_sales.domain.deal_status import DealStatus

COMMIT_MIN_PROBABILITY = 75
ATTAINMENT_PLACES = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class StageTotal:
    """The deals of one owner, currency, status and stage probability, added up."""

    owner_id: uuid.UUID | None
    currency: str
    status: DealStatus
    probability: int
    amount: Decimal
    deals: int


@dataclass(slots=True)
class ForecastLine:
    """One owner's (or everyone's) forecast in one currency, exact (not yet rounded)."""

    currency: str
    weighted_pipeline: Decimal = Decimal(0)
    commit: Decimal = Decimal(0)
    best_case: Decimal = Decimal(0)
    closed_won: Decimal = Decimal(0)
    open_deals: int = 0
    won_deals: int = 0
    target: Decimal | None = None

    def add(self, total: StageTotal) -> None:
        """Count `total` in (lost deals count nowhere)."""
        if total.status == DealStatus.OPEN:
            self.open_deals += total.deals
            self.best_case += total.amount
            self.weighted_pipeline += total.amount * total.probability / 100
            if total.probability >= COMMIT_MIN_PROBABILITY:
                self.commit += total.amount
        elif total.status == DealStatus.WON:
            self.won_deals += total.deals
            self.closed_won += total.amount

    def add_target(self, amount: Decimal) -> None:
        """Count a target in (the totals line adds up every owner's)."""
        self.target = amount + (self.target or 0)

    @property
    def attainment(self) -> Decimal | None:
        """Closed won over the target (0.5 is half way), if there is a target."""
        if not self.target:
            return None
        return attainment(self.closed_won, self.target)


def attainment(closed_won: Decimal, target: Decimal) -> Decimal:
    """Closed won over a (positive) target, to four places."""
    return (closed_won / target).quantize(ATTAINMENT_PLACES)


OwnerKey = tuple[uuid.UUID | None, str]


def forecast_lines(totals: Iterable[StageTotal]) -> dict[OwnerKey, ForecastLine]:
    """One line per (owner, currency) that has deals."""
    lines: dict[OwnerKey, ForecastLine] = {}
    for total in totals:
        key = (total.owner_id, total.currency)
        lines.setdefault(key, ForecastLine(total.currency)).add(total)
    return lines


def currency_totals(lines: Iterable[ForecastLine]) -> list[ForecastLine]:
    """Every owner's lines added up per currency, by currency code."""
    totals: dict[str, ForecastLine] = {}
    for line in lines:
        total = totals.setdefault(line.currency, ForecastLine(line.currency))
        total.weighted_pipeline += line.weighted_pipeline
        total.commit += line.commit
        total.best_case += line.best_case
        total.closed_won += line.closed_won
        total.open_deals += line.open_deals
        total.won_deals += line.won_deals
        if line.target is not None:
            total.add_target(line.target)
    return [totals[code] for code in sorted(totals)]
