"""An independent Kafka reader for tests: plain aiokafka, no FastStream, no consumer group.

It checks what actually reached the broker, the way any outside consumer would see it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

Predicate = Callable[[dict[str, Any]], bool]
StartAt = Literal["end", "beginning"] | Mapping[int, int]


def _any(_: dict[str, Any]) -> bool:
    return True


@dataclass(frozen=True)
class Received:
    """One record: the decoded CloudEvent (None if the value was not a JSON object), plus
    what a test may need to check about the record itself."""

    event: dict[str, Any] | None
    key: bytes | None
    headers: dict[str, bytes]
    partition: int
    offset: int


def _decode(record: ConsumerRecord[bytes, bytes]) -> Received:
    try:
        value = json.loads(record.value) if record.value is not None else None
    except ValueError:
        value = None
    return Received(
        event=value if isinstance(value, dict) else None,
        key=record.key,
        headers=dict(record.headers or ()),
        partition=record.partition,
        offset=record.offset,
    )


class EventReader:
    """Reads one topic from a fixed starting point; everything read is kept in `received`."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.received: list[Received] = []
        self.start_offsets: dict[int, int] = {}
        self._positions: dict[int, int] = {}
        self._next_refresh = 0.0
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            client_id="crm-tests",
        )

    async def start(self, start_at: StartAt = "end") -> None:
        """Connect and fix the starting point: the current end (only what happens from now
        on), the beginning, or explicit {partition: offset}."""
        await self._consumer.start()
        partitions = await self._partitions()
        if start_at == "end" and partitions:
            tps = [TopicPartition(self.topic, p) for p in partitions]
            ends = await self._consumer.end_offsets(tps)
            self.start_offsets = {tp.partition: offset for tp, offset in ends.items()}
        elif isinstance(start_at, Mapping):
            self.start_offsets = dict(start_at)
        # Partitions missing here (a topic not created yet) are read from offset 0 later.
        self._positions = dict(self.start_offsets)
        self._assign(partitions)

    async def stop(self) -> None:
        """Close the connection."""
        await self._consumer.stop()

    async def _partitions(self) -> set[int]:
        # A full metadata fetch never auto-creates the topic, unlike asking for it by name.
        cluster = await self._consumer._client.fetch_all_metadata()
        return set(cluster.partitions_for_topic(self.topic) or ())

    def _assign(self, partitions: set[int]) -> None:
        for p in partitions:
            self._positions.setdefault(p, 0)
        tps = [TopicPartition(self.topic, p) for p in sorted(self._positions)]
        self._consumer.assign(tps)
        # assign() forgets positions; put back our own so nothing is read twice.
        for tp in tps:
            self._consumer.seek(tp, self._positions[tp.partition])

    async def _poll(self) -> None:
        now = asyncio.get_running_loop().time()
        if now >= self._next_refresh:
            # Topics appear on first produce and may gain partitions: look again now and then.
            self._next_refresh = now + 0.5
            partitions = await self._partitions()
            if partitions - self._positions.keys():
                self._assign(partitions)
        if not self._positions:
            await asyncio.sleep(0.1)  # the topic does not exist yet
            return
        batches = await self._consumer.getmany(timeout_ms=100)
        for tp, records in batches.items():
            for record in records:
                self.received.append(_decode(record))
                self._positions[tp.partition] = record.offset + 1

    def events(self, where: Predicate = _any) -> list[dict[str, Any]]:
        """The decoded CloudEvents read so far that match `where`, in read order."""
        return [r.event for r in self.received if r.event is not None and where(r.event)]

    async def collect(
        self, where: Predicate = _any, *, count: int = 1, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Read until `count` events match `where`; return all matches read by then.

        Fails the test (AssertionError listing what was seen) after `timeout` seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(self.events(where)) < count:
            if loop.time() > deadline:
                seen = [(e.get("type"), e.get("subject")) for e in self.events()]
                raise AssertionError(
                    f"{len(self.events(where))} of {count} matching events on {self.topic} "
                    f"after {timeout}s; seen (type, subject): {seen}"
                )
            await self._poll()
        return self.events(where)

    async def one(self, where: Predicate = _any, *, timeout: float = 10.0) -> dict[str, Any]:
        """The first event matching `where`."""
        return (await self.collect(where, count=1, timeout=timeout))[0]

    async def none_within(self, where: Predicate = _any, *, seconds: float = 2.0) -> None:
        """Assert that no further event matching `where` arrives for `seconds`."""
        before = len(self.events(where))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline:
            await self._poll()
        extra = self.events(where)[before:]
        assert not extra, f"unexpected events on {self.topic}: {extra}"


class KafkaEvents:
    """The `kafka_events` fixture: `reader = await kafka_events(topic)` before acting, then
    `await reader.collect(lambda e: e["subject"] == id)`. Readers close at teardown."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self._readers: list[EventReader] = []

    async def __call__(self, topic: str, *, start_at: StartAt = "end") -> EventReader:
        """A started reader of `topic` positioned at `start_at`."""
        reader = EventReader(self.bootstrap, topic)
        self._readers.append(reader)
        await reader.start(start_at)
        return reader

    async def close(self) -> None:
        """Stop every reader this fixture created."""
        for reader in self._readers:
            await reader.stop()
        self._readers.clear()
