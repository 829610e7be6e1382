"""An independent Kafka reader for the e2e tests: raw aiokafka + the official CloudEvents SDK."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer
from cloudevents.core.base import BaseCloudEvent
from cloudevents.core.bindings import kafka


class TopicReader:
    """Reads a topic from its beginning in the background and keeps every decoded event."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.events: list[BaseCloudEvent] = []
        self.keys: list[bytes | None] = []
        self.headers: list[dict[str, bytes]] = []
        # Every raw message, CloudEvent or not (a DLQ may hold anything), in arrival order.
        self.values: list[bytes] = []
        self.value_headers: list[dict[str, bytes]] = []
        self._consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=f"e2e-reader-{uuid.uuid4().hex[:8]}",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            metadata_max_age_ms=1000,
            rebalance_timeout_ms=1000,
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._consumer.start()
        self._task = asyncio.create_task(self._read())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._consumer.stop()

    async def _read(self) -> None:
        async for message in self._consumer:
            headers = {k: v for k, v in message.headers}
            self.values.append(message.value)
            self.value_headers.append(headers)
            try:
                event = kafka.from_kafka_event(
                    kafka.KafkaMessage(headers=headers, key=message.key, value=message.value)
                )
            except Exception:
                continue  # not a CloudEvent: kept in `values` only
            self.events.append(event)
            self.keys.append(message.key)
            self.headers.append(headers)

    def matching(self, predicate: Callable[[BaseCloudEvent], bool]) -> list[BaseCloudEvent]:
        return [event for event in self.events if predicate(event)]

    async def wait_for(
        self,
        predicate: Callable[[BaseCloudEvent], bool],
        count: int = 1,
        timeout: float = 30.0,
    ) -> list[BaseCloudEvent]:
        """Wait until `count` events match; fail the test with what was seen otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.matching(predicate)
            if len(found) >= count:
                return found
            await asyncio.sleep(0.05)
        seen = [(e.get_type(), e.get_subject()) for e in self.events[-10:]]
        raise AssertionError(f"{len(self.matching(predicate))}/{count} events; last seen {seen}")


def of(subject: str, action: str | None = None) -> Callable[[BaseCloudEvent], bool]:
    """Predicate: events about `subject` (and of `...<action>` type when given)."""

    def check(event: BaseCloudEvent) -> bool:
        if event.get_subject() != subject:
            return False
        return action is None or event.get_type().endswith("." + action)

    return check


def data(event: BaseCloudEvent) -> dict[str, Any]:
    payload = event.get_data()
    assert isinstance(payload, dict)
    return payload
