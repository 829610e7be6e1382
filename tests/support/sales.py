"""What the sales service's tests share: its routes, topics and fixed ids, the in-process
app with the `service` and user client fixtures each test module declares for itself,
problem+json checks, and CloudEvents built and published as another service would."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from crm_cli.stack import Infra
from support.service_app import ServiceApp, running_service_app

PROBLEM_JSON = "application/problem+json"
LEADS = "/api/v1/leads"
DEALS = "/api/v1/deals"
PIPELINES = "/api/v1/pipelines"
ACTIVITIES = "/api/v1/activities"
LEAD_TOPIC = "crm.sales.lead"
DEAL_TOPIC = "crm.sales.deal"
ACTIVITY_TOPIC = "crm.sales.activity"
# The default pipeline and its stages (fixed ids, services/sales migration 0002).
DEFAULT_PIPELINE = "5a1e5000-0000-4000-8000-000000000001"
PROSPECTING = "5a1e5000-0000-4000-8000-000000000010"
NEGOTIATION = "5a1e5000-0000-4000-8000-000000000075"
CLOSED_WON = "5a1e5000-0000-4000-8000-000000000100"
CLOSED_LOST = "5a1e5000-0000-4000-8000-000000000200"

SalesApp = ServiceApp


def running_sales_app(infra: Infra) -> AbstractAsyncContextManager[ServiceApp]:
    """A fresh database migrated by `python -m crm_sales migrate`, and the app on it."""
    return running_service_app(infra, "sales")


def sales_app_fixture(
    *, wait_for_broker: bool = False, env: Mapping[str, str] | None = None
) -> Any:
    """A module-scoped `service` fixture (`service = sales_app_fixture()` in the test
    module): each module gets its own database and app. `env` is set while the app runs
    (e.g. a scheduler's poll); with `wait_for_broker`, the consumers have joined first."""

    @pytest.fixture(scope="module")
    async def service(infra: Infra) -> AsyncIterator[SalesApp]:
        with pytest.MonkeyPatch.context() as patch:
            for name, value in (env or {}).items():
                patch.setenv(name, value)
            async with running_sales_app(infra) as running:
                if wait_for_broker:
                    await asyncio.wait_for(running.app.state.broker_connected.wait(), 120)
                yield running

    return service


def user_fixture(role: str, subject: str | None = None) -> Any:
    """A client fixture of the module's `service` for a user holding `role`, known as
    `subject` (a new random user for each test without one)."""

    @pytest.fixture
    async def user(service: SalesApp) -> AsyncIterator[httpx.AsyncClient]:
        async with service.client(role, subject=subject or str(uuid.uuid4())) as client:
            yield client

    return user


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The problem+json body of an answer with `status` (and no traceback in it)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = dict(response.json())
    assert body["status"] == status
    assert "traceback" not in response.text.lower()
    return body


def locs(problem: dict[str, Any]) -> list[list[Any]]:
    """The `loc` of each field error in a problem."""
    return [error["loc"] for error in problem.get("errors", [])]


async def create(client: httpx.AsyncClient, path: str, body: Any) -> dict[str, Any]:
    """POST `body` to `path`; it must be a 201: the resource made."""
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def cloud_event(
    event_type: str,
    data: dict[str, Any],
    *,
    source: str,
    subject: str | None = None,
    time: str = "2026-01-01T00:00:00Z",
    **attributes: Any,
) -> dict[str, Any]:
    """A structured-mode CloudEvent with a new id (a new subject unless one is given)."""
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source,
        "type": event_type,
        "subject": subject or str(uuid.uuid4()),
        "time": time,
        **attributes,
        "data": data,
    }


async def publish(
    bootstrap: str,
    topic: str,
    *events: dict[str, Any],
    key: str | None = None,
    content_type: bool = False,
) -> None:
    """Publish `events` on `topic` as JSON, in order, keyed by `key` or each one's
    subject; with `content_type`, marked `application/cloudevents+json`."""
    headers = [("content-type", b"application/cloudevents+json")] if content_type else None
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(
                topic,
                json.dumps(event).encode(),
                key=(key or event["subject"]).encode(),
                headers=headers,
            )
    finally:
        await producer.stop()


async def add_sales_rep(manager: httpx.AsyncClient, **fields: Any) -> str:
    """A new user made a sales rep (by a manager): the user's id."""
    user_id = str(uuid.uuid4())
    await create(manager, f"{LEADS}/sales-reps", {"user_id": user_id, **fields})
    return user_id


async def create_deal(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    """A new deal of 1000.00 EUR (unless `fields` say otherwise)."""
    body = {"name": f"Deal {uuid.uuid4().hex[:6]}", "amount": "1000.00", "currency": "EUR"}
    return await create(client, DEALS, {**body, **fields})


async def patch_deal(
    client: httpx.AsyncClient, deal: dict[str, Any], body: dict[str, Any]
) -> httpx.Response:
    """PATCH `deal` with `body`, If-Match its version."""
    return await client.patch(
        f"{DEALS}/{deal['id']}", json=body, headers={"If-Match": str(deal["version"])}
    )


def stage_specs(*specs: tuple[str, str, int | None]) -> list[dict[str, Any]]:
    """A pipeline's `stages` body from (name, kind, probability or None) triples."""
    return [
        {"name": name, "kind": kind, **({"probability": p} if p is not None else {})}
        for name, kind, p in specs
    ]
