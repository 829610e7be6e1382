"""Through the session stack (DESIGN §4 flow 3, sales side): a contract's `renewal_due`,
published on `crm.contracts.contract` as any producer would, opens a renewal deal for the
same contact. A sales user sees it through the gateway, and an independent Kafka reader
sees its `crm.sales.deal.created`; the contact becomes an opportunity."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from support.sales import cloud_event, publish
from support.sales_gateway import stage_when

from crm_cli.stack import Stack
from tests.e2e.events import TopicReader, data, of

CONTRACT_TOPIC = "crm.contracts.contract"


def _renewal_due(contract: dict[str, Any]) -> dict[str, Any]:
    return cloud_event(
        f"{CONTRACT_TOPIC}.renewal_due",
        contract,
        source="crm/contracts",
        subject=contract["id"],
        time="2026-11-30T08:00:00Z",
        datacontenttype="application/json",
    )


async def _publish(bootstrap: str, event: dict[str, Any]) -> None:
    """Publish a structured-mode CloudEvent keyed by its subject."""
    await publish(bootstrap, CONTRACT_TOPIC, event, content_type=True)


async def _deals_when(client: httpx.AsyncClient, contact_id: str) -> list[dict[str, Any]]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while loop.time() < deadline:
        page = await client.get("/api/v1/deals", params={"contact_id": contact_id})
        assert page.status_code == 200, page.text
        if page.json()["items"]:
            return list(page.json()["items"])
        await asyncio.sleep(0.3)
    raise AssertionError("the renewal deal never appeared")


async def test_a_renewal_due_opens_a_renewal_deal(
    stack: Stack, seller: httpx.AsyncClient, deal_events: TopicReader
) -> None:
    me = (await seller.get("/api/v1/users/me")).json()
    contact = await seller.post(
        "/api/v1/contacts",
        json={"first_name": "Katherine", "last_name": f"Johnson{uuid.uuid4().hex[:8]}"},
    )
    assert contact.status_code == 201, contact.text
    cid = contact.json()["id"]
    contract = {
        "id": str(uuid.uuid4()),
        "title": "Orbital mechanics support",
        "contact_id": cid,
        "owner_id": me["id"],
        "amount": "36000.00",
        "currency": "USD",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "renewal": {"term_start": "2027-01-01", "term_end": "2027-12-31"},
    }
    event = _renewal_due(contract)

    await _publish(stack.kafka_bootstrap, event)
    (deal,) = await _deals_when(seller, cid)
    assert deal["name"] == "Renewal: Orbital mechanics support"
    assert (deal["amount"], deal["currency"]) == ("36000.00", "USD")
    assert deal["close_date"] == "2026-12-31"
    assert (deal["owner_id"], deal["status"]) == (me["id"], "open")
    (created,) = await deal_events.wait_for(of(deal["id"], "created"))
    assert created.get_source() == "crm/sales"
    assert (data(created)["contact_id"], data(created)["amount"]) == (cid, "36000.00")
    assert (await stage_when(seller, cid, "opportunity"))["lifecycle_stage"] == "opportunity"

    # The same term announced again (a new event id) opens nothing more.
    await _publish(stack.kafka_bootstrap, {**event, "id": str(uuid.uuid4())})
    await asyncio.sleep(3)
    assert [d["id"] for d in await _deals_when(seller, cid)] == [deal["id"]]
    assert len(deal_events.matching(lambda e: data(e).get("contact_id") == cid)) == 1
