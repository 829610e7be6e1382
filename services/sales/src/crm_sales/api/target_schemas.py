"""Request bodies of sales targets, and a target as the API serves it (with attainment)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from crm_sales.api.deal_schemas import Amount, CurrencyCode
from crm_sales.domain.deal_errors import InvalidDealError
from crm_sales.domain.deal_money import check_amount, format_amount
from crm_sales.domain.forecast import attainment
from crm_sales.domain.forecast_period import PERIOD_HINT, parse_period
from crm_sales.domain.target import Target
from crm_sales.events.target_schemas import TargetData


def _period_label(value: str) -> str:
    return parse_period(value).label


PeriodText = Annotated[
    str,
    StringConstraints(max_length=20),
    AfterValidator(_period_label),
    Field(description=PERIOD_HINT, examples=["2026-Q4", "2026-11"]),
]


class TargetIn(BaseModel):
    """What `owner_id` should win in `period`, in `currency` (one target per owner,
    period and currency)."""

    model_config = ConfigDict(extra="forbid")

    owner_id: uuid.UUID
    period: PeriodText
    amount: Amount
    currency: CurrencyCode

    def edits(self) -> dict[str, Any]:
        """The fields as Target.register and Target.revise take them (422 naming `amount`
        unless it is above zero and fits the currency)."""
        try:
            amount = check_amount(self.amount, self.currency, positive=True)
        except InvalidDealError as exc:
            raise InvalidDealError(str(exc), field="amount") from None
        return {
            "owner_id": self.owner_id,
            "period": self.period,
            "amount": amount,
            "currency": self.currency,
        }


class TargetPatch(BaseModel):
    """A JSON merge patch of a target."""

    model_config = ConfigDict(extra="forbid")

    owner_id: uuid.UUID | None = None
    period: PeriodText | None = None
    amount: Amount | None = None
    currency: CurrencyCode | None = None


class TargetOut(TargetData):
    """A target and how far its owner got: `closed_won` is what the owner won in the
    currency with a close date in the period, `attainment` that over the target (0.5 is
    half way)."""

    closed_won: str
    attainment: str

    @classmethod
    def with_progress(cls, target: Target, won: Decimal) -> TargetOut:
        """The target as served, with the amount won so far."""
        return cls(
            **TargetData.of(target).model_dump(),
            closed_won=format_amount(won, target.currency),
            attainment=str(attainment(won, target.amount)),
        )
