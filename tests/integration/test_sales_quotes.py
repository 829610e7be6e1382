"""The price book and quotes, in-process against the session's PostgreSQL and broker:
products, quotes priced server-side, draft-only edits, status moves (409 otherwise),
accepting a quote setting its deal's amount (one accepted quote per deal), roles, events."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from support.kafka import KafkaEvents
from support.sales import (
    DEALS,
    SalesApp,
    assert_problem,
    create,
    create_deal,
    locs,
    sales_app_fixture,
    user_fixture,
)

PRODUCTS = "/api/v1/products"
QUOTES = "/api/v1/quotes"


service = sales_app_fixture()
rep = user_fixture("sales")


def _locs(response: httpx.Response) -> list[list[Any]]:
    return locs(assert_problem(response, 422))


async def _product(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"sku": f"SKU-{uuid.uuid4().hex[:8]}", "name": "Seat licence", "unit_price": "100.00"}
    return await create(client, PRODUCTS, {"currency": "EUR", **body, **fields})


async def _deal(client: httpx.AsyncClient, currency: str = "EUR") -> dict[str, Any]:
    return await create_deal(client, name="Quoted deal", amount="1.00", currency=currency)


async def _quote(client: httpx.AsyncClient, deal: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return await create(client, QUOTES, {"deal_id": deal["id"], **fields})


async def _act(client: httpx.AsyncClient, quote: dict[str, Any], action: str) -> httpx.Response:
    return await client.post(f"{QUOTES}/{quote['id']}/{action}")


async def test_products(rep: httpx.AsyncClient) -> None:
    product = await _product(rep, unit_price="99.5")
    assert product["unit_price"] == "99.50"
    assert product["active"] is True
    again = await rep.post(
        PRODUCTS,
        json={"sku": product["sku"].lower(), "name": "x", "unit_price": "1", "currency": "EUR"},
    )
    assert_problem(again, 409)
    jpy = await rep.post(
        PRODUCTS,
        json={"sku": "J-1" + uuid.uuid4().hex, "name": "x", "unit_price": "1.5", "currency": "JPY"},
    )
    assert ["body", "unit_price"] in _locs(jpy)
    changed = await rep.patch(
        f"{PRODUCTS}/{product['id']}", json={"active": False}, headers={"If-Match": "1"}
    )
    assert changed.json()["active"] is False
    assert changed.json()["version"] == 2
    inactive = (await rep.get(PRODUCTS, params={"active": "false", "limit": 200})).json()
    assert product["id"] in [item["id"] for item in inactive["items"]]
    null = await rep.patch(f"{PRODUCTS}/{product['id']}", json={"name": None})
    assert ["body", "name"] in _locs(null)


async def test_quote_totals_and_defaults(rep: httpx.AsyncClient) -> None:
    product = await _product(rep, unit_price="100.00", name="Seat")
    deal = await _deal(rep)
    quote = await _quote(
        rep,
        deal,
        lines=[
            {"product_id": product["id"], "quantity": "3", "discount_percent": "10"},
            {"description": "Setup", "quantity": "1", "unit_price": "19.99"},
        ],
        discount_percent="5",
        tax_rate="19",
    )
    assert quote["status"] == "draft"
    assert quote["currency"] == "EUR"
    assert [line["description"] for line in quote["lines"]] == ["Seat", "Setup"]
    assert [line["total"] for line in quote["lines"]] == ["270.00", "19.99"]
    assert (quote["subtotal"], quote["discount_amount"], quote["tax_amount"], quote["total"]) == (
        "289.99",
        "14.50",
        "52.34",
        "327.83",
    )
    got = await rep.get(f"{QUOTES}/{quote['id']}")
    assert got.json() == quote


async def test_bad_quotes(rep: httpx.AsyncClient) -> None:
    deal = await _deal(rep)
    ghost = await rep.post(QUOTES, json={"deal_id": str(uuid.uuid4())})
    assert ["body", "deal_id"] in _locs(ghost)
    no_price = await rep.post(
        QUOTES, json={"deal_id": deal["id"], "lines": [{"description": "x", "quantity": "1"}]}
    )
    assert ["body", "lines", 0, "unit_price"] in _locs(no_price)
    unknown = await rep.post(
        QUOTES,
        json={"deal_id": deal["id"], "lines": [{"product_id": str(uuid.uuid4()), "quantity": "1"}]},
    )
    assert ["body", "lines", 0, "product_id"] in _locs(unknown)
    floaty = await rep.post(
        QUOTES,
        json={
            "deal_id": deal["id"],
            "lines": [{"description": "x", "quantity": 1.5, "unit_price": "1"}],
        },
    )
    assert ["body", "lines", 0, "quantity"] in _locs(floaty)
    too_much = await rep.post(QUOTES, json={"deal_id": deal["id"], "tax_rate": "101"})
    assert ["body", "tax_rate"] in _locs(too_much)
    fine = await rep.post(
        QUOTES,
        json={
            "deal_id": deal["id"],
            "lines": [{"description": "x", "quantity": "1", "unit_price": "1.001"}],
        },
    )
    assert ["body", "lines", 0, "unit_price"] in _locs(fine)


async def test_lifecycle_accept_prices_the_deal(
    rep: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    quotes_reader = await kafka_events("crm.sales.quote")
    deals_reader = await kafka_events("crm.sales.deal")
    deal = await _deal(rep)
    line = {"description": "Consulting", "quantity": "2", "unit_price": "500.00"}
    quote = await _quote(rep, deal, lines=[line])
    edited = await rep.patch(
        f"{QUOTES}/{quote['id']}", json={"tax_rate": "20"}, headers={"If-Match": "1"}
    )
    assert edited.json()["total"] == "1200.00"
    assert (await _act(rep, quote, "accept")).status_code == 409  # a draft is not accepted
    sent = await _act(rep, quote, "send")
    assert sent.json()["status"] == "sent"
    assert_problem(await rep.patch(f"{QUOTES}/{quote['id']}", json={"tax_rate": "0"}), 409)
    assert_problem(await _act(rep, quote, "send"), 409)
    accepted = await _act(rep, quote, "accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    priced = (await rep.get(f"{DEALS}/{deal['id']}")).json()
    assert priced["amount"] == "1200.00"
    assert priced["version"] == deal["version"] + 1
    assert_problem(await _act(rep, quote, "reject"), 409)

    events = await quotes_reader.collect(lambda e: e["subject"] == quote["id"], count=4)
    assert [e["type"].rsplit(".", 1)[1] for e in events] == [
        "created",
        "updated",
        "sent",
        "accepted",
    ]
    update = await deals_reader.one(
        lambda e: e["subject"] == deal["id"] and e["type"] == "crm.sales.deal.updated"
    )
    assert update["data"]["amount"] == "1200.00"
    assert update["data"]["changed"] == ["amount"]


async def test_one_accepted_quote_per_deal(rep: httpx.AsyncClient) -> None:
    deal = await _deal(rep, currency="USD")
    line = {"description": "Plan", "quantity": "1", "unit_price": "10"}
    first, second = [await _quote(rep, deal, lines=[line], currency="EUR") for _ in range(2)]
    for quote in (first, second):
        assert (await _act(rep, quote, "send")).status_code == 200
    # Both at once: the deal's lock (and the unique index) let exactly one win.
    results = await asyncio.gather(_act(rep, first, "accept"), _act(rep, second, "accept"))
    assert sorted(r.status_code for r in results) == [200, 409]
    priced = (await rep.get(f"{DEALS}/{deal['id']}")).json()
    assert (priced["amount"], priced["currency"]) == ("10.00", "EUR")
    loser = first if results[1].status_code == 200 else second
    assert (await _act(rep, loser, "reject")).json()["status"] == "rejected"


async def test_a_closed_deal_takes_no_quote(rep: httpx.AsyncClient) -> None:
    deal = await _deal(rep)
    empty = await _quote(rep, deal)
    assert "without lines" in assert_problem(await _act(rep, empty, "send"), 409)["detail"]
    line = {"description": "Plan", "quantity": "1", "unit_price": "99.00"}
    quote = await _quote(rep, deal, lines=[line])
    assert (await _act(rep, quote, "send")).status_code == 200
    patch = {"status": "lost", "lost_reason": "budget"}
    lost = await rep.patch(f"{DEALS}/{deal['id']}", json=patch)
    assert lost.status_code == 200, lost.text
    assert "reopen" in assert_problem(await _act(rep, quote, "accept"), 409)["detail"]
    after = (await rep.get(f"{DEALS}/{deal['id']}")).json()
    assert (after["amount"], after["version"]) == ("1.00", lost.json()["version"])
    assert (await rep.get(f"{QUOTES}/{quote['id']}")).json()["status"] == "sent"


async def test_deleting_a_deal_deletes_its_quotes_with_events(
    rep: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    quotes_reader = await kafka_events("crm.sales.quote")
    deal = await _deal(rep)
    line = {"description": "Plan", "quantity": "3", "unit_price": "9.99"}
    draft = await _quote(rep, deal, lines=[line])
    sent = await _quote(rep, deal, lines=[line])
    assert (await _act(rep, sent, "send")).status_code == 200
    gone = await rep.delete(f"{DEALS}/{deal['id']}")
    assert gone.status_code == 204, gone.text
    for quote, version in ((draft, 2), (sent, 3)):
        assert (await rep.get(f"{QUOTES}/{quote['id']}")).status_code == 404
        deleted = await quotes_reader.one(
            lambda e, q=quote: e["subject"] == q["id"] and e["type"] == "crm.sales.quote.deleted"
        )
        assert (deleted["sequence"], deleted["data"]["total"]) == (version, "29.97")


async def test_roles(service: SalesApp, rep: httpx.AsyncClient) -> None:
    deal = await _deal(rep)
    quote = await _quote(rep, deal)
    async with service.client("marketing") as marketing:
        assert (await marketing.get(f"{QUOTES}/{quote['id']}")).status_code == 200
        assert (await marketing.get(PRODUCTS)).status_code == 200
        assert (await marketing.post(QUOTES, json={"deal_id": deal["id"]})).status_code == 403
        assert (await _act(marketing, quote, "send")).status_code == 403
        denied = await marketing.post(
            PRODUCTS, json={"sku": "M-1", "name": "x", "unit_price": "1", "currency": "EUR"}
        )
        assert denied.status_code == 403
    listed = (await rep.get(QUOTES, params={"deal_id": deal["id"]})).json()
    assert [item["id"] for item in listed["items"]] == [quote["id"]]
