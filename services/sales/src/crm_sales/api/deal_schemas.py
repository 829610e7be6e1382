"""Request bodies of deals, and the field types pipelines and targets share with them.

Deals are served as crm_sales.events.deal_schemas defines them: a client reads what a
consumer reads.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StringConstraints,
    WithJsonSchema,
)

from crm_sales.domain.deal_errors import InvalidDealError
from crm_sales.domain.deal_money import check_amount, check_currency, parse_amount
from crm_sales.domain.deal_status import DealStatus


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


# PostgreSQL text cannot hold a NUL character: refuse it as invalid input naming the field
# (and say so in the OpenAPI document) rather than as a database error.
NO_NUL = r"^[^\x00]*$"


def text(max_length: int) -> Any:
    """A trimmed, non-empty string of at most `max_length` characters, without NUL."""
    return StringConstraints(
        strip_whitespace=True, min_length=1, max_length=max_length, pattern=NO_NUL
    )


Amount = Annotated[
    Decimal,
    BeforeValidator(parse_amount),
    WithJsonSchema(
        {"type": "string", "pattern": r"^\d{1,15}(\.\d{1,4})?$", "examples": ["1500.00"]}
    ),
]
CurrencyCode = Annotated[
    str,
    StringConstraints(max_length=8),
    AfterValidator(check_currency),
    WithJsonSchema({"type": "string", "pattern": "^[A-Za-z]{3}$", "examples": ["EUR"]}),
]
DealName = Annotated[str, text(200)]
LostReason = Annotated[Annotated[str, text(500)] | None, BeforeValidator(_blank_is_none)]


class DealIn(BaseModel):
    """A deal's editable fields: a new deal, or one after a merge patch.

    No `pipeline_id` means the default pipeline. The stage is `stage_id`, or the first
    stage with `status` (`"status": "won"` wins the deal), or the pipeline's first open
    stage. A lost deal needs a `lost_reason`.
    """

    model_config = ConfigDict(extra="forbid")

    name: DealName
    amount: Amount
    currency: CurrencyCode
    close_date: date | None = None
    pipeline_id: uuid.UUID | None = None
    stage_id: uuid.UUID | None = None
    status: DealStatus | None = None
    owner_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    company_id: uuid.UUID | None = None
    lost_reason: LostReason = None

    def edits(self) -> dict[str, Any]:
        """The plain fields as Deal.open and Deal.revise take them (amount checked
        against the currency's digits: 422 naming `amount`)."""
        try:
            amount = check_amount(self.amount, self.currency)
        except InvalidDealError as exc:
            raise InvalidDealError(str(exc), field="amount") from None
        return {
            "name": self.name,
            "amount": amount,
            "currency": self.currency,
            "close_date": self.close_date,
            "owner_id": self.owner_id,
            "contact_id": self.contact_id,
            "company_id": self.company_id,
            "lost_reason": self.lost_reason,
        }


class DealPatch(BaseModel):
    """A JSON merge patch of a deal: absent fields stay, null clears."""

    model_config = ConfigDict(extra="forbid")

    name: DealName | None = None
    amount: Amount | None = None
    currency: CurrencyCode | None = None
    close_date: date | None = None
    pipeline_id: uuid.UUID | None = None
    stage_id: uuid.UUID | None = None
    status: DealStatus | None = None
    owner_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    company_id: uuid.UUID | None = None
    lost_reason: LostReason = None
