"""Latency of the pipeline board list and of the forecast, against a running sales service
with deals in its database (see bench.sales_scale, which starts one and seeds it)."""

from __future__ import annotations

import time
from typing import Any

import asyncpg
import httpx

from bench.scale.search import percentile

DEFAULT_PIPELINE = "5a1e5000-0000-4000-8000-000000000001"
REQUESTS = 200
AIMS = {"list": 50.0, "forecast": 200.0}


def line(name: str, latencies: list[float], aim: str) -> str:
    """One report line: p50, p95, p99 in milliseconds, marked when over its aim."""
    p50, p95, p99 = (percentile(latencies, q) for q in (0.5, 0.95, 0.99))
    mark = "" if p95 < AIMS[aim] else "  (over aim)"
    return f"{name:<44} {len(latencies):>4} {p50:>7.1f} {p95:>7.1f} {p99:>7.1f}{mark}"


async def timed(client: httpx.AsyncClient, path: str, params: dict[str, str]) -> tuple[float, Any]:
    """One GET: its latency and its JSON body (raises on an error status)."""
    started = time.perf_counter()
    response = await client.get(path, params=params)
    elapsed = time.perf_counter() - started
    response.raise_for_status()
    return elapsed, response.json()


async def board(client: httpx.AsyncClient, params: dict[str, str]) -> list[float]:
    """REQUESTS pages of a list, following next_cursor (from the start again at the end)."""
    latencies, cursor = [], None
    for _ in range(REQUESTS):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        elapsed, body = await timed(client, "/api/v1/deals", query)
        latencies.append(elapsed)
        cursor = body["next_cursor"]
    return latencies


async def repeated(
    client: httpx.AsyncClient, path: str, params: dict[str, str], n: int
) -> list[float]:
    """`n` identical requests' latencies."""
    return [(await timed(client, path, params))[0] for _ in range(n)]


async def measure(client: httpx.AsyncClient, dsn: str) -> list[str]:
    """Every scenario once; the printable table."""
    conn = await asyncpg.connect(dsn)
    try:
        owner = str(await conn.fetchval("SELECT owner_id FROM deals LIMIT 1"))
        total = await conn.fetchval("SELECT count(*) FROM deals")
    finally:
        await conn.close()
    pipeline = {"pipeline_id": DEFAULT_PIPELINE}
    quarter = {"period": "2026-Q4"}
    for path, params in (("/api/v1/deals", pipeline), ("/api/v1/forecast", quarter)):
        await repeated(client, path, params, 5)  # warm caches and prepared statements
    head = f"{'scenario':<44} {'n':>4} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}"
    return [
        f"pipelines and forecast over {total:,} deals (sequential requests)",
        head,
        line("board: pipeline, 50 a page, by cursor", await board(client, pipeline), "list"),
        line(
            "board: pipeline, 200 a page, by cursor",
            await board(client, {**pipeline, "limit": "200"}),
            "list",
        ),
        line(
            "board: pipeline + status=open, by cursor",
            await board(client, {**pipeline, "status": "open"}),
            "list",
        ),
        line(
            "forecast: 2026-Q4, every owner",
            await repeated(client, "/api/v1/forecast", quarter, 50),
            "forecast",
        ),
        line(
            "forecast: 2026-Q4, one owner",
            await repeated(client, "/api/v1/forecast", {**quarter, "owner_id": owner}, 50),
            "forecast",
        ),
        line(
            "forecast: 2026-11, every owner",
            await repeated(client, "/api/v1/forecast", {"period": "2026-11"}, 50),
            "forecast",
        ),
    ]
