"""The price book: create, list, read and update products (deactivate, never delete:
quotes may name them)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy.exc import IntegrityError

from crm_sales.adapters.deal_integrity import violated_constraint
from crm_sales.adapters.product_store import ProductStore
from crm_sales.api.deal_loading import created_headers, etag
from crm_sales.api.deps import API_PREFIX, DealWriter, Reader, ReadSession, utc_now
from crm_sales.api.product_schemas import ProductData, ProductIn, ProductPatch, checked_price
from crm_sales.domain.product import Product
from crm_shared.db import SessionDep
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.problems import PROBLEM_RESPONSES, ProblemError, not_found
from crm_shared.versioning import IfMatch, check_version

router = APIRouter(prefix=f"{API_PREFIX}/products", tags=["products"], responses=PROBLEM_RESPONSES)
ProductId = Annotated[uuid.UUID, Path(description="The product's id (a UUID)")]


def _sku_conflict(exc: IntegrityError) -> ProblemError:
    if violated_constraint(exc) != "uq_products_sku":
        raise exc
    return ProblemError(409, "SKU in use", "another product has this SKU")


@router.post("", status_code=201, operation_id="create_product")
async def create_product(
    body: ProductIn, session: SessionDep, _: DealWriter, response: Response
) -> ProductData:
    """Add a product to the price book (409 if its SKU is in use)."""
    now = utc_now()
    product = Product(
        id=uuid.uuid4(),
        sku=body.sku,
        name=body.name,
        unit_price=checked_price(body.unit_price, body.currency),
        currency=body.currency,
        active=body.active,
        created_at=now,
        updated_at=now,
    )
    try:
        async with session.begin():
            await ProductStore(session).add(product)
    except IntegrityError as exc:
        raise _sku_conflict(exc) from None
    response.headers.update(created_headers("products", product.id, product.version))
    return ProductData.of(product)


@router.get("", operation_id="list_products")
async def list_products(
    _: Reader,
    session: ReadSession,
    active: Annotated[bool | None, Query(description="Only active (or inactive) ones")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[ProductData]:
    """Products, oldest first."""
    found, next_cursor = await ProductStore(session).page(active=active, limit=limit, cursor=cursor)
    return Page(items=[ProductData.of(item) for item in found], next_cursor=next_cursor)


@router.get("/{product_id}", operation_id="get_product")
async def get_product(
    product_id: ProductId, _: Reader, session: ReadSession, response: Response
) -> ProductData:
    """One product."""
    product = await ProductStore(session).get(product_id)
    if product is None:
        raise not_found("Product")
    response.headers["ETag"] = etag(product.version)
    return ProductData.of(product)


@router.patch("/{product_id}", operation_id="update_product")
async def update_product(
    product_id: ProductId,
    body: ProductPatch,
    session: SessionDep,
    _: DealWriter,
    if_match: IfMatch,
    response: Response,
) -> ProductData:
    """Change a product; quotes already priced keep their prices."""
    edits = body.edits()
    store = ProductStore(session)
    try:
        async with session.begin():
            product = await store.get(product_id, lock=True)
            if product is None:
                raise not_found("Product")
            check_version(if_match, product.version)
            currency = edits.get("currency", product.currency)
            edits["unit_price"] = checked_price(
                edits.get("unit_price", product.unit_price), currency
            )
            if product.revise(edits, utc_now()):
                await store.save(product)
    except IntegrityError as exc:
        raise _sku_conflict(exc) from None
    response.headers["ETag"] = etag(product.version)
    return ProductData.of(product)
