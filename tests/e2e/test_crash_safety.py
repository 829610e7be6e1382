"""Nothing is lost or doubled: SIGKILL after commit, broker outage, redelivered events."""

from __future__ import annotations

import asyncio
import signal
import uuid
from typing import Any

import asyncpg
import httpx
import orjson
from aiokafka import AIOKafkaProducer

from crm_shared.db import asyncpg_dsn
from crm_shared.events import new_event
from tests.e2e.events import TopicReader, of


async def _outbox_rows(stack: Any) -> int:
    conn = await asyncpg.connect(asyncpg_dsn(stack.database_urls["contacts"]))
    try:
        return int(await conn.fetchval("SELECT count(*) FROM outbox"))
    finally:
        await conn.close()


async def test_events_committed_before_sigkill_are_published_after_restart(
    stack: Any, gateway: httpx.AsyncClient, contact_events: TopicReader
) -> None:
    marker = uuid.uuid4().hex[:10]
    # Freeze the broker so the relay cannot publish: the events must wait in the outbox.
    stack.pause_broker()
    try:
        responses = await asyncio.gather(
            *(
                gateway.post(
                    "/api/v1/contacts",
                    json={"first_name": f"Crash{i}", "last_name": marker},
                )
                for i in range(40)
            )
        )
        assert all(r.status_code == 201 for r in responses), [r.text for r in responses[:3]]
        ids = {r.json()["id"] for r in responses}
        async with httpx.AsyncClient(base_url=stack.service_urls["contacts"]) as client:
            metrics = (await client.get("/metrics")).text
        assert _sample(metrics, "crm_outbox_backlog", "") >= len(ids)
        stack.kill("contacts", signal.SIGKILL)
        pending = await _outbox_rows(stack)
        assert pending >= len(ids), "the crash happened before the relay published"
    finally:
        stack.resume_broker()
    await stack.wait_ready("contacts", timeout=60)
    for cid in ids:
        await contact_events.wait_for(of(cid, "created"), timeout=60)
    for cid in ids:
        assert len(contact_events.matching(of(cid, "created"))) >= 1
    assert await _outbox_rows(stack) == 0


async def test_redelivered_event_changes_consumer_state_once(
    stack: Any, gateway: httpx.AsyncClient, contact_events: TopicReader
) -> None:
    marker = uuid.uuid4().hex[:10]
    created = await gateway.post(
        "/api/v1/contacts",
        json={"first_name": "Dup", "last_name": marker, "lifecycle_stage": "lead"},
    )
    assert created.status_code == 201, created.text
    cid = created.json()["id"]
    deal_id = str(uuid.uuid4())
    won = new_event(
        service="sales",
        aggregate="deal",
        action="won",
        subject=deal_id,
        data={"id": deal_id, "contact_id": cid, "status": "won"},
        sequence=3,
        actor="test",
    )
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        for _ in range(3):  # the same event, delivered three times
            await producer.send_and_wait(
                "crm.sales.deal",
                orjson.dumps(won),
                key=deal_id.encode(),
                headers=[("content-type", b"application/cloudevents+json")],
            )
    finally:
        await producer.stop()
    (changed,) = await contact_events.wait_for(of(cid, "updated"), timeout=60)
    await asyncio.sleep(3)  # give the duplicates every chance to be (wrongly) applied
    contact = (await gateway.get(f"/api/v1/contacts/{cid}")).json()
    assert contact["lifecycle_stage"] == "customer"
    assert contact["version"] == 2, "three deliveries, one change"
    assert len(contact_events.matching(of(cid, "updated"))) == 1
    assert changed.get_extension("sequence") == 2
    async with httpx.AsyncClient(base_url=stack.service_urls["contacts"]) as client:
        metrics = (await client.get("/metrics")).text
    duplicates = _sample(metrics, "crm_consumer_events_total", 'outcome="duplicate"')
    assert duplicates >= 2
    assert _sample(metrics, "crm_consumer_lag", 'topic="crm.sales.deal"') >= 0


def _sample(metrics: str, name: str, label: str) -> float:
    """Sum of the samples of `name` whose labels include `label` (fails if there are none)."""
    values = [
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if (line.startswith(name + "{") or line.startswith(name + " ")) and label in line
    ]
    assert values, f"no {name} sample with {label}"
    return sum(values)


async def test_poison_message_is_parked_on_the_dlq_with_its_headers(stack: Any) -> None:
    poison = b'{"not": "a cloudevent", "marker": "' + uuid.uuid4().hex.encode() + b'"}'
    dlq = TopicReader(stack.kafka_bootstrap, "crm.sales.deal.dlq")
    await dlq.start()
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        await producer.send_and_wait(
            "crm.sales.deal",
            poison,
            key=b"poison",
            headers=[("content-type", b"application/cloudevents+json")],
        )
        deadline = asyncio.get_running_loop().time() + 60
        while poison not in dlq.values:
            assert asyncio.get_running_loop().time() < deadline, "poison never reached the DLQ"
            await asyncio.sleep(0.1)
    finally:
        await producer.stop()
        await dlq.stop()
    headers = dlq.value_headers[dlq.values.index(poison)]
    assert headers["content-type"] == b"application/cloudevents+json"
    assert headers["x-original-topic"] == b"crm.sales.deal"
    assert b"not a CloudEvent" in headers["x-error"]
