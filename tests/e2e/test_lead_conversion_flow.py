"""Through the gateway, with the session's stack: a sales user converts a lead. The
contacts service creates the contact (and company), the sales service opens the deal for
it, and the contact becomes an opportunity; winning the deal makes it a customer. Every
step is seen by an independent Kafka reader."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from support.sales_gateway import stage_when

from tests.e2e.events import TopicReader, data, of

LEADS = "/api/v1/leads"


async def _converted(client: httpx.AsyncClient, lead_id: str, timeout: float = 60) -> Any:
    """The lead once its conversion has ended (or fail with the last answer)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Any = None
    while loop.time() < deadline:
        last = (await client.get(f"{LEADS}/{lead_id}")).json()
        if last.get("conversion", {}).get("status") not in (None, "pending"):
            return last
        await asyncio.sleep(0.2)
    raise AssertionError(f"the conversion never ended; last seen {last}")


async def test_a_converted_lead_becomes_an_opportunity_then_a_customer(
    seller: httpx.AsyncClient,
    lead_events: TopicReader,
    deal_events: TopicReader,
    contact_events: TopicReader,
) -> None:
    email = f"katherine.{uuid.uuid4().hex[:8]}@nasa.example.com"
    company = f"NASA {uuid.uuid4().hex[:6]}"
    made = await seller.post(
        LEADS,
        json={
            "first_name": "Katherine",
            "last_name": "Johnson",
            "email": email,
            "company_name": company,
            "title": "Mathematician",
        },
    )
    assert made.status_code == 201, made.text
    lead_id = made.json()["id"]
    body = {"deal": {"name": "Orbit calculations", "amount": "75000.00", "currency": "USD"}}
    key = {"Idempotency-Key": uuid.uuid4().hex}

    started = await seller.post(f"{LEADS}/{lead_id}/convert", json=body, headers=key)
    assert started.status_code == 202, started.text
    replayed = await seller.post(f"{LEADS}/{lead_id}/convert", json=body, headers=key)
    assert (replayed.status_code, replayed.json()) == (202, started.json())
    second = await seller.post(f"{LEADS}/{lead_id}/convert", json=body)
    assert second.status_code == 409, second.text

    lead = await _converted(seller, lead_id)
    conversion = lead["conversion"]
    assert conversion["status"] == "completed", conversion
    cid = conversion["contact_id"]
    assert (lead["status"], lead["contact_id"]) == ("converted", cid)
    deal = (await seller.get(f"/api/v1/deals/{conversion['deal_id']}")).json()
    assert (deal["contact_id"], deal["company_id"], deal["amount"]) == (
        cid,
        conversion["company_id"],
        "75000.00",
    )
    contact = await stage_when(seller, cid, "opportunity")
    assert (contact["email"], contact["title"]) == (email, "Mathematician")
    found = (await seller.get(f"/api/v1/companies/{conversion['company_id']}")).json()
    assert found["name"] == company

    (requested,) = await lead_events.wait_for(of(lead_id, "conversion_requested"))
    assert data(requested)["conversion"]["id"] == conversion["id"]
    (answer,) = await contact_events.wait_for(of(cid, "created"))
    assert data(answer)["lead_conversion"]["conversion_id"] == conversion["id"]
    (opened,) = await deal_events.wait_for(of(deal["id"], "created"))
    assert data(opened)["contact_id"] == cid
    (finished,) = await lead_events.wait_for(of(lead_id, "converted"))
    assert data(finished)["conversion"]["deal_id"] == deal["id"]

    won = await seller.patch(
        f"/api/v1/deals/{deal['id']}",
        json={"status": "won"},
        headers={"If-Match": str(deal["version"]), "Content-Type": "application/merge-patch+json"},
    )
    assert won.status_code == 200, won.text
    await deal_events.wait_for(of(deal["id"], "won"))
    assert (await stage_when(seller, cid, "customer"))["lifecycle_stage"] == "customer"
