"""Events: every change reaches Kafka as a CloudEvent; sales and marketing events move the
lifecycle stage forward, once per event however often it is delivered."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from support.kafka import KafkaEvents
from test_contacts_api import ContactsApp, running_contacts_app

from crm_cli.stack import Infra
from crm_contacts.events.handlers import CONSUMER, advance_lifecycle
from crm_shared.events import Envelope
from crm_shared.inbox import HANDLED, handle_once

CONTACT_TOPIC = "crm.contacts.contact"


@pytest.fixture(scope="module")
async def service(infra: Infra) -> AsyncIterator[ContactsApp]:
    async with running_contacts_app(infra) as running:
        # Consumers must have joined their groups before sales events are produced.
        await asyncio.wait_for(running.app.state.broker_connected.wait(), 120)
        yield running


@pytest.fixture
async def sales(service: ContactsApp) -> AsyncIterator[httpx.AsyncClient]:
    async with service.client("sales", subject="rep-9") as client:
        yield client


def _sales_event(event_type: str, contact_id: str, event_id: str | None = None) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "source": "crm/sales",
        "type": event_type,
        "subject": str(uuid.uuid4()),
        "time": "2025-01-01T00:00:00Z",
        "actor": "rep-9",
        "data": {"contact_id": contact_id},
    }


async def _create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/contacts", json={"first_name": "Kat", **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_each_change_is_published_with_sequence_actor_and_changed(
    service: ContactsApp, sales: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    reader = await kafka_events(CONTACT_TOPIC)
    contact = await _create(sales, email=f"kat.{uuid.uuid4().hex[:6]}@example.com")
    url = f"/api/v1/contacts/{contact['id']}"
    await sales.patch(url, json={"title": "CFO", "lifecycle_stage": "lead"})
    await sales.put(f"{url}/tags/board")
    await sales.post(f"{url}/notes", json={"body": "Prefers email"})
    async with service.client("manager") as manager:
        await manager.post(f"{url}/erase")

    events = await reader.collect(lambda e: e["subject"] == contact["id"], count=5, timeout=30)
    assert [e["type"] for e in events] == [
        "crm.contacts.contact.created",
        "crm.contacts.contact.updated",
        "crm.contacts.contact.tagged",
        "crm.contacts.contact.note_added",
        "crm.contacts.contact.erased",
    ]
    assert [e["sequence"] for e in events] == [1, 2, 3, 4, 5]
    assert {e["source"] for e in events} == {"crm/contacts"}
    assert events[0]["actor"] == "rep-9"
    assert events[0]["data"] == contact
    assert sorted(events[1]["data"]["changed"]) == ["lifecycle_stage", "title"]
    assert events[2]["data"]["tag"] == "board"
    assert events[3]["data"]["note"]["body"] == "Prefers email"
    assert events[4]["data"]["erased"] is True
    assert events[4]["data"]["email"] is None
    record = next(r for r in reader.received if r.event and r.event["id"] == events[0]["id"])
    assert record.key == contact["id"].encode()
    assert record.headers["content-type"] == b"application/cloudevents+json"


async def test_company_changes_are_published(
    sales: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    reader = await kafka_events("crm.contacts.company")
    company = (await sales.post("/api/v1/companies", json={"name": "Umbrella"})).json()
    await sales.patch(f"/api/v1/companies/{company['id']}", json={"industry": "Pharma"})
    await sales.delete(f"/api/v1/companies/{company['id']}")
    events = await reader.collect(lambda e: e["subject"] == company["id"], count=3, timeout=30)
    assert [(e["type"], e["sequence"]) for e in events] == [
        ("crm.contacts.company.created", 1),
        ("crm.contacts.company.updated", 2),
        ("crm.contacts.company.deleted", 3),
    ]
    assert events[1]["data"]["changed"] == ["industry"]


async def test_handler_advances_once_per_event_and_never_backwards(
    service: ContactsApp, sales: httpx.AsyncClient
) -> None:
    contact = await _create(sales, lifecycle_stage="lead")
    db = service.app.state.db
    won = Envelope.model_validate(_sales_event("crm.sales.deal.won", contact["id"]))

    assert await handle_once(db, CONSUMER, won, advance_lifecycle) is True
    assert await handle_once(db, CONSUMER, won, advance_lifecycle) is False  # redelivered
    after = (await sales.get(f"/api/v1/contacts/{contact['id']}")).json()
    assert (after["lifecycle_stage"], after["version"]) == ("customer", 2)

    opened = Envelope.model_validate(_sales_event("crm.sales.deal.created", contact["id"]))
    assert await handle_once(db, CONSUMER, opened, advance_lifecycle) is True
    unknown = Envelope.model_validate(_sales_event("crm.sales.deal.won", str(uuid.uuid4())))
    assert await handle_once(db, CONSUMER, unknown, advance_lifecycle) is True
    assert (await sales.get(f"/api/v1/contacts/{contact['id']}")).json()["version"] == 2

    timeline = (await sales.get(f"/api/v1/contacts/{contact['id']}/timeline")).json()["items"]
    moves = [e for e in timeline if e["kind"] == "stage_changed"]
    assert len(moves) == 1
    assert moves[0]["details"]["cause"]["event_id"] == won.id
    assert moves[0]["actor"] == "rep-9"


async def test_event_naming_a_merged_contact_moves_the_survivor(
    service: ContactsApp, sales: httpx.AsyncClient
) -> None:
    survivor = await _create(sales, lifecycle_stage="lead")
    merged = await _create(sales, last_name="Dup")
    response = await sales.post(
        "/api/v1/contacts/merge",
        json={"primary_id": survivor["id"], "duplicate_ids": [merged["id"]]},
    )
    assert response.status_code == 200, response.text
    version = response.json()["version"]

    won = Envelope.model_validate(_sales_event("crm.sales.deal.won", merged["id"]))
    assert await handle_once(service.app.state.db, CONSUMER, won, advance_lifecycle) is True
    after = (await sales.get(f"/api/v1/contacts/{survivor['id']}")).json()
    assert (after["lifecycle_stage"], after["version"]) == ("customer", version + 1)


async def test_redelivered_kafka_event_changes_state_once(
    infra: Infra, service: ContactsApp, sales: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    reader = await kafka_events(CONTACT_TOPIC)
    contact = await _create(sales, lifecycle_stage="subscriber")
    duplicates = HANDLED.labels("crm.marketing.engagement", "duplicate")
    before = duplicates._value.get()
    event = _sales_event("crm.marketing.engagement.mql_reached", contact["id"])
    event["source"] = "crm/marketing"
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        for _ in range(2):
            await producer.send_and_wait(
                "crm.marketing.engagement", json.dumps(event).encode(), key=contact["id"].encode()
            )
    finally:
        await producer.stop()

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while duplicates._value.get() < before + 1:
        assert loop.time() < deadline, "the redelivered event was never seen by the consumer"
        await asyncio.sleep(0.1)

    after = (await sales.get(f"/api/v1/contacts/{contact['id']}")).json()
    assert (after["lifecycle_stage"], after["version"]) == ("marketing_qualified_lead", 2)
    updates = await reader.collect(
        lambda e: e["subject"] == contact["id"] and e["type"].endswith(".updated"), timeout=30
    )
    assert updates[0]["data"]["changed"] == ["lifecycle_stage"]
    await reader.none_within(lambda e: e["subject"] == contact["id"] and e["sequence"] > 2)
