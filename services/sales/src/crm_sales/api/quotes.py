"""Quotes: create for a deal, read, list, edit while a draft."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from crm_sales.adapters.deal_store import DealStore
from crm_sales.adapters.quote_queries import list_quotes
from crm_sales.adapters.quote_store import QuoteStore
from crm_sales.api.deal_loading import created_headers, etag
from crm_sales.api.deps import API_PREFIX, DealWriter, Reader, ReadSession, utc_now
from crm_sales.api.quote_lines import build_lines
from crm_sales.api.quote_schemas import QuoteIn, QuoteLineIn, QuotePatch
from crm_sales.domain.deal_errors import InvalidDealError
from crm_sales.domain.quote import Quote, QuoteStatus
from crm_sales.events.quote_schemas import QuoteData
from crm_sales.events.topics import QuoteAction
from crm_shared.db import SessionDep
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.problems import PROBLEM_RESPONSES, not_found
from crm_shared.versioning import IfMatch, check_version

router = APIRouter(prefix=f"{API_PREFIX}/quotes", tags=["quotes"], responses=PROBLEM_RESPONSES)
QuoteId = Annotated[uuid.UUID, Path(description="The quote's id (a UUID)")]
_FIELDS = ("currency", "lines", "discount_percent", "tax_rate")


async def lock_quote(store: QuoteStore, quote_id: uuid.UUID, if_match: int | None) -> Quote:
    """The quote, locked until the transaction ends, at the version the client expects."""
    quote = await store.get(quote_id, lock=True)
    if quote is None:
        raise not_found("Quote")
    check_version(if_match, quote.version)
    return quote


@router.post("", status_code=201, operation_id="create_quote")
async def create_quote(
    body: QuoteIn, session: SessionDep, principal: DealWriter, response: Response
) -> QuoteData:
    """Draft a quote for a deal; totals are computed here (422 naming the field for an
    unknown deal or product, a price finer than the currency)."""
    now = utc_now()
    async with session.begin():
        deal = await DealStore(session, actor=None).get(body.deal_id)
        if deal is None:
            raise InvalidDealError("no deal has this id", field="deal_id")
        currency = body.currency or deal.currency
        quote = Quote(
            id=uuid.uuid4(),
            deal_id=deal.id,
            currency=currency,
            created_at=now,
            updated_at=now,
            lines=await build_lines(session, body.lines, currency),
            discount_percent=body.discount_percent,
            tax_rate=body.tax_rate,
        )
        quote.reprice()
        resource = await QuoteStore(session, actor=principal.subject).add(quote)
    response.headers.update(created_headers("quotes", quote.id, quote.version))
    return resource


@router.get("", operation_id="list_quotes")
async def list_quotes_route(
    _: Reader,
    session: ReadSession,
    deal_id: Annotated[uuid.UUID | None, Query(description="Quotes of this deal")] = None,
    status: Annotated[QuoteStatus | None, Query(description="Quotes in this status")] = None,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[QuoteData]:
    """Quotes, oldest first."""
    found, next_cursor = await list_quotes(
        session, deal_id=deal_id, status=status, limit=limit, cursor=cursor
    )
    return Page(items=[QuoteData.of(quote) for quote in found], next_cursor=next_cursor)


@router.get("/{quote_id}", operation_id="get_quote")
async def get_quote(
    quote_id: QuoteId, _: Reader, session: ReadSession, response: Response
) -> QuoteData:
    """One quote."""
    quote = await QuoteStore(session, actor=None).get(quote_id)
    if quote is None:
        raise not_found("Quote")
    response.headers["ETag"] = etag(quote.version)
    return QuoteData.of(quote)


@router.patch("/{quote_id}", operation_id="update_quote")
async def update_quote(
    quote_id: QuoteId,
    body: QuotePatch,
    session: SessionDep,
    principal: DealWriter,
    if_match: IfMatch,
    response: Response,
) -> QuoteData:
    """Change a draft (409 once sent); the totals are computed again."""
    store = QuoteStore(session, actor=principal.subject)
    async with session.begin():
        quote = await lock_quote(store, quote_id, if_match)
        quote.check_editable()
        before = QuoteData.of(quote).model_dump()
        quote.currency = body.currency or quote.currency
        if body.lines is not None or body.currency:
            requested = body.lines if body.lines is not None else _as_requests(quote)
            quote.lines = await build_lines(session, requested, quote.currency)
        if body.discount_percent is not None:
            quote.discount_percent = body.discount_percent
        if body.tax_rate is not None:
            quote.tax_rate = body.tax_rate
        quote.reprice()
        after = QuoteData.of(quote).model_dump()
        changed = [name for name in _FIELDS if before[name] != after[name]]
        resource = QuoteData.of(quote)
        if changed:
            quote.touch(utc_now())
            resource = await store.save(quote, QuoteAction.UPDATED, changed)
    response.headers["ETag"] = etag(quote.version)
    return resource


def _as_requests(quote: Quote) -> list[QuoteLineIn]:
    """The quote's lines as requests, to be checked again in a new currency."""
    return [
        QuoteLineIn(
            product_id=line.product_id,
            description=line.description,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
        )
        for line in quote.lines
    ]
