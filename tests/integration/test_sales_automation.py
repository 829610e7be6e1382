"""Automation rules in the sales service, in-process against the session's PostgreSQL and
broker: CRUD with versions, roles and 422s naming the field; a deal entering a rule's
stage gets exactly one task even when its event comes again; rules of other stages and
inactive rules do nothing; an idle lead goes to another rep exactly once, a touched one
stays, and one nobody else can take is left (and recorded) once."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from support.kafka import KafkaEvents
from test_sales_leads import LEAD_TOPIC, LEADS, SalesApp, _assert_problem, _locs, running_sales_app

from crm_cli.stack import Infra
from crm_sales.adapters.automation_idle import reassign_idle_leads
from crm_sales.events.automation import react_to_deal
from crm_shared.events import Envelope
from crm_shared.inbox import HANDLED

RULES = "/api/v1/automation-rules"
PIPELINES = "/api/v1/pipelines"
DEALS = "/api/v1/deals"
ACTIVITIES = "/api/v1/activities"
DEAL_TOPIC = "crm.sales.deal"
ACTIVITY_TOPIC = "crm.sales.activity"
PROSPECTING = "5a1e5000-0000-4000-8000-000000000010"
REP_ID = str(uuid.uuid4())


@pytest.fixture(scope="module")
async def service(infra: Infra) -> AsyncIterator[SalesApp]:
    # The tests run the idle-lead pass themselves: the scheduler's own pass waits an hour.
    previous = os.environ.get("SALES_AUTOMATION_POLL_SECONDS")
    os.environ["SALES_AUTOMATION_POLL_SECONDS"] = "3600"
    try:
        async with running_sales_app(infra) as running:
            yield running
    finally:
        if previous is None:
            os.environ.pop("SALES_AUTOMATION_POLL_SECONDS", None)
        else:
            os.environ["SALES_AUTOMATION_POLL_SECONDS"] = previous


@pytest.fixture
async def rep(service: SalesApp) -> AsyncIterator[httpx.AsyncClient]:
    async with service.client("sales", subject=REP_ID) as client:
        yield client


@pytest.fixture
async def manager(service: SalesApp) -> AsyncIterator[httpx.AsyncClient]:
    async with service.client("manager", subject="boss-automation") as client:
        yield client


def _stage_rule(stage_id: str, *, subject: str = "Send the proposal", **fields: Any) -> Any:
    action = {"type": "create_task", "subject": subject, "due_in_days": 2}
    trigger = {"type": "deal.stage_entered", "stage_id": stage_id}
    return {"name": f"On {subject}", "trigger": trigger, "action": action, **fields}


async def _add_rule(client: httpx.AsyncClient, body: Any) -> dict[str, Any]:
    made = await client.post(RULES, json=body)
    assert made.status_code == 201, made.text
    return dict(made.json())


async def _pipeline(manager: httpx.AsyncClient) -> dict[str, str]:
    stages = [
        {"name": "Intro", "kind": "open", "probability": 10},
        {"name": "Demo", "kind": "open", "probability": 40},
        {"name": "Offer", "kind": "open", "probability": 70},
        {"name": "Signed", "kind": "won"},
        {"name": "Dropped", "kind": "lost"},
    ]
    name = f"Automation {uuid.uuid4().hex[:6]}"
    made = await manager.post(PIPELINES, json={"name": name, "stages": stages})
    assert made.status_code == 201, made.text
    return {"id": made.json()["id"]} | {s["name"]: s["id"] for s in made.json()["stages"]}


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


async def _runs(client: httpx.AsyncClient, rule: dict[str, Any]) -> list[dict[str, Any]]:
    page = await client.get(f"{RULES}/{rule['id']}/runs")
    assert page.status_code == 200, page.text
    return list(page.json()["items"])


# --- the rules themselves -----------------------------------------------------------------


async def test_crud_with_versions_pages_and_roles(
    service: SalesApp, rep: httpx.AsyncClient, manager: httpx.AsyncClient
) -> None:
    rule = await _add_rule(manager, _stage_rule(PROSPECTING))
    assert rule["version"] == 1
    assert rule["active"] is True
    assert rule["trigger"] == {"type": "deal.stage_entered", "stage_id": PROSPECTING}
    assert rule["action"]["notes"] is None
    got = await rep.get(f"{RULES}/{rule['id']}")
    assert (got.json(), got.headers["ETag"]) == (rule, '"1"')

    stale = await manager.patch(
        f"{RULES}/{rule['id']}", json={"active": False}, headers={"If-Match": "7"}
    )
    _assert_problem(stale, 412)
    patched = await manager.patch(
        f"{RULES}/{rule['id']}",
        json={"active": False, "action": {"subject": "Call them", "notes": "today"}},
        headers={"If-Match": "1"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["version"] == 2
    assert patched.json()["active"] is False
    assert patched.json()["action"] == {
        "type": "create_task",
        "subject": "Call them",
        "notes": "today",
        "due_in_days": 2,
    }
    same = await manager.patch(f"{RULES}/{rule['id']}", json={"active": False})
    assert same.json()["version"] == 2  # no change, no new version

    other = await _add_rule(
        manager,
        {
            "name": "Idle",
            "trigger": {"type": "lead.untouched", "days": 30},
            "action": {"type": "reassign"},
            "active": False,
        },
    )
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 1}
    while True:
        page = (await rep.get(RULES, params=params)).json()
        seen += [item["id"] for item in page["items"]]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    assert seen.index(rule["id"]) < seen.index(other["id"])

    _assert_problem(await rep.post(RULES, json=_stage_rule(PROSPECTING)), 403)
    _assert_problem(await rep.patch(f"{RULES}/{rule['id']}", json={"name": "x"}), 403)
    _assert_problem(await rep.delete(f"{RULES}/{rule['id']}"), 403)
    async with service.client("marketing") as marketing:
        assert (await marketing.get(f"{RULES}/{rule['id']}/runs")).status_code == 200
    async with service.client() as anonymous:
        _assert_problem(await anonymous.get(RULES), 401)

    for made in (rule, other):
        gone = await manager.delete(f"{RULES}/{made['id']}")
        assert gone.status_code == 204
        _assert_problem(await rep.get(f"{RULES}/{made['id']}"), 404)


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (
            {
                "name": "x",
                "trigger": {"type": "deal.stage_entered", "stage_id": PROSPECTING},
                "action": {"type": "reassign"},
            },
            ["body", "action"],
        ),
        (
            {
                "name": "x",
                "trigger": {"type": "lead.untouched", "days": 3},
                "action": {"type": "create_task", "subject": "s"},
            },
            ["body", "action"],
        ),
        (_stage_rule(str(uuid.uuid4())), ["body", "trigger", "stage_id"]),
        (
            {
                "name": "x",
                "trigger": {"type": "lead.untouched", "days": 0},
                "action": {"type": "reassign"},
            },
            ["body", "trigger", "lead.untouched", "days"],
        ),
        (
            _stage_rule(PROSPECTING)
            | {"action": {"type": "create_task", "subject": "s", "due_in_days": 400}},
            ["body", "action", "create_task", "due_in_days"],
        ),
        (
            {"name": "x", "trigger": {"type": "deal.closed"}, "action": {"type": "reassign"}},
            ["body", "trigger"],
        ),
    ],
)
async def test_bad_rules_are_422_naming_the_field(
    manager: httpx.AsyncClient, body: Any, loc: list[str]
) -> None:
    problem = _assert_problem(await manager.post(RULES, json=body), 422)
    assert loc in _locs(problem), problem


async def test_a_patch_must_leave_a_valid_rule(manager: httpx.AsyncClient) -> None:
    rule = await _add_rule(manager, _stage_rule(PROSPECTING, active=False))
    path = f"{RULES}/{rule['id']}"
    # Merge patch: the old trigger's stage_id stays unless the patch drops it.
    half = await manager.patch(path, json={"trigger": {"type": "lead.untouched", "days": 3}})
    _assert_problem(half, 422)
    ghost = await manager.patch(path, json={"trigger": {"stage_id": str(uuid.uuid4())}})
    assert ["body", "trigger", "stage_id"] in _locs(_assert_problem(ghost, 422))
    swapped = await manager.patch(
        path,
        json={
            "trigger": {"type": "lead.untouched", "days": 3, "stage_id": None},
            "action": {"type": "reassign", "subject": None, "notes": None, "due_in_days": None},
        },
    )
    assert swapped.status_code == 200, swapped.text
    assert swapped.json()["trigger"] == {"type": "lead.untouched", "days": 3}
    assert (await manager.delete(path)).status_code == 204


# --- deals entering a stage -----------------------------------------------------------------


async def test_a_deal_entering_the_stage_gets_exactly_one_task(
    infra: Infra,
    service: SalesApp,
    rep: httpx.AsyncClient,
    manager: httpx.AsyncClient,
    kafka_events: KafkaEvents,
) -> None:
    stages = await _pipeline(manager)
    on_demo = await _add_rule(manager, _stage_rule(stages["Demo"], subject="Book the demo"))
    on_offer = await _add_rule(manager, _stage_rule(stages["Offer"], subject="Offer"))
    asleep = await _add_rule(manager, _stage_rule(stages["Demo"], subject="Sleeping", active=False))
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
    [run] = await _runs(rep, on_demo)
    assert (run["outcome"], run["deal_id"], run["activity_id"]) == (
        "task_created",
        deal["id"],
        task["id"],
    )
    assert await _runs(rep, on_offer) == []  # another stage
    assert await _runs(rep, asleep) == []  # inactive

    # The same event again: through Kafka (the inbox drops it), then straight to the
    # handler (the run's unique key drops it). Still one task.
    entered = await deal_events.one(
        lambda e: e["subject"] == deal["id"] and e["type"] == f"{DEAL_TOPIC}.stage_changed"
    )
    assert run["event_id"] == entered["id"]
    duplicates = HANDLED.labels(DEAL_TOPIC, "duplicate")
    before = duplicates._value.get()
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        await producer.send_and_wait(
            DEAL_TOPIC, json.dumps(entered).encode(), key=deal["id"].encode()
        )
    finally:
        await producer.stop()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while duplicates._value.get() < before + 1:
        assert loop.time() < deadline, "the redelivered event was never seen"
        await asyncio.sleep(0.1)
    async with service.app.state.db.sessions() as session, session.begin():
        await react_to_deal(session, Envelope.model_validate(entered))
    assert len(await _tasks(rep, deal["id"])) == 1
    assert len(await _runs(rep, on_demo)) == 1


async def test_a_deal_created_in_the_stage_or_won_into_it_gets_one_task(
    rep: httpx.AsyncClient, manager: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    stages = await _pipeline(manager)
    on_intro = await _add_rule(manager, _stage_rule(stages["Intro"], subject="Qualify"))
    on_signed = await _add_rule(manager, _stage_rule(stages["Signed"], subject="Kick off"))
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
    assert [r["deal_id"] for r in await _runs(rep, on_signed)] == [won.json()["id"]]
    assert [r["deal_id"] for r in await _runs(rep, on_intro)] == [fresh.json()["id"]]


# --- idle leads -----------------------------------------------------------------------------


async def _sales_rep(manager: httpx.AsyncClient) -> str:
    user_id = str(uuid.uuid4())
    made = await manager.post(f"{LEADS}/sales-reps", json={"user_id": user_id})
    assert made.status_code == 201, made.text
    return user_id


async def _lead(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    made = await client.post(LEADS, json={"first_name": "Idle", **fields})
    assert made.status_code == 201, made.text
    return dict(made.json())


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
    first, second = await _sales_rep(manager), await _sales_rep(manager)
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
    idle_rule = await _add_rule(
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
    runs = await _runs(rep, idle_rule)
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
    owner = await _sales_rep(manager)
    idle_rule = await _add_rule(
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
    [run] = await _runs(rep, idle_rule)
    assert (run["outcome"], run["lead_id"], run["to_owner_id"]) == ("skipped", lonely["id"], None)
    assert (await manager.delete(f"{RULES}/{idle_rule['id']}")).status_code == 204
