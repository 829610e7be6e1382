"""A quote's moves: send a draft, then accept or reject it. Accepting sets the deal's
amount (and currency) to the quote's total in the same transaction, through the deal
store, so the deal gets a new version and its `updated` event; a deal has at most one
accepted quote."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy.exc import IntegrityError

from crm_sales.adapters.deal_integrity import violated_constraint
from crm_sales.adapters.deal_store import DealStore
from crm_sales.adapters.quote_store import QuoteStore
from crm_sales.api.deal_loading import etag
from crm_sales.api.deps import API_PREFIX, DealWriter, utc_now
from crm_sales.api.quotes import QuoteId, lock_quote
from crm_sales.domain.deal_status import DealChange, DealStatus
from crm_sales.domain.quote import Quote, QuoteStateError, QuoteStatus
from crm_sales.events.quote_schemas import QuoteData
from crm_sales.events.topics import QuoteAction
from crm_shared.db import SessionDep
from crm_shared.problems import PROBLEM_RESPONSES, not_found
from crm_shared.versioning import IfMatch

router = APIRouter(prefix=f"{API_PREFIX}/quotes", tags=["quotes"], responses=PROBLEM_RESPONSES)
_ACTIONS = {
    QuoteStatus.SENT: QuoteAction.SENT,
    QuoteStatus.ACCEPTED: QuoteAction.ACCEPTED,
    QuoteStatus.REJECTED: QuoteAction.REJECTED,
}


async def _move(
    quote_id: QuoteId, to: QuoteStatus, session: SessionDep, actor: str, if_match: int | None
) -> tuple[Quote, QuoteData]:
    store = QuoteStore(session, actor=actor)
    try:
        async with session.begin():
            quote = await lock_quote(store, quote_id, if_match)
            quote.move(to, utc_now())
            if to == QuoteStatus.ACCEPTED:
                await _price_deal(DealStore(session, actor=actor), store, quote)
            resource = await store.save(quote, _ACTIONS[to], ["status"])
    except IntegrityError as exc:
        if violated_constraint(exc) != "uq_quotes_accepted_deal":
            raise
        raise QuoteStateError("the deal has an accepted quote already") from None
    return quote, resource


async def _price_deal(deals: DealStore, quotes: QuoteStore, quote: Quote) -> None:
    # The deal's lock makes accepts of one deal's quotes take turns: the second one
    # sees the first one's accepted quote (the unique index backs this up).
    deal = await deals.get(quote.deal_id, lock=True)
    if deal is None:
        raise not_found("Deal")
    if deal.status != DealStatus.OPEN:
        # A closed deal's amount is in closed-won figures and attainment already.
        raise QuoteStateError(f"the deal is {deal.status}: reopen it before accepting a quote")
    if await quotes.has_accepted(deal.id):
        raise QuoteStateError("the deal has an accepted quote already")
    changed = [
        name
        for name, value in (("amount", quote.totals.total), ("currency", quote.currency))
        if getattr(deal, name) != value
    ]
    if changed:
        deal.amount, deal.currency = quote.totals.total, quote.currency
        deal.touch(utc_now())
        await deals.save(deal, DealChange(changed, None))


@router.post("/{quote_id}/send", operation_id="send_quote")
async def send_quote(
    quote_id: QuoteId,
    session: SessionDep,
    principal: DealWriter,
    if_match: IfMatch,
    response: Response,
) -> QuoteData:
    """A draft goes out to the customer (409 from any other status); it is frozen."""
    quote, resource = await _move(quote_id, QuoteStatus.SENT, session, principal.subject, if_match)
    response.headers["ETag"] = etag(quote.version)
    return resource


@router.post("/{quote_id}/accept", operation_id="accept_quote")
async def accept_quote(
    quote_id: QuoteId,
    session: SessionDep,
    principal: DealWriter,
    if_match: IfMatch,
    response: Response,
) -> QuoteData:
    """The customer accepted a sent quote: the deal's amount becomes its total (409 if
    the quote is not sent, the deal is won or lost, or it has an accepted quote)."""
    quote, resource = await _move(
        quote_id, QuoteStatus.ACCEPTED, session, principal.subject, if_match
    )
    response.headers["ETag"] = etag(quote.version)
    return resource


@router.post("/{quote_id}/reject", operation_id="reject_quote")
async def reject_quote(
    quote_id: QuoteId,
    session: SessionDep,
    principal: DealWriter,
    if_match: IfMatch,
    response: Response,
) -> QuoteData:
    """The customer declined a sent quote (409 if it is not sent)."""
    quote, resource = await _move(
        quote_id, QuoteStatus.REJECTED, session, principal.subject, if_match
    )
    response.headers["ETag"] = etag(quote.version)
    return resource
