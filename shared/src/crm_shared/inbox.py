"""Idempotent consumers: dedup by (consumer, event id), bounded retries, then `<topic>.dlq`."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from prometheus_client import Counter, Gauge
from pydantic import ValidationError
from sqlalchemy import Table, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from crm_shared.db import Database, new_metadata
from crm_shared.events import Envelope
from crm_shared.settings import ServiceSettings

Handler = Callable[[AsyncSession, Envelope], Awaitable[None]]

_log = structlog.get_logger("crm.inbox")
PROCESSED: Table = new_metadata().tables["processed_events"]
DEAD_LETTERS = Counter("crm_consumer_dead_letters_total", "Events sent to a DLQ", ["topic"])
HANDLED = Counter("crm_consumer_events_total", "Events handled", ["topic", "outcome"])
CONSUMER_LAG = Gauge(
    "crm_consumer_lag",
    "Events on a partition not handled yet (its end offset minus the consumer group's "
    "committed offset), measured when /metrics is scraped",
    ["consumer", "topic", "partition"],
)
# The subscribers of this process's consumer groups, by consumer name (weakly: an app
# that is gone takes its subscribers with it).
_GROUPS: list[tuple[str, weakref.ref[Any]]] = []
LAG_TIMEOUT_SECONDS = 2.0


async def refresh_consumer_lag() -> None:
    """Set crm_consumer_lag for every partition this process's groups hold, from the
    broker's end offsets and the groups' committed offsets: a consumer stuck on an event
    shows its lag growing, which a figure taken after each handled event would not."""
    _GROUPS[:] = [(name, ref) for name, ref in _GROUPS if ref() is not None]
    for name, ref in _GROUPS:
        client = getattr(ref(), "consumer", None)
        if not isinstance(client, AIOKafkaConsumer):
            continue  # not started, stopped, or FastStream's in-memory test broker
        try:
            await asyncio.wait_for(_measure_lag(name, client), LAG_TIMEOUT_SECONDS)
        except Exception as exc:  # a scrape must answer even when the broker does not
            _log.debug("consumer lag not measured", consumer=name, error=repr(exc))


async def _measure_lag(name: str, client: AIOKafkaConsumer) -> None:
    partitions = sorted(client.assignment(), key=lambda tp: (tp.topic, tp.partition))
    if not partitions:
        return
    ends = await client.end_offsets(partitions)
    done = {tp: await client.committed(tp) for tp in partitions}
    # A partition the group has committed nothing on yet is read from its beginning.
    if never := [tp for tp, offset in done.items() if offset is None]:
        done.update(await client.beginning_offsets(never))
    for tp in partitions:
        lag = max(0, ends[tp] - (done[tp] or 0))
        CONSUMER_LAG.labels(name, tp.topic, str(tp.partition)).set(lag)


PURGE_BATCH = 10_000
_PURGE = text(
    "DELETE FROM processed_events WHERE ctid = ANY(ARRAY("
    "SELECT ctid FROM processed_events WHERE processed_at < :cutoff LIMIT :batch))"
)


async def purge_processed(db: Database, *, older_than: timedelta) -> int:
    """Forget the event ids handled more than `older_than` ago, in batches of
    PURGE_BATCH (short transactions, no long lock); how many were deleted."""
    cutoff = datetime.now(UTC) - older_than
    total = 0
    while True:
        async with db.engine.begin() as conn:
            result = await conn.execute(_PURGE, {"cutoff": cutoff, "batch": PURGE_BATCH})
        deleted = int(result.rowcount or 0)
        total += deleted
        if deleted < PURGE_BATCH:
            return total


async def handle_once(db: Database, consumer: str, envelope: Envelope, handler: Handler) -> bool:
    """Run `handler` in one transaction unless this consumer already did; True if it ran."""
    async with db.sessions() as session, session.begin():
        claimed = await session.execute(
            insert(PROCESSED)
            .values(consumer=consumer, event_id=envelope.id)
            .on_conflict_do_nothing()
            .returning(PROCESSED.c.event_id)
        )
        if claimed.first() is None:
            return False
        await handler(session, envelope)
    return True


def is_outage(exc: BaseException) -> bool:
    """True when `exc` says the database is unreachable, not that the event is bad."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(
            seen,
            OSError
            | TimeoutError
            | asyncpg.PostgresConnectionError
            | asyncpg.CannotConnectNowError
            | asyncpg.InterfaceError,
        ):
            return True
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def subscribe_group(
    broker: KafkaBroker,
    db: Database,
    settings: ServiceSettings,
    *,
    consumer: str,
    handlers: Mapping[str, Handler],
) -> None:
    """subscribe_all with the service's consumer settings (retries before the DLQ,
    rebalance and session timeouts, group prefix): how every service subscribes."""
    subscribe_all(
        broker,
        db,
        consumer=consumer,
        handlers=handlers,
        max_attempts=settings.consumer_max_attempts,
        rebalance_timeout_ms=settings.kafka_rebalance_timeout_ms,
        session_timeout_ms=settings.kafka_session_timeout_ms,
        group_prefix=settings.kafka_group_prefix,
    )


