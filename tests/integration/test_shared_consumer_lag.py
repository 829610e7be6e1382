"""crm_consumer_lag is measured when /metrics is scraped, from the broker's end offsets
and the group's committed offsets: a consumer stuck on an event shows its backlog
growing (against the session's real broker and PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid

import orjson
from faststream.kafka import KafkaBroker
from prometheus_client import REGISTRY

from crm_cli.stack import Infra
from crm_shared.db import Database, new_metadata
from crm_shared.events import Envelope, new_event
from crm_shared.inbox import refresh_consumer_lag, subscribe_all


def _lag(consumer: str, topic: str) -> float | None:
    labels = {"consumer": consumer, "topic": topic, "partition": "0"}
    return REGISTRY.get_sample_value("crm_consumer_lag", labels)


async def _eventually(check: object, timeout: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if callable(check) and await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError("condition not met in time")


async def test_a_stuck_consumer_shows_its_lag_growing_then_draining(infra: Infra) -> None:
    name = f"lag_{uuid.uuid4().hex[:8]}"
    url = await infra.create_database(name)
    db = Database(url, pool_size=2)
    async with db.engine.begin() as conn:
        await conn.run_sync(new_metadata().create_all)
    topic, consumer = f"crm.test.{name}", f"test.{name}"
    gate, seen = asyncio.Event(), asyncio.Event()

    async def handler(_session: object, _event: Envelope) -> None:
        seen.set()
        await gate.wait()  # stuck until the test lets it go

    broker = KafkaBroker(infra.kafka_bootstrap)
    subscribe_all(broker, db, consumer=consumer, handlers={topic: handler}, group_prefix=name)
    await broker.start()
    try:
        for number in range(5):
            event = new_event(
                service="test", aggregate=name, action="made", subject=uuid.uuid4(),
                data={"n": number}, sequence=1, actor="test",
            )  # fmt: skip
            await broker.publish(orjson.dumps(event), topic, key=b"one-partition")
        await asyncio.wait_for(seen.wait(), 60)

        async def backlog_of_five() -> bool:
            await refresh_consumer_lag()
            return _lag(consumer, topic) == 5  # the event in hand is not handled yet

        await _eventually(backlog_of_five)
        gate.set()

        async def drained() -> bool:
            await refresh_consumer_lag()
            return _lag(consumer, topic) == 0

        await _eventually(drained)
    finally:
        gate.set()
        await broker.stop()
        await db.dispose()
