"""Idle-lead automation rules in the sales service, in-process against the session's
PostgreSQL and broker: an idle lead goes to another rep exactly once per idle spell (two
replicas passing at once), a worked or closed one stays, and one nobody else can take is
left (and recorded) once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from support.kafka import KafkaEvents
from support.sales import (
    ACTIVITIES,
    LEAD_TOPIC,
    LEADS,
    SalesApp,
    add_sales_rep,
    create,
    sales_app_fixture,
    user_fixture,
)
from support.sales_automation import RULES, SLOW_AUTOMATION_POLL, add_rule, rule_runs

from crm_sales.adapters.automation_idle import reassign_idle_leads

REP_ID = str(uuid.uuid4())

service = sales_app_fixture(env=SLOW_AUTOMATION_POLL)
rep = user_fixture("sales", subject=REP_ID)
manager = user_fixture("manager", subject="boss-automation")


async def _lead(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    return await create(client, LEADS, {"first_name": "Idle", **fields})


async def _idle(service: SalesApp, *leads: dict[str, Any], days: int = 5) -> None:
    """Nobody worked these leads for `days` days."""
    connection = await asyncpg.connect(service.dsn)
    try:
        await connection.execute(
            "UPDATE leads SET touched_at = now() - make_interval(days => $2) WHERE id = ANY($1)",
            [uuid.UUID(lead["id"]) for lead in leads],
            days,
        )
    finally:
        await connection.close()


async def _pass(service: SalesApp) -> int:
    return await reassign_idle_leads(service.app.state.db, now=datetime.now(UTC), batch=2)


async def _owner_and_version(client: httpx.AsyncClient, lead: dict[str, Any]) -> tuple[Any, ...]:
    got = (await client.get(f"{LEADS}/{lead['id']}")).json()
    return got["owner_id"], got["version"]


async def test_an_idle_lead_goes_to_another_rep_once_per_idle_spell(
    service: SalesApp,
    rep: httpx.AsyncClient,
    manager: httpx.AsyncClient,
    kafka_events: KafkaEvents,
) -> None:
    first, second = await add_sales_rep(manager), await add_sales_rep(manager)
    team = await manager.post(
        f"{LEADS}/assignment-rules",
        json={
            "name": "DE team",
            "method": "round_robin",
            "countries": ["DE"],
            "user_ids": [first, second],
        },
    )
    assert team.status_code == 201, team.text
    idle_rule = await add_rule(
        manager,
        {
            "name": "Idle 3 days",
            "trigger": {"type": "lead.untouched", "days": 3},
            "action": {"type": "reassign"},
        },
    )
    lead_events = await kafka_events(LEAD_TOPIC)
    idle = await _lead(rep, country="DE", owner_id=first)
    worked = await _lead(rep, country="DE", owner_id=first)
    qualified = await _lead(rep, country="DE", owner_id=first)
    fresh = await _lead(rep, country="DE", owner_id=first)
    done = await rep.patch(
        f"{LEADS}/{qualified['id']}", json={"status": "qualified"}, headers={"If-Match": "1"}
    )
    assert done.status_code == 200, done.text
    await _idle(service, idle, worked, qualified)
    call = {"kind": "call", "subject": "Checked in", "lead_id": worked["id"]}
    assert (await rep.post(ACTIVITIES, json=call)).status_code == 201  # works the lead

    # Two replicas at once: the idle lead moves once.
    await asyncio.gather(_pass(service), _pass(service))
    assert await _owner_and_version(rep, idle) == (second, 2)
    assert await _owner_and_version(rep, worked) == (first, 1)
    assert await _owner_and_version(rep, qualified) == (first, 2)
    assert await _owner_and_version(rep, fresh) == (first, 1)
    assigned = await lead_events.one(
        lambda e: e["subject"] == idle["id"] and e["type"] == f"{LEAD_TOPIC}.assigned"
    )
    assert assigned["data"]["automation"]["rule_id"] == idle_rule["id"]
    assert assigned["data"]["assignment"]["rule_id"] == team.json()["id"]
    assert assigned["actor"] == f"automation-rule:{idle_rule['id']}"

    # Reassigning touched it: the next pass leaves it alone...
    await _pass(service)
    assert await _owner_and_version(rep, idle) == (second, 2)
    # ...until it is idle again, and then it goes back to the other rep.
    await _idle(service, idle)
    await _pass(service)
    assert await _owner_and_version(rep, idle) == (first, 3)
    runs = await rule_runs(rep, idle_rule)
    assert [(r["lead_id"], r["from_owner_id"], r["to_owner_id"]) for r in runs] == [
        (idle["id"], first, second),
        (idle["id"], second, first),
    ]
    assert (
        await manager.delete(f"{LEADS}/assignment-rules/{team.json()['id']}")
    ).status_code == 204
    assert (await manager.delete(f"{RULES}/{idle_rule['id']}")).status_code == 204


async def test_an_idle_lead_nobody_else_can_take_is_left_once(
    service: SalesApp, rep: httpx.AsyncClient, manager: httpx.AsyncClient
) -> None:
    owner = await add_sales_rep(manager)
    idle_rule = await add_rule(
        manager,
        {
            "name": "Idle week",
            "trigger": {"type": "lead.untouched", "days": 7},
            "action": {"type": "reassign"},
        },
    )
    # No assignment rule covers Iceland: nobody else to give it to.
    lonely = await _lead(rep, country="IS", owner_id=owner)
    await _idle(service, lonely, days=8)
    await _pass(service)
    await _pass(service)
    assert await _owner_and_version(rep, lonely) == (owner, 1)
    [run] = await rule_runs(rep, idle_rule)
    assert (run["outcome"], run["lead_id"], run["to_owner_id"]) == ("skipped", lonely["id"], None)
    assert (await manager.delete(f"{RULES}/{idle_rule['id']}")).status_code == 204
