"""The session stack: everything comes up, answers its probes, and survives a crash."""

from __future__ import annotations

import asyncio
import json
import signal
import uuid

import asyncpg
import httpx
import jwt
from aiokafka import AIOKafkaProducer
from support.kafka import KafkaEvents

from crm_cli.stack import SERVICES, Infra, Stack


async def test_every_service_answers_healthz_and_readyz(stack: Stack) -> None:
    assert set(stack.service_urls) == set(SERVICES)
    async with httpx.AsyncClient(trust_env=False, timeout=5) as client:
        for name, url in stack.service_urls.items():
            for path in ("/healthz", "/readyz"):
                response = await client.get(url + path)
                assert response.status_code == 200, (name, path, response.text)


async def test_each_service_has_its_own_database_with_extensions(stack: Stack) -> None:
    assert set(stack.database_urls) == set(SERVICES)
    assert len(set(stack.database_urls.values())) == len(SERVICES)
    for name, url in stack.database_urls.items():
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
        try:
            assert await conn.fetchval("SELECT current_database()") == name
            installed = {r["extname"] for r in await conn.fetch("SELECT extname FROM pg_extension")}
        finally:
            await conn.close()
        assert {"pg_trgm", "citext"} <= installed, name


async def test_admin_token_is_a_gateway_jwt_for_the_admin(stack: Stack, admin_token: str) -> None:
    claims = jwt.decode(admin_token, stack.jwt_secret, algorithms=["HS256"], audience="crm")
    assert claims["iss"] == "crm-gateway"
    assert claims["email"] == stack.admin_email
    assert "admin" in claims["roles"]


async def test_killed_service_is_restarted_by_the_supervisor(stack: Stack) -> None:
    old_pid = stack.pid("sales")
    restarts = stack.restarts("sales")

    assert stack.kill("sales", signal.SIGKILL) == old_pid
    await stack.wait_ready("sales", timeout=60)

    assert stack.pid("sales") not in (None, old_pid)
    assert stack.restarts("sales") == restarts + 1
    log = (stack.config.log_dir / "sales.log").read_text()
    assert "sales exited with code -9; restarting" in log


async def test_gateway_fixture_is_authenticated_as_the_admin(
    stack: Stack, gateway: httpx.AsyncClient
) -> None:
    authenticated = await gateway.get("/api/v1/contacts", params={"limit": 1})
    assert authenticated.status_code == 200, authenticated.text
    async with httpx.AsyncClient(base_url=stack.gateway_url, trust_env=False) as anonymous:
        refused = await anonymous.get("/api/v1/contacts", params={"limit": 1})
    assert refused.status_code == 401


async def test_graceful_restart_is_not_counted_as_a_crash(stack: Stack) -> None:
    old_pid = stack.pid("analytics")
    restarts = stack.restarts("analytics")

    await stack.restart("analytics")

    assert stack.pid("analytics") not in (None, old_pid)
    assert stack.restarts("analytics") == restarts
    async with httpx.AsyncClient(trust_env=False) as client:
        response = await client.get(stack.service_urls["analytics"] + "/readyz")
    assert response.status_code == 200


async def test_kafka_events_reads_only_from_its_starting_point(
    infra: Infra, kafka_events: KafkaEvents
) -> None:
    topic = f"crm.tests.probe-{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, enable_idempotence=False)
    await producer.start()
    try:

        async def send(subject: str) -> None:
            event = {
                "specversion": "1.0",
                "id": subject,
                "type": "crm.tests.probe.sent",
                "source": "crm/tests",
                "subject": subject,
                "data": {},
            }
            await producer.send_and_wait(topic, json.dumps(event).encode(), key=b"probe")

        await send("before")
        reader = await kafka_events(topic)
        await send("after-1")
        await send("after-2")

        events = await reader.collect(lambda e: e["subject"].startswith("after"), count=2)
        assert [e["subject"] for e in events] == ["after-1", "after-2"]
        assert reader.events(lambda e: e["subject"] == "before") == []
        assert reader.received[0].key == b"probe"  # one key, one partition, one order

        everything = await kafka_events(topic, start_at="beginning")
        assert [e["subject"] for e in await everything.collect(count=3)] == [
            "before",
            "after-1",
            "after-2",
        ]
    finally:
        await producer.stop()


async def test_kafka_events_sees_a_topic_created_after_it_started(
    infra: Infra, kafka_events: KafkaEvents
) -> None:
    topic = f"crm.tests.late-{uuid.uuid4().hex[:8]}"
    reader = await kafka_events(topic)
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        await asyncio.sleep(0.2)
        await producer.send_and_wait(topic, json.dumps({"subject": "late"}).encode())
    finally:
        await producer.stop()
    assert (await reader.one(timeout=10))["subject"] == "late"


async def test_a_paused_broker_holds_messages_until_resumed(
    stack: Stack, kafka_events: KafkaEvents
) -> None:
    topic = f"crm.tests.pause-{uuid.uuid4().hex[:8]}"
    reader = await kafka_events(topic)
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        stack.pause_broker()
        try:
            sending = asyncio.create_task(producer.send_and_wait(topic, b'{"subject": "held"}'))
            await asyncio.sleep(1.0)
            assert not sending.done(), "the broker answered while paused"
        finally:
            stack.resume_broker()
        await asyncio.wait_for(sending, 30)
    finally:
        await producer.stop()
    assert (await reader.one(timeout=10))["subject"] == "held"
