"""The forecast as the API serves it: amounts as decimal strings, per currency."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, Field

from crm_sales.domain.deal_money import format_amount
from crm_sales.domain.forecast import ForecastLine


class ForecastAmounts(BaseModel):
    """One currency's forecast (amounts of different currencies are never added)."""

    currency: str
    weighted_pipeline: str = Field(description="Open deals: amount x stage probability")
    commit: str = Field(description="Open deals in stages at or above commit_min_probability")
    best_case: str = Field(description="Every open deal")
    closed_won: str = Field(description="Deals won")
    open_deals: int
    won_deals: int
    target: str | None = Field(description="The target(s) set for the period, if any")
    attainment: str | None = Field(description="closed_won / target, to 4 places (0.5 = half)")

    @classmethod
    def of(cls, line: ForecastLine) -> ForecastAmounts:
        """A line, rounded to its currency's digits."""
        currency = line.currency
        attained = line.attainment
        return cls(
            currency=currency,
            weighted_pipeline=format_amount(line.weighted_pipeline, currency),
            commit=format_amount(line.commit, currency),
            best_case=format_amount(line.best_case, currency),
            closed_won=format_amount(line.closed_won, currency),
            open_deals=line.open_deals,
            won_deals=line.won_deals,
            target=format_amount(line.target, currency) if line.target is not None else None,
            attainment=str(attained) if attained is not None else None,
        )


class OwnerForecast(BaseModel):
    """One owner's forecast (owner_id null: deals nobody owns)."""

    owner_id: uuid.UUID | None
    by_currency: list[ForecastAmounts]


class ForecastOut(BaseModel):
    """The forecast of the deals whose close date falls in the period."""

    period: str
    starts_on: date
    ends_on: date
    owner_id: uuid.UUID | None
    pipeline_id: uuid.UUID | None
    commit_min_probability: int
    owners: list[OwnerForecast]
    totals: list[ForecastAmounts] = Field(description="Every owner above, per currency")
