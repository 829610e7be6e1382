"""Through the gateway: a sales user opens a deal for a contact and wins it; the contacts
service makes the contact an opportunity, then a customer. Both services' events are read
by an independent Kafka consumer. A marketing user reads the deal but cannot change it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from support.stack import login

from crm_cli.stack import Stack
from tests.e2e.events import TopicReader, data, of

PASSWORD = "correct-horse-battery"
PROBLEM = "application/problem+json"


async def _user_client(stack: Stack, gateway: httpx.AsyncClient, role: str) -> httpx.AsyncClient:
    """A gateway client logged in as a new user holding `role` (made by the admin)."""
    email = f"{role}-{uuid.uuid4().hex[:10]}@crm.example.com"
    made = await gateway.post(
        "/api/v1/users",
        json={"email": email, "full_name": f"A {role} user", "password": PASSWORD, "roles": [role]},
    )
    assert made.status_code == 201, made.text
    token = await login(stack.gateway_url, email, PASSWORD)
    return httpx.AsyncClient(
        base_url=stack.gateway_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
        trust_env=False,
    )


@pytest.fixture
async def seller(stack: Stack, gateway: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    async with await _user_client(stack, gateway, "sales") as client:
        yield client


@pytest.fixture
async def marketer(stack: Stack, gateway: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    async with await _user_client(stack, gateway, "marketing") as client:
        yield client


@pytest.fixture
async def deal_events(stack: Stack) -> AsyncIterator[TopicReader]:
    reader = TopicReader(stack.kafka_bootstrap, "crm.sales.deal")
    await reader.start()
    yield reader
    await reader.stop()


async def _stage_when(
    client: httpx.AsyncClient, contact_id: str, stage: str, timeout: float = 30
) -> dict[str, Any]:
    """The contact once its lifecycle stage is `stage` (the contacts service gets there by
    consuming the deal's event); fails with the last answer otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Any = None
    while loop.time() < deadline:
        response = await client.get(f"/api/v1/contacts/{contact_id}")
        last = response.json()
        if last.get("lifecycle_stage") == stage:
            return dict(last)
        await asyncio.sleep(0.2)
    raise AssertionError(f"the contact never became {stage}; last seen {last}")


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
    assert (await _stage_when(seller, cid, "opportunity"))["version"] == 2
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
    assert (await _stage_when(seller, cid, "customer"))["lifecycle_stage"] == "customer"
    history = (await seller.get(f"/api/v1/deals/{deal['id']}/history")).json()["items"]
    assert [h["status"] for h in history] == ["open", "won"]
    for headers in deal_events.headers:
        assert headers["content-type"] == b"application/cloudevents+json"
        assert not [name for name in headers if name.startswith("ce_")]

    async with httpx.AsyncClient(base_url=stack.service_urls["sales"], trust_env=False) as sales:
        ready = await sales.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}
