"""Through the gateway: a sales user opens a deal for a contact and wins it; the contacts
service makes the contact an opportunity, then a customer. Both services' events are read
by an independent Kafka consumer. A marketing user reads the deal but cannot change it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from support.sales_gateway import stage_when, user_client

from crm_cli.stack import Stack
from tests.e2e.events import TopicReader, data, of

PROBLEM = "application/problem+json"


@pytest.fixture
async def marketer(stack: Stack, gateway: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    async with await user_client(stack, gateway, "marketing") as client:
        yield client


async def test_a_won_deal_makes_its_contact_an_opportunity_then_a_customer(
    stack: Stack,
    seller: httpx.AsyncClient,
    marketer: httpx.AsyncClient,
    deal_events: TopicReader,
    contact_events: TopicReader,
) -> None:
    me = (await seller.get("/api/v1/users/me")).json()
    contact = await seller.post(
        "/api/v1/contacts",
        json={
            "first_name": "Rosalind",
            "last_name": f"Franklin{uuid.uuid4().hex[:8]}",
            "lifecycle_stage": "lead",
        },
    )
    assert contact.status_code == 201, contact.text
    cid = contact.json()["id"]

    opened = await seller.post(
        "/api/v1/deals",
        json={
            "name": "Lab equipment",
            "amount": "48000.00",
            "currency": "GBP",
            "contact_id": cid,
            "close_date": "2026-12-15",
        },
        headers={"Idempotency-Key": uuid.uuid4().hex},
    )
    assert opened.status_code == 201, opened.text
    deal = opened.json()
    assert (deal["owner_id"], deal["status"], deal["contact_id"]) == (me["id"], "open", cid)
    (created,) = await deal_events.wait_for(of(deal["id"], "created"))
    assert created.get_source() == "crm/sales"
    assert data(created)["contact_id"] == cid
    assert data(created)["amount"] == "48000.00"
    assert (await stage_when(seller, cid, "opportunity"))["version"] == 2
    (promoted,) = await contact_events.wait_for(
        lambda e: of(cid, "updated")(e) and data(e).get("lifecycle_stage") == "opportunity"
    )
    assert "lifecycle_stage" in data(promoted)["changed"]

    # Marketing reads deals (attribution) but does not change them.
    assert (await marketer.get(f"/api/v1/deals/{deal['id']}")).status_code == 200
    refused = await marketer.patch(
        f"/api/v1/deals/{deal['id']}", json={"status": "won"}, headers={"If-Match": "1"}
    )
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert refused.json()["status"] == 403

    won = await seller.patch(
        f"/api/v1/deals/{deal['id']}",
        json={"status": "won"},
        headers={"If-Match": str(deal["version"]), "Content-Type": "application/merge-patch+json"},
    )
    assert won.status_code == 200, won.text
    assert (won.json()["status"], won.json()["probability"], won.json()["version"]) == (
        "won",
        100,
        2,
    )
    (won_event,) = await deal_events.wait_for(of(deal["id"], "won"))
    assert data(won_event)["contact_id"] == cid
    assert data(won_event)["from_stage_id"] == deal["stage_id"]
    assert won_event.get_extension("sequence") == 2
    assert (await stage_when(seller, cid, "customer"))["lifecycle_stage"] == "customer"
    history = (await seller.get(f"/api/v1/deals/{deal['id']}/history")).json()["items"]
    assert [h["status"] for h in history] == ["open", "won"]
    for headers in deal_events.headers:
        assert headers["content-type"] == b"application/cloudevents+json"
        assert not [name for name in headers if name.startswith("ce_")]

    async with httpx.AsyncClient(base_url=stack.service_urls["sales"], trust_env=False) as sales:
        ready = await sales.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}
