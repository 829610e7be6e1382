"""Deal-stage automation rules in the sales service, in-process against the session's
PostgreSQL and broker: a deal entering a rule's stage (moved, created in it, or won into
it) gets exactly one task even when its event comes again; rules of other stages and
inactive rules do nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from support.kafka import KafkaEvents
from support.sales import (
    ACTIVITIES,
    ACTIVITY_TOPIC,
    DEAL_TOPIC,
    DEALS,
    PIPELINES,
    SalesApp,
    create,
    publish,
    sales_app_fixture,
    user_fixture,
)
from support.sales_automation import SLOW_AUTOMATION_POLL, add_rule, rule_runs, stage_rule

from crm_cli.stack import Infra
from crm_sales.events.automation import react_to_deal
from crm_shared.events import Envelope
from crm_shared.inbox import HANDLED

REP_ID = str(uuid.uuid4())

service = sales_app_fixture(env=SLOW_AUTOMATION_POLL)
rep = user_fixture("sales", subject=REP_ID)
manager = user_fixture("manager", subject="boss-automation")


async def _pipeline(manager: httpx.AsyncClient) -> dict[str, str]:
    stages = [
        {"name": "Intro", "kind": "open", "probability": 10},
        {"name": "Demo", "kind": "open", "probability": 40},
        {"name": "Offer", "kind": "open", "probability": 70},
        {"name": "Signed", "kind": "won"},
        {"name": "Dropped", "kind": "lost"},
    ]
    name = f"Automation {uuid.uuid4().hex[:6]}"
    made = await create(manager, PIPELINES, {"name": name, "stages": stages})
    return {"id": made["id"]} | {s["name"]: s["id"] for s in made["stages"]}


async def _tasks(client: httpx.AsyncClient, deal_id: str) -> list[dict[str, Any]]:
    page = await client.get(ACTIVITIES, params={"deal_id": deal_id})
    assert page.status_code == 200, page.text
    return list(page.json()["items"])


async def _wait_tasks(client: httpx.AsyncClient, deal_id: str, count: int) -> list[Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while len(tasks := await _tasks(client, deal_id)) < count:
        assert loop.time() < deadline, f"expected {count} task(s), saw {tasks}"
        await asyncio.sleep(0.2)
    return tasks


async def test_a_deal_entering_the_stage_gets_exactly_one_task(
    infra: Infra,
    service: SalesApp,
    rep: httpx.AsyncClient,
    manager: httpx.AsyncClient,
    kafka_events: KafkaEvents,
) -> None:
    stages = await _pipeline(manager)
    on_demo = await add_rule(manager, stage_rule(stages["Demo"], subject="Book the demo"))
    on_offer = await add_rule(manager, stage_rule(stages["Offer"], subject="Offer"))
    asleep = await add_rule(manager, stage_rule(stages["Demo"], subject="Sleeping", active=False))
    deal_events = await kafka_events(DEAL_TOPIC)
    activity_events = await kafka_events(ACTIVITY_TOPIC)

    made = await rep.post(
        DEALS,
        json={"name": "Rules", "amount": "10.00", "currency": "EUR", "pipeline_id": stages["id"]},
    )
    assert made.status_code == 201, made.text
    deal = made.json()
    moved = await rep.patch(
        f"{DEALS}/{deal['id']}", json={"stage_id": stages["Demo"]}, headers={"If-Match": "1"}
    )
    assert moved.status_code == 200, moved.text

    [task] = await _wait_tasks(rep, deal["id"], 1)
    assert (task["kind"], task["subject"], task["owner_id"]) == ("task", "Book the demo", REP_ID)
    assert task["completed"] is False
    due = datetime.fromisoformat(task["due_at"]) - datetime.now(UTC)
    assert timedelta(days=1, hours=23) < due <= timedelta(days=2)
    created = await activity_events.one(lambda e: e["subject"] == task["id"])
    assert created["type"] == f"{ACTIVITY_TOPIC}.created"
    assert created["actor"] == f"automation-rule:{on_demo['id']}"
    [run] = await rule_runs(rep, on_demo)
    assert (run["outcome"], run["deal_id"], run["activity_id"]) == (
        "task_created",
        deal["id"],
        task["id"],
    )
    assert await rule_runs(rep, on_offer) == []  # another stage
    assert await rule_runs(rep, asleep) == []  # inactive

    # The same event again: through Kafka (the inbox drops it), then straight to the
    # handler (the run's unique key drops it). Still one task.
    entered = await deal_events.one(
        lambda e: e["subject"] == deal["id"] and e["type"] == f"{DEAL_TOPIC}.stage_changed"
    )
    assert run["event_id"] == entered["id"]
    duplicates = HANDLED.labels(DEAL_TOPIC, "duplicate")
    before = duplicates._value.get()
    await publish(infra.kafka_bootstrap, DEAL_TOPIC, entered, key=deal["id"])
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while duplicates._value.get() < before + 1:
        assert loop.time() < deadline, "the redelivered event was never seen"
        await asyncio.sleep(0.1)
    async with service.app.state.db.sessions() as session, session.begin():
        await react_to_deal(session, Envelope.model_validate(entered))
    assert len(await _tasks(rep, deal["id"])) == 1
    assert len(await rule_runs(rep, on_demo)) == 1


async def test_a_deal_created_in_the_stage_or_won_into_it_gets_one_task(
    rep: httpx.AsyncClient, manager: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    stages = await _pipeline(manager)
    on_intro = await add_rule(manager, stage_rule(stages["Intro"], subject="Qualify"))
    on_signed = await add_rule(manager, stage_rule(stages["Signed"], subject="Kick off"))
    deal_events = await kafka_events(DEAL_TOPIC)
    fresh = await rep.post(
        DEALS,
        json={"name": "New", "amount": "1.00", "currency": "EUR", "pipeline_id": stages["id"]},
    )
    won = await rep.post(
        DEALS,
        json={
            "name": "Won",
            "amount": "1.00",
            "currency": "EUR",
            "pipeline_id": stages["id"],
            "status": "won",
        },
    )
    assert (fresh.status_code, won.status_code) == (201, 201), won.text
    [qualify] = await _wait_tasks(rep, fresh.json()["id"], 1)
    assert qualify["subject"] == "Qualify"
    [kick_off] = await _wait_tasks(rep, won.json()["id"], 1)
    assert kick_off["subject"] == "Kick off"
    # `created` (in the won stage) then `won`: both handled in order, one task.
    await deal_events.collect(lambda e: e["subject"] == won.json()["id"], count=2)
    await asyncio.sleep(1)
    assert len(await _tasks(rep, won.json()["id"])) == 1
    assert [r["deal_id"] for r in await rule_runs(rep, on_signed)] == [won.json()["id"]]
    assert [r["deal_id"] for r in await rule_runs(rep, on_intro)] == [fresh.json()["id"]]
