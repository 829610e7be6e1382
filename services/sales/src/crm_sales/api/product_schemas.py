"""Products of the price book: request bodies and the served shape."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from crm_sales.api.deal_schemas import Amount, CurrencyCode, text
from crm_sales.domain.deal_errors import InvalidDealError
from crm_sales.domain.deal_money import check_amount, format_amount
from crm_sales.domain.product import Product

Sku = Annotated[str, text(64)]
ProductName = Annotated[str, text(200)]


def checked_price(price: Decimal, currency: str) -> Decimal:
    """The price if it fits the currency, else 422 naming `unit_price`."""
    try:
        return check_amount(price, currency)
    except InvalidDealError as exc:
        raise InvalidDealError(str(exc), field="unit_price") from None


class ProductIn(BaseModel):
    """A new product; its SKU is unique (case-insensitively)."""

    model_config = ConfigDict(extra="forbid")

    sku: Sku
    name: ProductName
    unit_price: Amount
    currency: CurrencyCode
    active: bool = True


class ProductPatch(BaseModel):
    """A partial update: absent fields stay."""

    model_config = ConfigDict(extra="forbid")

    sku: Sku | None = None
    name: ProductName | None = None
    unit_price: Amount | None = None
    currency: CurrencyCode | None = None
    active: bool | None = None

    def edits(self) -> dict[str, Any]:
        """The fields sent (null for any of them is not a value: 422)."""
        sent = {name: getattr(self, name) for name in self.model_fields_set}
        for name, value in sent.items():
            if value is None:
                raise InvalidDealError(f"{name} cannot be null", field=name)
        return sent


class ProductData(BaseModel):
    """A product; `unit_price` has the currency's minor digits."""

    id: uuid.UUID
    sku: str
    name: str
    unit_price: str = Field(examples=["99.00"])
    currency: str
    active: bool
    created_at: datetime
    updated_at: datetime
    version: int

    @classmethod
    def of(cls, product: Product) -> ProductData:
        """The served form of a product."""
        return cls(
            id=product.id,
            sku=product.sku,
            name=product.name,
            unit_price=format_amount(product.unit_price, product.currency),
            currency=product.currency,
            active=product.active,
            created_at=product.created_at,
            updated_at=product.updated_at,
            version=product.version,
        )
