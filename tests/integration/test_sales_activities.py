"""Activities in the sales service, in-process against the session's PostgreSQL and
broker: CRUD, completion, targets, filters and pages, roles, events, and the overdue
scheduler announcing each overdue activity exactly once with two replicas on one DB."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from support.kafka import KafkaEvents
from support.sales import (
    ACTIVITIES,
    ACTIVITY_TOPIC,
    SalesApp,
    assert_problem,
    create,
    sales_app_fixture,
    user_fixture,
)

from crm_cli.stack import Infra
from crm_sales.app import create_app

REP_ID = str(uuid.uuid4())

# A long poll: only the two-replica test below wants the scheduler to run often.
service = sales_app_fixture(env={"SALES_OVERDUE_POLL_SECONDS": "3600"})
rep = user_fixture("sales", subject=REP_ID)


def _soon(hours: float) -> str:
    return (datetime.now(UTC) + timedelta(hours=hours)).isoformat()


async def _log(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"kind": "call", "subject": "Intro call", "contact_id": str(uuid.uuid4()), **fields}
    return await create(client, ACTIVITIES, body)


async def _patch(client: httpx.AsyncClient, item: dict[str, Any], body: Any) -> httpx.Response:
    return await client.patch(
        f"{ACTIVITIES}/{item['id']}", json=body, headers={"If-Match": str(item["version"])}
    )


async def test_log_read_complete_reopen_delete(rep: httpx.AsyncClient) -> None:
    item = await _log(rep, kind="task", subject="Send deck", due_at=_soon(24), notes="v2")
    assert item["owner_id"] == REP_ID
    assert item["completed"] is False
    assert item["version"] == 1
    got = await rep.get(f"{ACTIVITIES}/{item['id']}")
    assert got.json() == item
    assert got.headers["ETag"] == '"1"'

    done = await _patch(rep, item, {"completed": True})
    assert done.status_code == 200, done.text
    assert done.json()["completed"] is True
    assert done.json()["completed_at"] is not None
    assert done.json()["version"] == 2
    assert done.json()["notes"] == "v2"

    stale = await _patch(rep, item, {"subject": "Late"})
    assert stale.status_code == 412
    reopened = await _patch(rep, done.json(), {"completed": False, "notes": None})
    assert reopened.json()["completed_at"] is None
    assert reopened.json()["notes"] is None

    gone = await rep.delete(f"{ACTIVITIES}/{item['id']}", headers={"If-Match": "3"})
    assert gone.status_code == 204
    assert (await rep.get(f"{ACTIVITIES}/{item['id']}")).status_code == 404


async def test_targets_must_be_exactly_one_and_exist(rep: httpx.AsyncClient) -> None:
    two = await rep.post(
        ACTIVITIES,
        json={
            "kind": "call",
            "subject": "x",
            "contact_id": str(uuid.uuid4()),
            "deal_id": str(uuid.uuid4()),
        },
    )
    assert assert_problem(two, 422)["errors"][0]["loc"] in (
        ["body", "deal_id"],
        ["body", "contact_id"],
    )
    none = await rep.post(ACTIVITIES, json={"kind": "call", "subject": "x"})
    assert_problem(none, 422)
    ghost = await rep.post(
        ACTIVITIES, json={"kind": "email", "subject": "x", "lead_id": str(uuid.uuid4())}
    )
    assert ["body", "lead_id"] in [e["loc"] for e in assert_problem(ghost, 422)["errors"]]
    bad_kind = await rep.post(
        ACTIVITIES, json={"kind": "fax", "subject": "x", "contact_id": str(uuid.uuid4())}
    )
    assert_problem(bad_kind, 422)
    naive = await rep.post(
        ACTIVITIES,
        json={
            "kind": "task",
            "subject": "x",
            "contact_id": str(uuid.uuid4()),
            "due_at": "2030-01-01T10:00:00",
        },
    )
    assert ["body", "due_at"] in [e["loc"] for e in assert_problem(naive, 422)["errors"]]


async def test_logged_against_a_real_deal(rep: httpx.AsyncClient) -> None:
    deal = await rep.post(
        "/api/v1/deals", json={"name": "Big", "amount": "10.00", "currency": "EUR"}
    )
    item = await _log(rep, contact_id=None, deal_id=deal.json()["id"])
    page = await rep.get(ACTIVITIES, params={"deal_id": deal.json()["id"]})
    assert [a["id"] for a in page.json()["items"]] == [item["id"]]


async def test_filters_and_pages(service: SalesApp) -> None:
    owner = str(uuid.uuid4())
    async with service.client("sales", subject=owner) as client:
        late = await _log(client, kind="task", due_at=_soon(-2))
        later = await _log(client, kind="meeting", due_at=_soon(48))
        done = await _log(client, kind="task", due_at=_soon(-3), completed=True)
        free = await _log(client, kind="email")

        async def ids(**params: Any) -> list[str]:
            response = await client.get(ACTIVITIES, params={"owner_id": owner, **params})
            assert response.status_code == 200, response.text
            return [a["id"] for a in response.json()["items"]]

        assert await ids() == [late["id"], later["id"], done["id"], free["id"]]
        assert await ids(overdue="true") == [late["id"]]
        assert await ids(status="completed") == [done["id"]]
        assert await ids(status="open", kind="task") == [late["id"]]
        assert await ids(**{"due_at.gte": _soon(-2.5), "due_at.lte": _soon(100)}) == [
            late["id"],
            later["id"],
        ]
        bad = await client.get(ACTIVITIES, params={"due_at.gte": _soon(1), "due_at.lte": _soon(0)})
        assert_problem(bad, 422)

        seen: list[str] = []
        cursor = None
        while True:
            params = {"owner_id": owner, "limit": 3, **({"cursor": cursor} if cursor else {})}
            page = (await client.get(ACTIVITIES, params=params)).json()
            seen += [a["id"] for a in page["items"]]
            if not (cursor := page["next_cursor"]):
                break
        assert seen == await ids()
        assert (await client.get(ACTIVITIES, params={"cursor": "nope"})).status_code == 400


async def test_roles(service: SalesApp, rep: httpx.AsyncClient) -> None:
    item = await _log(rep)
    async with service.client("marketing") as marketing:
        assert (await marketing.get(f"{ACTIVITIES}/{item['id']}")).status_code == 200
        denied = await marketing.post(
            ACTIVITIES, json={"kind": "call", "subject": "x", "contact_id": str(uuid.uuid4())}
        )
        assert denied.status_code == 403
    async with service.client() as anonymous:
        assert (await anonymous.get(ACTIVITIES)).status_code == 401


async def test_events(rep: httpx.AsyncClient, kafka_events: KafkaEvents) -> None:
    reader = await kafka_events(ACTIVITY_TOPIC)
    item = await _log(rep, due_at=_soon(5))
    item = (await _patch(rep, item, {"subject": "Renamed"})).json()
    item = (await _patch(rep, item, {"completed": True})).json()
    await rep.delete(f"{ACTIVITIES}/{item['id']}", headers={"If-Match": str(item["version"])})
    events = await reader.collect(lambda e: e["subject"] == item["id"], count=4)
    assert [e["type"] for e in events] == [
        f"{ACTIVITY_TOPIC}.created",
        f"{ACTIVITY_TOPIC}.updated",
        f"{ACTIVITY_TOPIC}.completed",
        f"{ACTIVITY_TOPIC}.deleted",
    ]
    assert [e["data"]["version"] for e in events] == [1, 2, 3, 4]
    assert events[1]["data"]["changed"] == ["subject"]


async def test_overdue_once_with_two_replicas(
    service: SalesApp, infra: Infra, kafka_events: KafkaEvents, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = await kafka_events(ACTIVITY_TOPIC)
    monkeypatch.setenv("SALES_OVERDUE_POLL_SECONDS", "0.05")
    monkeypatch.setenv("SALES_OVERDUE_BATCH", "3")
    conn = await asyncpg.connect(service.dsn)
    try:
        # Due in the past, logged while no fast scheduler runs; one not due, one done.
        async with service.client("sales", subject=REP_ID) as client:
            due = [(await _log(client, due_at=_soon(-1)))["id"] for _ in range(25)]
            future = await _log(client, due_at=_soon(1))
            finished = await _log(client, due_at=_soon(-1), completed=True)
        async with AsyncExitStack() as replicas:
            for _ in range(2):
                app = create_app(service.settings)
                await replicas.enter_async_context(app.router.lifespan_context(app))
            for _ in range(200):
                pending = await conn.fetchval(
                    "SELECT count(*) FROM activities WHERE id = ANY($1::uuid[])"
                    " AND overdue_notified_at IS NULL",
                    due,
                )
                if pending == 0:
                    break
                await asyncio.sleep(0.05)
            assert pending == 0
            await asyncio.sleep(0.5)  # more passes, which must find nothing left
        overdue = await reader.collect(
            lambda e: e["type"] == f"{ACTIVITY_TOPIC}.overdue", count=len(due)
        )
        await reader.none_within(lambda e: e["type"] == f"{ACTIVITY_TOPIC}.overdue", seconds=1.5)
        subjects = [
            e["subject"] for e in reader.events(lambda e: e["type"] == f"{ACTIVITY_TOPIC}.overdue")
        ]
        # Exactly once each (earlier tests' overdue activities are announced here too).
        assert len(subjects) == len(set(subjects))
        assert set(due) <= set(subjects)
        assert not {future["id"], finished["id"]} & set(subjects)
        assert overdue[0]["data"]["overdue_notified_at"] is not None
        for item in (future, finished):
            row = await conn.fetchrow(
                "SELECT overdue_notified_at FROM activities WHERE id = $1", uuid.UUID(item["id"])
            )
            assert row is not None
            assert row["overdue_notified_at"] is None
    finally:
        await conn.close()


async def test_new_due_date_rearms_overdue(service: SalesApp, rep: httpx.AsyncClient) -> None:
    from crm_sales.adapters.activity_overdue import notify_overdue

    item = await _log(rep, due_at=_soon(-1))
    db = service.app.state.db
    assert await notify_overdue(db, now=datetime.now(UTC), batch=50) >= 1
    item = (await rep.get(f"{ACTIVITIES}/{item['id']}")).json()
    assert item["overdue_notified_at"] is not None
    assert await notify_overdue(db, now=datetime.now(UTC), batch=50) == 0
    moved = (await _patch(rep, item, {"due_at": _soon(-0.5)})).json()
    assert moved["overdue_notified_at"] is None
    assert await notify_overdue(db, now=datetime.now(UTC), batch=50) == 1
