"""Pipelines and the forecast over many deals, on a stack of its own.

    nice python -m bench.sales_scale [--deals 100000]

Starts embedded PostgreSQL, Tansu and one sales service process (no gateway), adds two
pipelines through the API, seeds `--deals` deals with COPY (bench.sales_seed), then
measures, one request at a time (latency, not throughput):
- the pipeline board list: `GET /deals?pipeline_id=<default>` first pages, and pages
  followed by cursor deep into the list (aim: p95 under 50 ms);
- the forecast of a quarter, for everyone and for one owner (aim: under 200 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import shutil
import tempfile
import time
from pathlib import Path

import httpx

from bench import sales_seed
from bench.sales_measure import measure
from crm_cli.stack import EmbeddedInfra, Ports, StackConfig
from crm_cli.stack.supervisor import Supervisor
from crm_shared.auth import issue_token


async def add_pipelines(client: httpx.AsyncClient) -> None:
    """Two more pipelines, so the board list has others' deals to skip."""
    for name in ("Partners", "Renewals"):
        stages = [
            {"name": "Intro", "kind": "open", "probability": 20},
            {"name": "Offer", "kind": "open", "probability": 60},
            {"name": "Signed", "kind": "won"},
            {"name": "Dropped", "kind": "lost"},
        ]
        response = await client.post("/api/v1/pipelines", json={"name": name, "stages": stages})
        response.raise_for_status()


async def main(deals: int, keep: bool) -> None:
    """Bring the sales service up, seed, measure, print the report."""
    os.environ.setdefault("CRM_LOG_LEVEL", "WARNING")
    data_dir = Path(tempfile.mkdtemp(prefix="crm-sales-scale-"))
    ports = Ports.free()
    secret = secrets.token_urlsafe(48)
    config = StackConfig(
        data_dir=data_dir, ports=ports, jwt_secret=secret, admin_email="bench@crm.local",
        admin_password=secrets.token_urlsafe(16), log_level="WARNING", services=("sales",),
    )  # fmt: skip
    infra = EmbeddedInfra(data_dir, kafka_port=ports.kafka)
    await infra.start()
    try:
        url = await infra.create_database("sales")
        supervisor = Supervisor(
            config, kafka_bootstrap=infra.kafka_bootstrap, database_urls={"sales": url}
        )
        await supervisor.start()
        try:
            token = issue_token(
                secret, subject="bench", email=None, roles=["admin"], ttl_seconds=86400
            )
            async with httpx.AsyncClient(
                base_url=supervisor["sales"].url, headers={"Authorization": f"Bearer {token}"},
                timeout=60, trust_env=False,
            ) as client:  # fmt: skip
                await add_pipelines(client)
                started = time.perf_counter()
                await sales_seed.seed(infra.dsn("sales"), deals)
                seeded = (
                    f"seeded {deals:,} deals with COPY in {time.perf_counter() - started:.1f} s"
                )
                report = [seeded, *await measure(client, infra.dsn("sales"))]
        finally:
            await supervisor.stop()
    finally:
        await infra.stop()
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(f"\nSales at scale ({os.cpu_count()} CPUs)\n")
    print("\n".join(report))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args()
    asyncio.run(main(args.deals, args.keep))
