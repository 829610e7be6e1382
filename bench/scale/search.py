"""Search and list latency over the contacts in the database, through the contacts API.

    python -m bench.scale.search --url http://127.0.0.1:8101 --token <bearer> --dsn <asyncpg>

Query values come from the data itself (names, emails, owners, tags); the custom fields
the dataset carries (bench.scale.records.CUSTOM_FIELDS) are defined first if they are
not. Each scenario sends its requests one after another (latency, not throughput);
a last one runs a mix from 8 clients at once. Aim: p95 under 50 ms over 1,000,000.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from collections.abc import Callable
from typing import Any

import httpx

from bench.scale.records import CUSTOM_FIELDS, SEGMENTS
from bench.scale.search_queries import Samples, scenarios

CONTACTS = "/api/v1/contacts"
FIELDS = "/api/v1/contacts/custom-fields"
REQUESTS, DEEP_PAGES, CLIENTS, MIX_SECONDS = 200, 40, 8, 10.0
AIM_MS = 50.0
HEADER = f"{'scenario':<34} {'n':>5} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'rows':>5}"


def percentile(values: list[float], q: float) -> float:
    """The q-quantile of `values` in milliseconds (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def row(name: str, latencies: list[float], rows: float) -> str:
    """One table line."""
    p50, p95, p99 = (percentile(latencies, q) for q in (0.5, 0.95, 0.99))
    mark = "" if p95 < AIM_MS else "  (over aim)"
    return f"{name:<34} {len(latencies):>5} {p50:>7.1f} {p95:>7.1f} {p99:>7.1f} {rows:>5.0f}{mark}"


async def define_fields(client: httpx.AsyncClient) -> None:
    """Define the dataset's custom fields (409: already defined, fine)."""
    for key, kind in CUSTOM_FIELDS.items():
        body: dict[str, Any] = {"key": key, "label": key.replace("_", " ").title(), "type": kind}
        if kind == "single_select":
            body["options"] = list(SEGMENTS)
        response = await client.post(FIELDS, json=body, timeout=600)
        if response.status_code not in (201, 409):
            response.raise_for_status()


async def timed(client: httpx.AsyncClient, params: dict[str, str]) -> tuple[float, dict[str, Any]]:
    """One list request: its latency and its body (raises on an error status)."""
    started = time.perf_counter()
    response = await client.get(CONTACTS, params=params)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed, response.json()


async def sequential(
    client: httpx.AsyncClient, make: Callable[[int], dict[str, str]]
) -> tuple[list[float], float]:
    """`REQUESTS` requests, one at a time: latencies and rows per page."""
    latencies: list[float] = []
    rows = 0
    for i in range(REQUESTS):
        elapsed, body = await timed(client, make(i))
        latencies.append(elapsed)
        rows += len(body["items"])
    return latencies, rows / REQUESTS


async def deep_pages(
    client: httpx.AsyncClient, params: dict[str, str]
) -> tuple[list[float], float]:
    """Follow cursors DEEP_PAGES pages down (page size 200); latencies of pages 2 on."""
    latencies: list[float] = []
    cursor = None
    for _ in range(DEEP_PAGES):
        elapsed, body = await timed(
            client, {**params, "limit": "200", **({"cursor": cursor} if cursor else {})}
        )
        if cursor:
            latencies.append(elapsed)
        cursor = body["next_cursor"]
        if cursor is None:
            break
    return latencies, 200.0


async def mixed(
    client: httpx.AsyncClient, makers: list[Callable[[int], dict[str, str]]]
) -> tuple[list[float], float]:
    """CLIENTS clients sending the scenarios' requests at random for MIX_SECONDS."""
    latencies: list[float] = []
    deadline = time.perf_counter() + MIX_SECONDS
    rng = random.Random(7)

    async def one() -> None:
        while time.perf_counter() < deadline:
            elapsed, _ = await timed(client, rng.choice(makers)(rng.randrange(10_000)))
            latencies.append(elapsed)

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(CLIENTS)))
    return latencies, len(latencies) / (time.perf_counter() - started)


async def run(contacts_url: str, token: str, dsn: str) -> list[str]:
    """Every scenario once; returns the printable table."""
    samples = await Samples.load(dsn)
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(
        base_url=contacts_url, headers=headers, timeout=60, trust_env=False, limits=limits
    ) as client:
        await define_fields(client)
        plan = scenarios(samples)
        for make in plan.values():  # warm caches and prepared statements
            await timed(client, make(0))
        lines = [f"search and lists over {samples.total:,} contacts (sequential requests)", HEADER]
        for name, make in plan.items():
            latencies, rows = await sequential(client, make)
            lines.append(row(name, latencies, rows))
        latencies, rows = await deep_pages(client, {"sort": "last_name"})
        lines.append(row("deep pages, sort=last_name (x200)", latencies, rows))
        latencies, rows = await deep_pages(
            client, {"lifecycle_stage": "lead", "sort": "-updated_at"}
        )
        lines.append(row("deep pages, stage + -updated_at", latencies, rows))
        latencies, rate = await mixed(client, list(plan.values()))
        lines.append(
            row(f"mixed, {CLIENTS} concurrent clients", latencies, 0.0) + f"  {rate:.0f} req/s"
        )
    return lines


def main() -> None:
    """`python -m bench.scale.search`: measure against a running contacts service."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="the contacts service's base URL")
    parser.add_argument("--token", required=True, help="a bearer token (admin)")
    parser.add_argument("--dsn", required=True, help="asyncpg DSN of its database")
    args = parser.parse_args()
    print("\n".join(asyncio.run(run(args.url, args.token, args.dsn))))


if __name__ == "__main__":
    main()
