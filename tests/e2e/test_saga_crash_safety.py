"""The lead conversion saga loses and doubles nothing when both services are killed
(SIGKILL) mid-flight: conversions requested while the broker is frozen wait in the sales
outbox through a crash of sales; contacts is killed while it answers them. In the end
every lead is converted once, with one contact and one deal (DESIGN §4: at least once on
the wire, exactly once in state)."""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from crm_cli.stack import Stack
from tests.e2e.events import TopicReader, data, of

LEADS = "/api/v1/leads"
COUNT = 8


@pytest.fixture
async def lead_events(stack: Stack) -> AsyncIterator[TopicReader]:
    reader = TopicReader(stack.kafka_bootstrap, "crm.sales.lead")
    await reader.start()
    yield reader
    await reader.stop()


async def _lead(gateway: httpx.AsyncClient, marker: str, n: int) -> dict[str, Any]:
    email = f"saga.{marker}.{n}@crash.example.com"
    made = await gateway.post(LEADS, json={"first_name": f"Saga{n}", "email": email})
    assert made.status_code == 201, made.text
    return dict(made.json())


async def _converted(gateway: httpx.AsyncClient, lead_id: str) -> dict[str, Any]:
    for _ in range(600):
        lead = (await gateway.get(f"{LEADS}/{lead_id}")).json()
        if lead.get("status") == "converted":
            return dict(lead)
        await asyncio.sleep(0.2)
    raise AssertionError(f"lead {lead_id} never converted: {lead}")


async def test_conversions_survive_both_services_crashing(
    stack: Stack, gateway: httpx.AsyncClient, lead_events: TopicReader
) -> None:
    marker = uuid.uuid4().hex[:8]
    leads = [await _lead(gateway, marker, n) for n in range(COUNT)]
    body = {"deal": {"name": "Crash-proof", "amount": "100.00", "currency": "EUR"}}
    stack.pause_broker()  # the requests commit, their events wait in the outbox
    try:
        for lead in leads:
            started = await gateway.post(f"{LEADS}/{lead['id']}/convert", json=body)
            assert started.status_code == 202, started.text
        stack.kill("sales", signal.SIGKILL)
    finally:
        stack.resume_broker()
    await stack.wait_ready("sales", timeout=90)
    # Contacts dies as soon as the first requests reach it.
    await lead_events.wait_for(of(leads[0]["id"], "conversion_requested"), timeout=60)
    stack.kill("contacts", signal.SIGKILL)
    await stack.wait_ready("contacts", timeout=90)

    done = [await _converted(gateway, lead["id"]) for lead in leads]
    for lead, after in zip(leads, done, strict=True):
        conversion = after["conversion"]
        assert conversion["status"] == "completed", conversion
        found = await gateway.get("/api/v1/contacts", params={"email": lead["email"]})
        assert [c["id"] for c in found.json()["items"]] == [conversion["contact_id"]]
        deals = await gateway.get("/api/v1/deals", params={"contact_id": conversion["contact_id"]})
        assert [d["id"] for d in deals.json()["items"]] == [conversion["deal_id"]]
        # At least once on the wire (a redelivered copy keeps its id), once in state.
        converted = await lead_events.wait_for(of(lead["id"], "converted"), timeout=60)
        assert len({event.get_id() for event in converted}) == 1
        assert data(converted[0])["conversion"]["deal_id"] == conversion["deal_id"]
