"""The analytics customers read model against the real database and broker: events applied
once and in sequence, merges answered with the survivor, and bad events parked on the DLQ."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from support.kafka import KafkaEvents
from support.service_app import ServiceApp, alembic_head, running_service_app

from crm_analytics.events.handlers import CONSUMER, project_contact_event
from crm_cli.stack import Infra
from crm_shared.events import Envelope
from crm_shared.inbox import handle_once

TOPIC = "crm.contacts.contact"


AnalyticsApp = ServiceApp


@pytest.fixture(scope="module")
async def service(infra: Infra) -> AsyncIterator[AnalyticsApp]:
    async with running_service_app(infra, "analytics") as running:
        await asyncio.wait_for(running.app.state.broker_connected.wait(), 120)
        yield running


@pytest.fixture
async def analyst(service: AnalyticsApp) -> AsyncIterator[httpx.AsyncClient]:
    async with service.client("analyst") as client:
        yield client


def _event(action: str, subject: str, sequence: int, **data: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "crm/contacts",
        "type": f"{TOPIC}.{action}",
        "subject": subject,
        "time": "2025-01-01T00:00:00Z",
        "datacontenttype": "application/json",
        "sequence": sequence,
        "data": {"id": subject, "updated_at": f"2025-01-01T00:00:{sequence:02d}Z", **data},
    }


async def _handle(service: AnalyticsApp, event: dict[str, Any]) -> bool:
    envelope = Envelope.model_validate(event)
    return await handle_once(service.app.state.db, CONSUMER, envelope, project_contact_event)


async def test_the_migration_creates_the_read_model(service: AnalyticsApp) -> None:
    conn = await asyncpg.connect(service.dsn)
    try:
        head = await conn.fetchval("SELECT version_num FROM alembic_version")
        columns = await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'customers'"
        )
    finally:
        await conn.close()
    assert head == alembic_head("analytics") != "0001"
    assert {"contact_id", "merged_into", "last_sequence"} <= {c["column_name"] for c in columns}


async def test_events_apply_once_and_in_sequence(
    service: AnalyticsApp, analyst: httpx.AsyncClient
) -> None:
    cid = str(uuid.uuid4())
    created = _event("created", cid, 1, first_name="Ada", email="ada@example.com")
    assert await _handle(service, created) is True
    assert await _handle(service, created) is False  # redelivered: the inbox says done
    await _handle(service, _event("updated", cid, 3, first_name="Ada", lifecycle_stage="customer"))
    await _handle(service, _event("updated", cid, 2, first_name="Late", lifecycle_stage="lead"))

    response = await analyst.get(f"/api/v1/analytics/customers/{cid}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["lifecycle_stage"], body["last_sequence"]) == ("Ada", "customer", 3)
    assert body["merged_ids"] == []

    await _handle(service, _event("erased", cid, 4, erased=True))
    erased = (await analyst.get(f"/api/v1/analytics/customers/{cid}")).json()
    assert (erased["name"], erased["email"], erased["erased"]) == (None, None, True)
    await _handle(service, _event("deleted", cid, 5))
    assert (await analyst.get(f"/api/v1/analytics/customers/{cid}")).status_code == 404


async def test_a_merged_id_answers_with_the_survivor(
    service: AnalyticsApp, analyst: httpx.AsyncClient
) -> None:
    survivor, first, second = (str(uuid.uuid4()) for _ in range(3))
    await _handle(service, _event("created", survivor, 1, first_name="Ada"))
    await _handle(service, _event("created", first, 1, first_name="Augusta", email="a@x.io"))
    merged = _event("merged", survivor, 2, first_name="Ada", email="a@x.io", merged_ids=[first])
    await _handle(service, merged)
    # The end marker of `second` arrives before the merge that names it.
    await _handle(service, _event("merged_into", second, 2, survivor_id=survivor))
    again = _event("merged", survivor, 3, first_name="Ada", merged_ids=[second])
    await _handle(service, again)

    for asked in (survivor, first, second):
        response = await analyst.get(f"/api/v1/analytics/customers/{asked}")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["contact_id"] == survivor
        assert body["merged_ids"] == sorted([first, second])
        assert body["last_sequence"] == 3
    conn = await asyncpg.connect(service.dsn)
    try:
        row = await conn.fetchrow(
            "SELECT name, email, merged_into FROM customers WHERE contact_id = $1",
            uuid.UUID(first),
        )
    finally:
        await conn.close()
    assert (row["name"], row["email"], str(row["merged_into"])) == (None, None, survivor)


async def test_reads_need_a_token_and_unknown_ids_are_404(
    service: AnalyticsApp, analyst: httpx.AsyncClient
) -> None:
    async with service.client() as anonymous:
        response = await anonymous.get(f"/api/v1/analytics/customers/{uuid.uuid4()}")
        assert response.status_code == 401
    missing = await analyst.get(f"/api/v1/analytics/customers/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert (await analyst.get("/api/v1/analytics/customers/not-a-uuid")).status_code == 422


async def test_events_from_kafka_feed_the_model_and_bad_ones_go_to_the_dlq(
    service: AnalyticsApp, analyst: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    dlq = await kafka_events(f"{TOPIC}.dlq")
    survivor, duplicate = str(uuid.uuid4()), str(uuid.uuid4())
    bad = _event("merged_into", duplicate, 9)  # no survivor_id: can never be applied
    events = [
        _event("created", survivor, 1, first_name="Grace"),
        _event("created", duplicate, 1, first_name="G."),
        bad,
        _event("merged", survivor, 2, first_name="Grace", merged_ids=[duplicate]),
    ]
    producer = AIOKafkaProducer(bootstrap_servers=service.settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(
                TOPIC,
                json.dumps(event).encode(),
                key=event["subject"].encode(),
                headers=[("content-type", b"application/cloudevents+json")],
            )
    finally:
        await producer.stop()

    async def survivor_of_duplicate() -> dict[str, Any] | None:
        response = await analyst.get(f"/api/v1/analytics/customers/{duplicate}")
        return response.json() if response.status_code == 200 else None

    for _ in range(300):
        body = await survivor_of_duplicate()
        if body and body["contact_id"] == survivor:
            break
        await asyncio.sleep(0.1)
    assert body is not None
    assert body["contact_id"] == survivor, body
    assert body["merged_ids"] == [duplicate]
    parked = await dlq.one(lambda e: e.get("id") == bad["id"], timeout=30)
    assert parked["type"] == f"{TOPIC}.merged_into"


async def test_asyncapi_lists_the_consumed_topic_and_publishes_nothing(
    service: AnalyticsApp,
) -> None:
    async with service.client() as anonymous:
        document = (await anonymous.get("/asyncapi.json")).json()
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {TOPIC}
    operations = document["operations"].values()
    assert {operation["action"] for operation in operations} == {"receive"}
