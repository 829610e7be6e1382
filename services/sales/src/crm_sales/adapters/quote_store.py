"""Loading and saving quotes (lines as JSONB, decimals as strings); every save writes its
event in the same transaction."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import RowMapping, delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.quote_tables import quotes
from crm_sales.domain.quote import Quote, QuoteStatus
from crm_sales.domain.quote_totals import QuoteLine, QuoteTotals
from crm_sales.events.quote_schemas import QuoteData
from crm_sales.events.topics import QUOTE_AGGREGATE, QUOTE_TOPIC, SERVICE, QuoteAction
from crm_shared import outbox
from crm_shared.events import new_event

_TOTALS = ("subtotal", "discount_amount", "tax_amount", "total")


def quote_from_row(row: RowMapping) -> Quote:
    """A quote loaded from its row."""
    lines = [
        QuoteLine(
            description=line["description"],
            quantity=Decimal(line["quantity"]),
            unit_price=Decimal(line["unit_price"]),
            discount_percent=Decimal(line["discount_percent"]),
            product_id=uuid.UUID(line["product_id"]) if line["product_id"] else None,
        )
        for line in row["lines"]
    ]
    return Quote(
        id=row["id"],
        deal_id=row["deal_id"],
        currency=row["currency"],
        status=QuoteStatus(row["status"]),
        lines=lines,
        discount_percent=row["discount_percent"],
        tax_rate=row["tax_rate"],
        totals=QuoteTotals(*(row[name] for name in _TOTALS)),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


def quote_to_row(quote: Quote) -> dict[str, Any]:
    """The row of a quote."""
    lines = [
        {
            "product_id": str(line.product_id) if line.product_id else None,
            "description": line.description,
            "quantity": str(line.quantity),
            "unit_price": str(line.unit_price),
            "discount_percent": str(line.discount_percent),
        }
        for line in quote.lines
    ]
    row: dict[str, Any] = {
        "id": quote.id,
        "deal_id": quote.deal_id,
        "currency": quote.currency,
        "status": str(quote.status),
        "lines": lines,
        "discount_percent": quote.discount_percent,
        "tax_rate": quote.tax_rate,
        "created_at": quote.created_at,
        "updated_at": quote.updated_at,
        "version": quote.version,
    }
    row.update({name: getattr(quote.totals, name) for name in _TOTALS})
    return row


class QuoteStore:
    """Quotes of one database session, changed on behalf of `actor`."""

    def __init__(self, session: AsyncSession, *, actor: str | None) -> None:
        self.session = session
        self.actor = actor

    async def get(self, quote_id: uuid.UUID, *, lock: bool = False) -> Quote | None:
        """The quote, or None; `lock` holds its row until the transaction ends."""
        stmt = select(quotes).where(quotes.c.id == quote_id)
        if lock:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).mappings().first()
        return quote_from_row(row) if row else None

    async def has_accepted(self, deal_id: uuid.UUID) -> bool:
        """Whether the deal already has an accepted quote."""
        accepted = (quotes.c.deal_id == deal_id) & (quotes.c.status == "accepted")
        return bool(await self.session.scalar(select(exists().where(accepted))))

    async def add(self, quote: Quote) -> QuoteData:
        """Insert a new quote and its `created` event."""
        await self.session.execute(insert(quotes).values(quote_to_row(quote)))
        return await self._publish(quote, QuoteAction.CREATED, None)

    async def save(
        self, quote: Quote, action: QuoteAction, changed: list[str] | None = None
    ) -> QuoteData:
        """Write a changed quote and the event of `action`."""
        row = quote_to_row(quote)
        del row["id"], row["created_at"]
        await self.session.execute(update(quotes).where(quotes.c.id == quote.id).values(row))
        return await self._publish(quote, action, changed)

    async def delete_of_deal(self, deal_id: uuid.UUID, *, now: datetime) -> int:
        """Delete the deal's quotes, each with a `deleted` event carrying its last state
        (at the next version); how many there were."""
        stmt = select(quotes).where(quotes.c.deal_id == deal_id).order_by(quotes.c.id)
        rows = (await self.session.execute(stmt.with_for_update())).mappings().all()
        for row in rows:
            quote = quote_from_row(row)
            quote.version += 1
            quote.updated_at = now
            await self._publish(quote, QuoteAction.DELETED, None)
        await self.session.execute(delete(quotes).where(quotes.c.deal_id == deal_id))
        return len(rows)

    async def _publish(
        self, quote: Quote, action: QuoteAction, changed: list[str] | None
    ) -> QuoteData:
        resource = QuoteData.of(quote)
        event = new_event(
            service=SERVICE,
            aggregate=QUOTE_AGGREGATE,
            action=action,
            subject=quote.id,
            data=resource.model_dump(mode="json"),
            sequence=quote.version,
            actor=self.actor,
            changed=changed,
        )
        await outbox.add(self.session, event, topic=QUOTE_TOPIC, key=str(quote.id))
        return resource
