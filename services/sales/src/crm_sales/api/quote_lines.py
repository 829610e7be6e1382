"""Turning requested lines into priced quote lines, with the price book's defaults."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.product_store import ProductStore
from crm_sales.api.quote_schemas import QuoteLineIn
from crm_sales.domain.deal_errors import InvalidDealError
from crm_sales.domain.deal_money import check_amount
from crm_sales.domain.quote_totals import QuoteLine
from crm_shared.problems import ProblemError


def _problem(index: int, field: str, msg: str) -> ProblemError:
    loc = ["body", "lines", index, field]
    return ProblemError(422, detail=msg, errors=[{"loc": loc, "msg": msg}])


async def build_lines(
    session: AsyncSession, requested: list[QuoteLineIn], currency: str
) -> list[QuoteLine]:
    """The lines in `currency`; 422 naming the line's field for an unknown or inactive
    product, a product priced in another currency, a missing price or description."""
    store = ProductStore(session)
    lines = []
    for index, line in enumerate(requested):
        description, unit_price = line.description, line.unit_price
        if line.product_id is not None:
            product = await store.get(line.product_id)
            if product is None or not product.active:
                raise _problem(index, "product_id", "no active product has this id")
            if product.currency != currency and unit_price is None:
                msg = f"the product is priced in {product.currency}: give a unit_price"
                raise _problem(index, "unit_price", msg)
            description = description or product.name
            unit_price = product.unit_price if unit_price is None else unit_price
        if unit_price is None:
            raise _problem(index, "unit_price", "a line without a product needs a unit_price")
        if description is None:
            raise _problem(index, "description", "a line without a product needs a description")
        try:
            unit_price = check_amount(unit_price, currency)
        except InvalidDealError as exc:
            raise _problem(index, "unit_price", str(exc)) from None
        lines.append(
            QuoteLine(
                description=description,
                quantity=line.quantity,
                unit_price=unit_price,
                discount_percent=line.discount_percent,
                product_id=line.product_id,
            )
        )
    return lines
