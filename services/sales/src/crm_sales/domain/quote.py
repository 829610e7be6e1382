"""The quote aggregate: priced lines for a deal, moving draft → sent → accepted or
rejected. Only a draft may be edited; accepting one sets its deal's amount."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from crm_sales.domain.deal_errors import SalesRuleError
from crm_sales.domain.quote_totals import QuoteLine, QuoteTotals, price


class QuoteStatus(StrEnum):
    """Where a quote is in its life."""

    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


# The only moves there are; anything else is a 409.
MOVES = {
    QuoteStatus.DRAFT: frozenset({QuoteStatus.SENT}),
    QuoteStatus.SENT: frozenset({QuoteStatus.ACCEPTED, QuoteStatus.REJECTED}),
}


class QuoteStateError(SalesRuleError):
    """A quote cannot do that in its status (409)."""


@dataclass(slots=True)
class Quote:
    """A quote; its totals always match its lines (set by `reprice`)."""

    id: uuid.UUID
    deal_id: uuid.UUID
    currency: str
    created_at: datetime
    updated_at: datetime
    lines: list[QuoteLine] = field(default_factory=list)
    discount_percent: Decimal = Decimal(0)
    tax_rate: Decimal = Decimal(0)
    status: QuoteStatus = QuoteStatus.DRAFT
    totals: QuoteTotals = field(default_factory=QuoteTotals.zero)
    version: int = 1

    def reprice(self) -> None:
        """Compute the totals from the lines, discount and tax rate."""
        self.totals = price(
            self.lines,
            self.currency,
            discount_percent=self.discount_percent,
            tax_rate=self.tax_rate,
        )

    def check_editable(self) -> None:
        """Only drafts change; a quote sent is what the customer saw."""
        if self.status != QuoteStatus.DRAFT:
            raise QuoteStateError(f"a {self.status} quote cannot be edited, only a draft")

    def move(self, to: QuoteStatus, now: datetime) -> None:
        """Go to status `to` if the quote may (QuoteStateError otherwise)."""
        if to not in MOVES.get(self.status, frozenset()):
            raise QuoteStateError(f"a {self.status} quote cannot become {to}")
        if to == QuoteStatus.SENT and not self.lines:
            raise QuoteStateError("a quote without lines cannot be sent")
        self.status = to
        self.touch(now)

    def touch(self, now: datetime) -> None:
        """Record a change: next version, new update time."""
        self.version += 1
        self.updated_at = now
