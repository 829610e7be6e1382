"""Contact creation throughput and event latency, on a stack of its own.

    python -m bench.contacts_create [--total 10000] [--concurrency 50] [--contacts-workers 1]

Prints, in one run: creates through the gateway, directly against the contacts service,
and bare asyncpg inserts (50 concurrent clients each); a steady 200 creates/s through the
gateway; and commit-to-consumer event latency measured by an independent Kafka consumer.
`--contacts-workers` runs the contacts service as that many uvicorn processes
(CONTACTS_WORKERS); the report says how many it used.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import asyncpg
import httpx
import orjson
from aiokafka import AIOKafkaConsumer

from bench.load import HEADER, Body, Result, closed_loop, open_loop
from crm_cli.stack import EmbeddedInfra, Ports, Stack, StackConfig
from crm_shared.db import asyncpg_dsn


def contact(run: str) -> Body:
    def body(i: int) -> dict[str, object]:
        return {"first_name": f"Bench{i}", "last_name": run, "email": f"b{i}.{run}@bench.io"}

    return body


async def bare_asyncpg(dsn: str, *, total: int, concurrency: int) -> Result:
    """The floor: single-row INSERTs into a table shaped like contacts, no HTTP."""
    result = Result("bare asyncpg INSERT")
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    async with pool.acquire() as conn:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_contacts (id uuid PRIMARY KEY, first_name text,"
            " last_name text, email text, created_at timestamptz DEFAULT now())"
        )
    counter = iter(range(total))

    async def client() -> None:
        for i in counter:
            started = time.perf_counter()
            await pool.execute(
                "INSERT INTO bench_contacts (id, first_name, last_name, email)"
                " VALUES ($1, $2, $3, $4)",
                uuid.uuid4(),
                f"Bench{i}",
                "asyncpg",
                f"b{i}@bench.io",
            )
            result.latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    result.elapsed = time.perf_counter() - started
    await pool.close()
    return result


class EventClock:
    """An independent consumer noting when each event arrives, against its `time`."""

    def __init__(self, bootstrap: str) -> None:
        self.latencies: list[float] = []
        self.relay_delays: list[float] = []
        self.marker = ""
        self._consumer = AIOKafkaConsumer(
            "crm.contacts.contact",
            bootstrap_servers=bootstrap,
            group_id=f"bench-{uuid.uuid4().hex[:6]}",
            auto_offset_reset="latest",
            rebalance_timeout_ms=1000,
            fetch_max_wait_ms=20,
        )

    async def run(self) -> None:
        await self._consumer.start()
        async for message in self._consumer:
            arrived = time.time()
            event = orjson.loads(message.value)
            if self.marker and event["data"].get("last_name") == self.marker:
                committed = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
                self.latencies.append(arrived - committed.timestamp())
                # The producer stamps each record when the relay sends it.
                self.relay_delays.append(message.timestamp / 1000 - committed.timestamp())

    async def stop(self) -> None:
        await self._consumer.stop()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


async def main(total: int, concurrency: int, steady_seconds: float, workers: int) -> None:
    os.environ["CONTACTS_WORKERS"] = str(workers)
    os.environ.setdefault("GATEWAY_RATE_LIMIT_RPS", "100000")
    os.environ.setdefault("GATEWAY_RATE_LIMIT_BURST", "100000")
    os.environ.setdefault("CRM_LOG_LEVEL", "WARNING")
    data_dir = Path(tempfile.mkdtemp(prefix="crm-bench-"))
    ports = Ports.free()
    config = StackConfig(
        data_dir=data_dir,
        ports=ports,
        jwt_secret=secrets.token_urlsafe(48),
        admin_email="bench@crm.local",
        admin_password=secrets.token_urlsafe(16),
        log_level="WARNING",
    )
    infra = EmbeddedInfra(data_dir, kafka_port=ports.kafka)
    async with Stack(config, infra) as stack:
        async with httpx.AsyncClient(base_url=stack.gateway_url, trust_env=False) as client:
            login = await client.post(
                "/api/v1/auth/token",
                data={"username": config.admin_email, "password": config.admin_password},
            )
            token = login.json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        gateway = f"{stack.gateway_url}/api/v1/contacts"
        direct = f"{stack.service_urls['contacts']}/api/v1/contacts"
        clock = EventClock(stack.kafka_bootstrap)
        reading = asyncio.create_task(clock.run())
        warm = uuid.uuid4().hex[:8]
        await closed_loop("warm-up", gateway, auth, contact(warm), total=500, concurrency=20)
        await closed_loop("warm-up", direct, auth, contact(warm + "d"), total=500, concurrency=20)

        results = [
            await closed_loop(
                f"gateway, {concurrency} clients",
                gateway,
                auth,
                contact(uuid.uuid4().hex[:8]),
                total=total,
                concurrency=concurrency,
            ),
            await closed_loop(
                f"direct to service, {concurrency} clients",
                direct,
                auth,
                contact(uuid.uuid4().hex[:8]),
                total=total,
                concurrency=concurrency,
            ),
            await bare_asyncpg(
                asyncpg_dsn(stack.database_urls["contacts"]), total=total, concurrency=concurrency
            ),
        ]
        clock.marker = uuid.uuid4().hex[:8]
        results.append(
            await open_loop(
                "gateway, steady 200/s",
                gateway,
                auth,
                contact(clock.marker),
                rate=200,
                seconds=steady_seconds,
            )
        )
        await asyncio.sleep(2)
        reading.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reading
        await clock.stop()  # before the broker goes: no reconnect noise, no unclosed consumer

    print(
        f"\nContacts create benchmark ({total} requests per closed-loop scenario,"
        f" contacts service with {workers} worker process{'es' if workers > 1 else ''},"
        f" {os.cpu_count()} CPUs)\n"
    )
    print(HEADER)
    for result in results:
        print(result.row())
    ratio = results[0].rate / results[1].rate if results[1].rate else 0
    print(f"\ngateway / direct throughput: {ratio:.0%}")
    p50, p99 = percentile(clock.latencies, 0.5), percentile(clock.latencies, 0.99)
    print(
        f"event latency, commit to independent consumer (steady 200/s, n={len(clock.latencies)}):"
        f" p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    )
    r50, r99 = percentile(clock.relay_delays, 0.5), percentile(clock.relay_delays, 0.99)
    print(f"  of which commit to relay send: p50 {r50:.1f} ms, p99 {r99:.1f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--total", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--steady-seconds", type=float, default=15.0)
    parser.add_argument("--contacts-workers", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(main(args.total, args.concurrency, args.steady_seconds, args.contacts_workers))
