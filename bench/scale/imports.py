"""CSV import of many contacts: rows per second, total time and the service's memory.

    python -m bench.scale.imports [--rows 100000]

starts a stack of its own (embedded PostgreSQL and Tansu) and prints the figures; `run`
does the measurement against any contacts service. The CSV is generated while it is
uploaded (chunked, never built in memory), straight to the contacts service, then the
import is polled until it completes. Memory is the service process' resident set, read
from /proc: its growth from before the upload to the peak seen while importing (sampled
at every poll, and the kernel's high-water mark VmHWM), which stays flat if rows are
streamed and batched rather than held.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from crm_cli.stack import EmbeddedInfra, Ports, Stack, StackConfig
from crm_shared.auth import issue_token

HEADER = "first_name,last_name,email,phone,title,company,lifecycle_stage,tags\n"
FIRST = ("Ada", "Grace", "Alan", "Katherine", "Dorothy", "Mary", "Edsger", "Barbara", "Ken")
LAST = ("Lovelace", "Hopper", "Turing", "Johnson", "Vaughan", "Jackson", "Dijkstra", "Liskov")
TITLES = ("CEO", "CTO", "VP Sales", "Account Executive", "Data Analyst", "Founder")
STAGES = ("subscriber", "lead", "marketing_qualified_lead", "customer", "")
TAGS = ("", "vip", "newsletter;events", "partner")
CHUNK_ROWS = 2_000
CONTACTS_PER_COMPANY = 20


def _row(i: int, run: str) -> str:
    first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
    company = f"Bench {run} {i // CONTACTS_PER_COMPANY}"
    return (
        f"{first},{last},{first.lower()}.{i}.{run}@bench.example,+1 555 {i % 10_000:04d},"
        f"{TITLES[i % len(TITLES)]},{company},{STAGES[i % len(STAGES)]},{TAGS[i % len(TAGS)]}\n"
    )


async def generate_csv(rows: int, run: str) -> AsyncIterator[bytes]:
    """The CSV, a chunk of CHUNK_ROWS rows at a time."""
    yield HEADER.encode()
    for start in range(0, rows, CHUNK_ROWS):
        chunk = "".join(_row(i, run) for i in range(start, min(start + CHUNK_ROWS, rows)))
        yield chunk.encode()
        await asyncio.sleep(0)


def cpu_seconds(pid: int | None) -> float:
    """User plus system CPU time process `pid` has used so far (0 without a pid)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_kib(pid: int | None) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of process `pid`, in KiB; empty without a pid."""
    if pid is None:
        return {}
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return values


async def run(
    contacts_url: str, token: str, rows: int = 100_000, pid: int | None = None
) -> list[str]:
    """Import `rows` generated contacts into the service at `contacts_url`; report lines.

    `pid` is the contacts service's process, for its memory figures.
    """
    run_id = uuid.uuid4().hex[:8]
    before = memory_kib(pid)
    cpu_before = cpu_seconds(pid)
    peak_rss = before.get("VmRSS", 0)
    async with httpx.AsyncClient(
        base_url=contacts_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=httpx.Timeout(30.0, read=600.0),
        trust_env=False,
    ) as client:
        started = time.perf_counter()
        response = await client.post(
            "/api/v1/contacts/imports",
            params={"dedup": "skip", "filename": f"bench-{run_id}.csv"},
            content=generate_csv(rows, run_id),
            headers={"Content-Type": "text/csv"},
        )
        response.raise_for_status()
        uploaded = time.perf_counter() - started
        location = response.headers["location"]
        job: dict[str, Any] = response.json()
        while job["status"] in ("queued", "running"):
            await asyncio.sleep(0.25)
            peak_rss = max(peak_rss, memory_kib(pid).get("VmRSS", 0))
            job = (await client.get(location)).json()
        elapsed = time.perf_counter() - started
    after = memory_kib(pid)
    cpu = cpu_seconds(pid) - cpu_before
    counts = job["counts"]
    lines = [
        f"CSV import of {rows:,} contacts: {job['status']}, {counts['created']:,} created,"
        f" {counts['failed']:,} failed",
        f"  total {elapsed:.1f} s ({rows / elapsed:,.0f} rows/s); upload and staging"
        f" {uploaded:.1f} s",
    ]
    if before:
        growth = (peak_rss - before["VmRSS"]) / 1024
        hwm = (after["VmHWM"] - before["VmHWM"]) / 1024
        lines.append(
            f"  contacts service memory: RSS {before['VmRSS'] / 1024:.0f} MiB before,"
            f" peak growth {growth:.0f} MiB while importing (VmHWM +{hwm:.0f} MiB);"
            f" its CPU {cpu:.1f} s (relaying the events included)"
        )
    return lines


async def main(rows: int) -> None:
    os.environ.setdefault("CRM_LOG_LEVEL", "WARNING")
    data_dir = Path(tempfile.mkdtemp(prefix="crm-bench-import-"))
    ports = Ports.free()
    config = StackConfig(
        data_dir=data_dir,
        ports=ports,
        jwt_secret=secrets.token_urlsafe(48),
        admin_email="bench@crm.local",
        admin_password=secrets.token_urlsafe(16),
        log_level="WARNING",
    )
    async with Stack(config, EmbeddedInfra(data_dir, kafka_port=ports.kafka)) as stack:
        token = issue_token(config.jwt_secret, subject="bench", email=None, roles=["admin"])
        lines = await run(stack.service_urls["contacts"], token, rows, stack.pid("contacts"))
    print("\n".join(lines))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    asyncio.run(main(parser.parse_args().rows))
