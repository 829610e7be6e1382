"""A service app running in-process on a fresh database of its own, migrated by the
service's own `python -m crm_<service> migrate`, against the session's real broker."""

from __future__ import annotations

import asyncio
import importlib
import os
import secrets
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from alembic.script import ScriptDirectory
from fastapi import FastAPI
from pydantic import SecretStr

from crm_cli.stack import Infra
from crm_shared.auth import issue_token
from crm_shared.settings import ServiceSettings


@dataclass
class ServiceApp:
    """A running service app and what a test needs to talk to it."""

    app: FastAPI
    settings: ServiceSettings
    dsn: str

    def client(self, *roles: str, subject: str | None = None) -> httpx.AsyncClient:
        """An in-process client; with `roles`, it carries a token holding them."""
        headers = {}
        if roles:
            token = issue_token(
                self.settings.jwt_key(),
                subject=subject or f"user-{roles[0]}",
                email=None,
                roles=roles,
            )
            headers["Authorization"] = f"Bearer {token}"
        transport = httpx.ASGITransport(app=self.app)
        base_url = f"http://{self.settings.service_name}"
        return httpx.AsyncClient(transport=transport, base_url=base_url, headers=headers)


ROOT = Path(__file__).resolve().parents[2]


def alembic_head(service: str) -> str:
    """The newest revision of `service`'s migrations (what `migrate` brings a database to)."""
    folder = ROOT / ("gateway" if service == "gateway" else f"services/{service}") / "alembic"
    head = ScriptDirectory(str(folder)).get_current_head()
    assert head is not None
    return head


async def migrate(service: str, database_url: str) -> None:
    """Run `python -m crm_<service> migrate` against `database_url`; fail on a bad exit."""
    env = {
        **os.environ,
        f"{service.upper()}_DATABASE_URL": database_url,
        "CRM_JWT_SECRET": "migrate-only",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        f"crm_{service}",
        "migrate",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, output.decode(errors="replace")


@asynccontextmanager
async def running_service_app(infra: Infra, service: str) -> AsyncIterator[ServiceApp]:
    """A fresh database migrated by the service itself, and the service's app on it with
    its lifespan (broker, outbox relay, consumers) running."""
    name = f"{service}_it_{uuid.uuid4().hex[:10]}"
    url = await infra.create_database(name)
    await migrate(service, url)
    settings = ServiceSettings(
        service_name=service,
        port=0,
        database_url=url,
        kafka_bootstrap_servers=infra.kafka_bootstrap,
        jwt_secret=SecretStr(secrets.token_urlsafe(32)),
        kafka_rebalance_timeout_ms=500,
        db_pool_size=5,
        # Not the session stack's group: it would take some of our partitions.
        kafka_group_prefix=f"{name}.",
        # In-process: the session's OTLP receiver belongs to the stack's processes.
        otel_endpoint=None,
    )
    app: FastAPI = importlib.import_module(f"crm_{service}.app").create_app(settings)
    async with app.router.lifespan_context(app):
        yield ServiceApp(app, settings, infra.dsn(name))
