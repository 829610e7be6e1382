"""Transactional outbox: events are rows written with the change, then relayed to Kafka.

See docs/adr/0001-outbox.md for why this is hand-written. One relay per service database
publishes (a session-level advisory lock elects it), in row order. One aggregate's events
keep their order because writers insert the outbox row after locking the aggregate's row,
so a later change of the same aggregate always gets a later outbox id. Rows are deleted only
after the broker acknowledged them, so a crash or a broker outage delays events but never
loses them (at-least-once: consumers deduplicate by event id).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
import zlib
from collections.abc import Iterable
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind
from prometheus_client import Counter, Gauge
from sqlalchemy import Table, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from crm_shared.db import asyncpg_dsn, json_dumps, new_metadata
from crm_shared.events import CLOUDEVENTS_CONTENT_TYPE
from crm_shared.migrations import NOTIFY_CHANNEL
from crm_shared.telemetry import context_from_traceparent

_log = structlog.get_logger("crm.outbox")
_tracer = trace.get_tracer("crm.outbox")
OUTBOX: Table = new_metadata().tables["outbox"]

EVENTS_RELAYED = Counter("crm_outbox_events_relayed_total", "Events published from the outbox")
# Counted when /metrics is scraped (crm_shared.service), not by the relay's hot loop.
OUTBOX_BACKLOG = Gauge("crm_outbox_backlog", "Outbox rows not yet published")


async def add(session: AsyncSession, event: dict[str, Any], *, topic: str, key: str) -> None:
    """Write `event` to the outbox inside the caller's transaction."""
    await session.execute(
        insert(OUTBOX).values(
            event_id=uuid.UUID(event["id"]),
            topic=topic,
            key=key,
            payload=event,
            traceparent=event.get("traceparent"),
        )
    )


_ADD_MANY = text(
    "INSERT INTO outbox (event_id, topic, key, payload, traceparent)"
    " SELECT * FROM unnest(CAST(:event_ids AS uuid[]), CAST(:topics AS text[]),"
    " CAST(:keys AS text[]), CAST(:payloads AS jsonb[]), CAST(:traceparents AS text[]))"
)


async def add_many(
    session: AsyncSession, events: Iterable[tuple[dict[str, Any], str, str]]
) -> None:
    """Write many `(event, topic, key)` to the outbox in one statement, in the caller's
    transaction and in the given order (bulk writers: one round trip, not one per event)."""
    batch = list(events)
    if not batch:
        return
    await session.execute(
        _ADD_MANY,
        {
            "event_ids": [uuid.UUID(event["id"]) for event, _, _ in batch],
            "topics": [topic for _, topic, _ in batch],
            "keys": [key for _, _, key in batch],
            "payloads": [json_dumps(event) for event, _, _ in batch],
            "traceparents": [event.get("traceparent") for event, _, _ in batch],
        },
    )


_FETCH = "SELECT id, topic, key, payload::text, traceparent FROM outbox ORDER BY id LIMIT $1"


class OutboxRelay:
    """Publishes outbox rows to Kafka, woken by NOTIFY, with a slow poll as a safety net."""

    def __init__(
        self,
        database_url: str,
        bootstrap_servers: str,
        *,
        lock_name: str,
        batch_size: int = 500,
        poll_seconds: float = 2.0,
    ) -> None:
        self._dsn = asyncpg_dsn(database_url)
        self._bootstrap = bootstrap_servers
        self._lock_key = zlib.crc32(lock_name.encode())
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._producer: AIOKafkaProducer | None = None

    def start(self) -> None:
        """Run the relay in the background until stop()."""
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Stop relaying; unpublished rows stay for the next start."""
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._producer:
            with contextlib.suppress(Exception):
                await self._producer.stop()

    async def _run(self) -> None:
        while True:
            try:
                await self._lead()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _log.warning("outbox relay interrupted; retrying", error=repr(exc))
                await self._reset_producer()
                await asyncio.sleep(1.0)

    async def _lead(self) -> None:
        conn: asyncpg.Connection = await asyncpg.connect(self._dsn)
        try:
            # Another replica may be relaying: wait until its lock is released.
            while not await self._try_lock(conn):
                await asyncio.sleep(self._poll_seconds)
            await conn.add_listener(NOTIFY_CHANNEL, self._on_notify)
            producer = await self._ensure_producer()
            while True:
                self._wake.clear()
                await self._drain(conn, producer)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll_seconds)
        finally:
            with contextlib.suppress(Exception):
                await conn.close()

    async def _try_lock(self, conn: asyncpg.Connection) -> bool:
        return bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", self._lock_key))

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            producer = AIOKafkaProducer(
                bootstrap_servers=self._bootstrap,
                enable_idempotence=False,  # Tansu has no idempotent producer
                acks="all",
                linger_ms=0,
                request_timeout_ms=10_000,
            )
            await producer.start()
            self._producer = producer
        return self._producer

    async def _reset_producer(self) -> None:
        if self._producer is not None:
            with contextlib.suppress(Exception):
                await self._producer.stop()
            self._producer = None

    async def _drain(self, conn: asyncpg.Connection, producer: AIOKafkaProducer) -> None:
        while True:
            rows = await conn.fetch(_FETCH, self._batch_size)
            if not rows:
                return
            sends = [await self._send(producer, row) for row in rows]
            await asyncio.gather(*sends)
            # Exactly the rows sent: a lower id can commit after a higher one, and must not
            # be deleted before it was published.
            await conn.execute(
                "DELETE FROM outbox WHERE id = ANY($1::bigint[])", [r["id"] for r in rows]
            )
            EVENTS_RELAYED.inc(len(rows))
            if len(rows) < self._batch_size:
                return

    async def _send(self, producer: AIOKafkaProducer, row: asyncpg.Record) -> asyncio.Future[Any]:
        parent = context_from_traceparent(row["traceparent"])
        with _tracer.start_as_current_span(
            f"{row['topic']} publish", context=parent, kind=SpanKind.PRODUCER
        ) as span:
            span.set_attribute("messaging.system", "kafka")
            span.set_attribute("messaging.destination.name", row["topic"])
            carrier: dict[str, str] = {}
            propagate.inject(carrier)
        headers = [("content-type", CLOUDEVENTS_CONTENT_TYPE.encode())]
        headers += [(name, value.encode()) for name, value in carrier.items()]
        return await producer.send(
            row["topic"], value=row["payload"].encode(), key=row["key"].encode(), headers=headers
        )
