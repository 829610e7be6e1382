"""The skeleton services (marketing, contracts): each migrates a fresh database and
serves the service defaults from crm_shared. (Sales has grown its own tests.)"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid

import asyncpg
import httpx
import pytest
from support.service_app import alembic_head

from crm_cli.stack import Infra, Stack

# What DESIGN §4 says each one will publish; compared with the AsyncAPI document it serves.
SKELETON_TOPICS: dict[str, set[str]] = {
    "marketing": {"crm.marketing.campaign", "crm.marketing.engagement"},
    "contracts": {"crm.contracts.contract"},
}
SKELETONS = tuple(SKELETON_TOPICS)
INFRA_TABLES = {"outbox", "processed_events", "idempotency_keys"}
PROBLEM_JSON = "application/problem+json"


async def _migrate(name: str, database_url: str) -> tuple[int, str]:
    """Run `python -m crm_<name> migrate` against `database_url`; (exit code, output)."""
    env = {
        **os.environ,
        f"{name.upper()}_DATABASE_URL": database_url,
        "CRM_JWT_SECRET": "skeleton-tests-" + uuid.uuid4().hex,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        f"crm_{name}",
        "migrate",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, output.decode(errors="replace")


@pytest.fixture(scope="module")
async def fresh_databases(infra: Infra) -> dict[str, str]:
    """One brand-new database per skeleton, migrated once; service name -> database name."""
    databases = {name: f"skeleton_{name}_{uuid.uuid4().hex[:8]}" for name in SKELETONS}
    urls = {name: await infra.create_database(db) for name, db in databases.items()}
    results = await asyncio.gather(*(_migrate(name, urls[name]) for name in SKELETONS))
    for name, (code, output) in zip(SKELETONS, results, strict=True):
        assert code == 0, f"{name}: migrate exited with {code}\n{output}"
    return databases


async def _schema(dsn: str) -> tuple[str | None, set[str], set[str]]:
    """(alembic head, public tables, triggers on outbox) of one database."""
    conn = await asyncpg.connect(dsn)
    try:
        head = await conn.fetchval("SELECT version_num FROM alembic_version")
        tables = {
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")
        }
        triggers = {
            r["tgname"]
            for r in await conn.fetch(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'outbox'::regclass"
                " AND NOT tgisinternal"
            )
        }
    finally:
        await conn.close()
    return head, tables, triggers


@pytest.mark.parametrize("name", SKELETONS)
async def test_migrate_creates_the_infra_tables_on_a_fresh_database(
    infra: Infra, fresh_databases: dict[str, str], name: str
) -> None:
    head, tables, triggers = await _schema(infra.dsn(fresh_databases[name]))

    assert head == alembic_head(name)
    assert tables == INFRA_TABLES | {"alembic_version"}
    assert "crm_outbox_notify" in triggers  # wakes the outbox relay on commit


@pytest.mark.parametrize("name", SKELETONS)
async def test_migrating_again_changes_nothing(
    infra: Infra, fresh_databases: dict[str, str], name: str
) -> None:
    dsn = infra.dsn(fresh_databases[name])
    before = await _schema(dsn)

    code, output = await _migrate(name, infra.database_url(fresh_databases[name]))

    assert code == 0, output
    assert await _schema(dsn) == before


@pytest.mark.parametrize("name", SKELETONS)
async def test_healthz_and_readyz_answer_ok(stack: Stack, name: str) -> None:
    async with httpx.AsyncClient(base_url=stack.service_urls[name], trust_env=False) as client:
        health = await client.get("/healthz")
        ready = await client.get("/readyz")

    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}


@pytest.mark.parametrize("name", SKELETONS)
async def test_asyncapi_lists_the_topics_it_will_publish(stack: Stack, name: str) -> None:
    async with httpx.AsyncClient(base_url=stack.service_urls[name], trust_env=False) as client:
        response = await client.get("/asyncapi.json")

    assert response.status_code == 200
    document = response.json()
    assert document["asyncapi"].startswith("3.")
    assert document["info"]["title"] == f"CRM {name}"
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == SKELETON_TOPICS[name]


@pytest.mark.parametrize("name", SKELETONS)
async def test_unknown_route_is_a_problem_json_404(stack: Stack, name: str) -> None:
    async with httpx.AsyncClient(base_url=stack.service_urls[name], trust_env=False) as client:
        response = await client.get(f"/no-such-route/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["status"] == 404
    assert body["title"] == "Not Found"
    assert "traceback" not in response.text.lower()
    assert response.headers.get("x-request-id")