def subscribe_all(
    broker: KafkaBroker,
    db: Database,
    *,
    consumer: str,
    handlers: Mapping[str, Handler],
    max_attempts: int = 5,
    rebalance_timeout_ms: int = 1000,
    session_timeout_ms: int = 4000,
    retry_delay: float = 0.2,
    group_prefix: str = "",
) -> None:
    """Consume every topic of `handlers` as `consumer`, in one consumer group.

    Each event changes state once (dedup by event id in the handler's transaction); a
    failing event is retried `max_attempts` times, then parked on `<topic>.dlq` with its
    original headers plus `x-error`. A database outage is not the event's fault: it is
    retried until the database answers again, and never dead-lettered. One group
    for all topics means one group join at start-up, not one per topic.
    """
    topics = sorted(handlers)

    async def dead_letter(msg: KafkaMessage, topic: str, reason: str) -> None:
        raw = msg.raw_message
        key = raw.key if not isinstance(raw, tuple) else None
        # Keep the original headers (content-type keeps it a structured CloudEvent). If
        # this publish fails the handler raises, the message is not acked, and Kafka
        # redelivers it: the DLQ path loses nothing either.
        headers = {name: value for name, value in msg.headers.items() if isinstance(value, str)}
        headers.update({"x-error": reason[:500], "x-original-topic": topic, "x-consumer": consumer})
        await broker.publish(msg.body, f"{topic}.dlq", key=key, headers=headers)
        DEAD_LETTERS.labels(topic).inc()
        _log.error("event sent to DLQ", topic=topic, consumer=consumer, reason=reason)

    subscriber = broker.subscriber(
        *topics,
        group_id=f"{group_prefix}{consumer}",
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        rebalance_timeout_ms=rebalance_timeout_ms,
        session_timeout_ms=session_timeout_ms,
        heartbeat_interval_ms=max(100, session_timeout_ms // 4),
    )
    _GROUPS.append((consumer, weakref.ref(subscriber)))

    @subscriber
    async def consume(msg: KafkaMessage) -> None:
        raw = msg.raw_message
        topic = raw.topic if not isinstance(raw, tuple) else topics[0]
        try:
            envelope = Envelope.model_validate_json(msg.body)
        except ValidationError as exc:
            await dead_letter(msg, topic, f"not a CloudEvent: {exc.errors()[:3]}")
            return
        error = ""
        attempt = 0
        while attempt < max_attempts:
            try:
                ran = await handle_once(db, consumer, envelope, handlers[topic])
            except Exception as exc:
                error = repr(exc)
                if is_outage(exc):
                    # The event is fine; our database is not. Wait for it however long it
                    # takes (the offset is not committed meanwhile), never dead-letter.
                    _log.warning("database unavailable; will retry", topic=topic, error=error)
                    await asyncio.sleep(min(10.0, retry_delay * 10))
                    continue
                attempt += 1
                _log.warning("handler failed", topic=topic, attempt=attempt, error=error)
                await asyncio.sleep(retry_delay * attempt)
                continue
            HANDLED.labels(topic, "handled" if ran else "duplicate").inc()
            return
        HANDLED.labels(topic, "dead_lettered").inc()
        await dead_letter(msg, topic, error)
