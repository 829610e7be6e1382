"""Closed- and open-loop HTTP load with latency percentiles (aiohttp: a light client)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp


@dataclass
class Result:
    """What one scenario measured."""

    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    elapsed: float = 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def row(self) -> str:
        return (
            f"{self.name:<34} {self.rate:>9.0f} {self.percentile(0.50):>8.1f} "
            f"{self.percentile(0.99):>8.1f} {self.errors:>7}"
        )


HEADER = f"{'scenario':<34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
Body = Callable[[int], dict[str, Any]]


async def closed_loop(
    name: str, url: str, headers: dict[str, str], body: Body, *, total: int, concurrency: int
) -> Result:
    """`concurrency` clients, each sending its next request when the last one answered."""
    result = Result(name)
    counter = iter(range(total))
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def client() -> None:
            for i in counter:
                started = time.perf_counter()
                async with session.post(url, json=body(i)) as response:
                    await response.read()
                    if response.status != 201:
                        result.errors += 1
                        continue
                result.latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        result.elapsed = time.perf_counter() - started
    return result


async def open_loop(
    name: str, url: str, headers: dict[str, str], body: Body, *, rate: float, seconds: float
) -> Result:
    """Requests started at a steady `rate` per second, whatever the answers' speed."""
    result = Result(name)
    async with aiohttp.ClientSession(headers=headers) as session:

        async def one(i: int) -> None:
            started = time.perf_counter()
            async with session.post(url, json=body(i)) as response:
                await response.read()
                if response.status != 201:
                    result.errors += 1
                    return
            result.latencies.append(time.perf_counter() - started)

        tasks = []
        started = time.perf_counter()
        for i in range(int(rate * seconds)):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
        result.elapsed = time.perf_counter() - started
    return result
