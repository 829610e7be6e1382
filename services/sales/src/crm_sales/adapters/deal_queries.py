"""Listing deals: filters on the fields a pipeline board or a report narrows by, in
stable (created_at, id) keyset pages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import date

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.deal_paging import after, created_key, cut_page
from crm_sales.adapters.deal_rows import deal_from_row
from crm_sales.adapters.deal_store import DEAL_SELECT
from crm_sales.adapters.deal_tables import deals
from crm_sales.domain.deal import Deal
from crm_sales.domain.deal_status import DealStatus


@dataclass(frozen=True, slots=True)
class DealFilters:
    """What a list is narrowed to; None means any. Close dates are inclusive."""

    pipeline_id: uuid.UUID | None = None
    stage_id: uuid.UUID | None = None
    owner_id: uuid.UUID | None = None
    contact_id: uuid.UUID | None = None
    company_id: uuid.UUID | None = None
    status: DealStatus | None = None
    close_date_from: date | None = None
    close_date_to: date | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The WHERE conditions of these filters."""
        found: list[ColumnElement[bool]] = []
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value is None or spec.name.startswith("close_date"):
                continue
            found.append(deals.c[spec.name] == (str(value) if spec.name == "status" else value))
        if self.close_date_from is not None:
            found.append(deals.c.close_date >= self.close_date_from)
        if self.close_date_to is not None:
            found.append(deals.c.close_date <= self.close_date_to)
        return found


async def list_deals(
    session: AsyncSession, filters: DealFilters, *, limit: int, cursor: str | None
) -> tuple[list[Deal], str | None]:
    """One page of deals, oldest first."""
    stmt = (
        DEAL_SELECT.where(*filters.conditions(), *after(deals, cursor))
        .order_by(deals.c.created_at, deals.c.id)
        .limit(limit + 1)
    )
    rows = (await session.execute(stmt)).mappings().all()
    page, next_cursor = cut_page(rows, limit, created_key)
    return [deal_from_row(row) for row in page], next_cursor
