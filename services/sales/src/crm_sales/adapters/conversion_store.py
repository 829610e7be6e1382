"""Loading and saving lead conversions."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.conversion_tables import lead_conversions
from crm_sales.domain.conversion import Conversion, ConversionStatus, DealSpec

_T = lead_conversions.c


class ConversionStore:
    """Conversions of one database session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, conversion_id: uuid.UUID, *, lock: bool = False) -> Conversion | None:
        """The conversion, or None; `lock` holds its row until the transaction ends."""
        stmt = select(lead_conversions).where(_T.id == conversion_id)
        if lock:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).mappings().first()
        return conversion_from_row(row) if row else None

    async def of_lead(self, lead_id: uuid.UUID) -> Conversion | None:
        """The lead's conversion, or None if it was never converted."""
        stmt = select(lead_conversions).where(_T.lead_id == lead_id)
        row = (await self.session.execute(stmt)).mappings().first()
        return conversion_from_row(row) if row else None

    async def add(self, conversion: Conversion) -> None:
        """Insert a new conversion (the lead_id unique constraint refuses a second one)."""
        await self.session.execute(insert(lead_conversions).values(conversion_to_row(conversion)))

    async def save(self, conversion: Conversion) -> None:
        """Write a changed conversion."""
        row = conversion_to_row(conversion)
        del row["id"], row["lead_id"], row["created_at"]
        await self.session.execute(
            update(lead_conversions).where(_T.id == conversion.id).values(row)
        )


def conversion_from_row(row: RowMapping) -> Conversion:
    """A conversion loaded from its row."""
    deal = DealSpec(
        name=row["deal_name"],
        amount=row["deal_amount"],
        currency=row["deal_currency"],
        pipeline_id=row["deal_pipeline_id"],
    )
    return Conversion(
        id=row["id"],
        lead_id=row["lead_id"],
        deal=deal,
        owner_id=row["owner_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        status=ConversionStatus(row["status"]),
        contact_id=row["contact_id"],
        company_id=row["company_id"],
        deal_id=row["deal_id"],
        error=row["error"],
    )


def conversion_to_row(conversion: Conversion) -> dict[str, Any]:
    """The column values of a conversion."""
    return {
        "id": conversion.id,
        "lead_id": conversion.lead_id,
        "status": conversion.status.value,
        "deal_name": conversion.deal.name,
        "deal_amount": conversion.deal.amount,
        "deal_currency": conversion.deal.currency,
        "deal_pipeline_id": conversion.deal.pipeline_id,
        "owner_id": conversion.owner_id,
        "contact_id": conversion.contact_id,
        "company_id": conversion.company_id,
        "deal_id": conversion.deal_id,
        "error": conversion.error,
        "created_at": conversion.created_at,
        "updated_at": conversion.updated_at,
    }
