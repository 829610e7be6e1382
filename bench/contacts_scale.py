"""Contacts at scale, in one run on a stack of its own: import, duplicates, search.

    python -m bench.contacts_scale [--contacts 1000000] [--import-rows 100000]

Starts embedded PostgreSQL, Tansu and one contacts service process (no gateway), then:
(a) imports `--import-rows` contacts from a CSV through the API (bench.scale.imports),
(b) seeds the database up to `--contacts` contacts (bench.scale.dataset),
(c) scans all of them for duplicates (bench.scale.duplicates),
(d) measures search and list latency (bench.scale.search),
and prints every figure in one report at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import secrets
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg

from bench.scale import dataset
from crm_cli.stack import EmbeddedInfra, Ports, StackConfig
from crm_cli.stack.supervisor import Supervisor
from crm_shared.auth import issue_token


async def part(module: str, call: Callable[[Any], Awaitable[list[str]]]) -> list[str]:
    """Run one part; a part that fails says so in the report (the other parts still run)
    and the run exits non-zero. Its lines are printed at once, and kept for the report."""
    try:
        lines = await call(importlib.import_module(module))
    except Exception as exc:
        FAILED.append(module)
        lines = [f"{module}: FAILED: {exc!r}"]
    print("\n".join(lines), flush=True)
    return lines


FAILED: list[str] = []


async def seed_up_to(dsn: str, contacts: int) -> list[str]:
    """Seed until the database holds `contacts` live contacts."""
    conn = await asyncpg.connect(dsn)
    try:
        present = await conn.fetchval("SELECT count(*) FROM contacts WHERE NOT erased")
    finally:
        await conn.close()
    missing = contacts - present
    if missing <= 0:
        return [f"dataset: {present:,} contacts present, nothing to seed"]
    lines: list[str] = []
    started = time.perf_counter()
    await dataset.seed(dsn, missing, report=lambda line: lines.append(f"  {line}"))
    elapsed = time.perf_counter() - started
    return [f"dataset: seeded {missing:,} contacts (to {contacts:,}) in {elapsed:.1f} s", *lines]


async def main(contacts: int, import_rows: int, keep: bool) -> None:
    """Bring the stack up, run the four parts in order, print the report."""
    os.environ.setdefault("CRM_LOG_LEVEL", "WARNING")
    data_dir = Path(tempfile.mkdtemp(prefix="crm-scale-"))
    ports = Ports.free()
    config = StackConfig(
        data_dir=data_dir,
        ports=ports,
        jwt_secret=secrets.token_urlsafe(48),
        admin_email="bench@crm.local",
        admin_password=secrets.token_urlsafe(16),
        log_level="WARNING",
        services=("contacts",),
    )
    infra = EmbeddedInfra(data_dir, kafka_port=ports.kafka)
    report: list[str] = []
    await infra.start()
    try:
        url = await infra.create_database("contacts")
        dsn = infra.dsn("contacts")
        supervisor = Supervisor(
            config, kafka_bootstrap=infra.kafka_bootstrap, database_urls={"contacts": url}
        )
        await supervisor.start()
        try:
            service = supervisor["contacts"]
            token = issue_token(
                config.jwt_secret, subject="bench", email=None, roles=["admin"], ttl_seconds=86400
            )
            base = service.url
            report += await part(
                "bench.scale.imports", lambda m: m.run(base, token, import_rows, pid=service.pid)
            )
            seeded = await seed_up_to(dsn, contacts)
            print("\n".join(seeded), flush=True)
            report += seeded
            report += await part("bench.scale.duplicates", lambda m: m.run(base, token))
            report += await part("bench.scale.search", lambda m: m.run(base, token, dsn))
        finally:
            await supervisor.stop()
    finally:
        await infra.stop()
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(f"\nContacts at scale ({os.cpu_count()} CPUs, data in {data_dir})\n")
    print("\n".join(report))
    if FAILED:
        raise SystemExit(f"failed parts: {', '.join(FAILED)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()
    asyncio.run(main(args.contacts, args.import_rows, args.keep))
