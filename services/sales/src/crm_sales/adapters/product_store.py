"""Loading, saving and listing the price book's products."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import RowMapping, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.deal_paging import created_key, cut_page, oldest_first
from crm_sales.adapters.quote_tables import products
from crm_sales.domain.product import Product

COLUMNS = tuple(column.name for column in products.columns)


def product_from_row(row: RowMapping) -> Product:
    """A product loaded from its row."""
    return Product(**{name: row[name] for name in COLUMNS})


class ProductStore:
    """Products of one database session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, product_id: uuid.UUID, *, lock: bool = False) -> Product | None:
        """The product, or None; `lock` holds its row until the transaction ends."""
        stmt = select(products).where(products.c.id == product_id)
        if lock:
            stmt = stmt.with_for_update()
        row = (await self.session.execute(stmt)).mappings().first()
        return product_from_row(row) if row else None

    async def add(self, product: Product) -> None:
        """Insert a new product (IntegrityError on a SKU in use)."""
        values: dict[str, Any] = {name: getattr(product, name) for name in COLUMNS}
        await self.session.execute(insert(products).values(values))

    async def save(self, product: Product) -> None:
        """Write a changed product."""
        values = {name: getattr(product, name) for name in COLUMNS if name != "id"}
        await self.session.execute(
            update(products).where(products.c.id == product.id).values(values)
        )

    async def page(
        self, *, active: bool | None, limit: int, cursor: str | None
    ) -> tuple[list[Product], str | None]:
        """One page of products, oldest first (only active or inactive ones if asked)."""
        conditions = [] if active is None else [products.c.active.is_(active)]
        stmt = oldest_first(products, [products], conditions, cursor).limit(limit + 1)
        rows = (await self.session.execute(stmt)).mappings().all()
        found, next_cursor = cut_page(rows, limit, created_key)
        return [product_from_row(row) for row in found], next_cursor
