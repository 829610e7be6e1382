"""POST /leads/{id}/assign in the sales service, in-process against the session's
PostgreSQL and broker: a chosen rep, the rules again, If-Match, roles, converted leads,
bad owners, and the `assigned` events an independent reader sees."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import update
from support.kafka import KafkaEvents
from support.sales import (
    LEAD_TOPIC,
    LEADS,
    SalesApp,
    add_sales_rep,
    assert_problem,
    create,
    sales_app_fixture,
    user_fixture,
)

from crm_sales.adapters.lead_tables import leads

ASSIGNED = "crm.sales.lead.assigned"


service = sales_app_fixture()
rep = user_fixture("sales", subject="rep-assign")
manager = user_fixture("manager", subject="boss-assign")


async def _lead(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    # A country no rule of another test covers: the lead starts without an owner.
    body = {"first_name": "Ada", "country": "IS", **fields}
    lead = await create(client, LEADS, body)
    assert lead["owner_id"] is None
    return lead


def _assign(
    client: httpx.AsyncClient, lead: dict[str, Any], body: Any = None, **headers: str
) -> Any:
    return client.post(f"{LEADS}/{lead['id']}/assign", json=body, headers=headers)


async def test_a_chosen_rep_gets_the_lead_once(
    rep: httpx.AsyncClient, manager: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    reader = await kafka_events(LEAD_TOPIC)
    owner = await add_sales_rep(manager, active=True)
    lead = await _lead(rep)

    assigned = await _assign(rep, lead, {"owner_id": owner}, **{"If-Match": '"1"'})
    assert assigned.status_code == 200, assigned.text
    assert (assigned.json()["owner_id"], assigned.json()["version"]) == (owner, 2)
    assert assigned.headers["ETag"] == '"2"'
    again = await _assign(rep, lead, {"owner_id": owner})
    assert (again.status_code, again.json()["version"]) == (200, 2)
    assert_problem(await _assign(rep, lead, {"owner_id": owner}, **{"If-Match": "1"}), 412)

    event = await reader.one(lambda e: e["subject"] == lead["id"] and e["type"] == ASSIGNED)
    assert event["data"]["assignment"] == {"method": "manual"}
    assert (event["data"]["owner_id"], event["data"]["changed"]) == (owner, ["owner_id"])
    assert event["sequence"] == 2

    def changes(e: dict[str, Any]) -> bool:
        return bool(e["subject"] == lead["id"] and e["type"] != f"{LEAD_TOPIC}.created")

    await reader.none_within(changes, seconds=1.0)
    assert len(reader.events(changes)) == 1
    stored = (await rep.get(f"{LEADS}/{lead['id']}")).json()
    assert (stored["owner_id"], stored["version"]) == (owner, 2)


async def test_an_owner_must_be_an_active_sales_rep(
    rep: httpx.AsyncClient, manager: httpx.AsyncClient
) -> None:
    lead = await _lead(rep)
    inactive = await add_sales_rep(manager, active=False)
    for owner in (inactive, str(uuid.uuid4()), "not-a-uuid"):
        body = assert_problem(await _assign(rep, lead, {"owner_id": owner}), 422)
        assert [e["loc"] for e in body["errors"]] == [["body", "owner_id"]], body
    body = assert_problem(await _assign(rep, lead, {"owner": str(uuid.uuid4())}), 422)
    assert ["body", "owner"] in [e["loc"] for e in body["errors"]]
    assert (await rep.get(f"{LEADS}/{lead['id']}")).json()["version"] == lead["version"]


async def test_without_an_owner_the_rules_choose(
    rep: httpx.AsyncClient, manager: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    lead = await _lead(rep, country="NZ")
    nobody = assert_problem(await _assign(rep, lead, {}), 409)
    assert nobody["type"].endswith("no-assignee")

    owner = await add_sales_rep(manager, active=True)
    rule = {"name": "Kiwis", "method": "round_robin", "countries": ["NZ"], "user_ids": [owner]}
    made = await manager.post(f"{LEADS}/assignment-rules", json=rule)
    assert made.status_code == 201, made.text
    reader = await kafka_events(LEAD_TOPIC)
    # No body at all is the same as {}.
    assigned = await rep.post(f"{LEADS}/{lead['id']}/assign")
    assert assigned.status_code == 200, assigned.text
    assert (assigned.json()["owner_id"], assigned.json()["version"]) == (owner, 2)
    event = await reader.one(lambda e: e["subject"] == lead["id"] and e["type"] == ASSIGNED)
    assert event["data"]["assignment"] == {
        "rule_id": made.json()["id"],
        "rule": "Kiwis",
        "method": "round_robin",
    }


async def test_roles_missing_and_converted_leads(
    service: SalesApp, rep: httpx.AsyncClient, manager: httpx.AsyncClient
) -> None:
    owner = await add_sales_rep(manager, active=True)
    lead = await _lead(rep)
    for role in ("marketing", "analyst"):
        async with service.client(role) as other:
            assert_problem(await _assign(other, lead, {"owner_id": owner}), 403)
    async with service.client() as anonymous:
        assert_problem(await _assign(anonymous, lead, {"owner_id": owner}), 401)
    missing = {"id": str(uuid.uuid4())}
    assert_problem(await _assign(rep, missing, {"owner_id": owner}), 404)

    async with service.app.state.db.sessions() as session, session.begin():
        converted = update(leads).where(leads.c.id == uuid.UUID(lead["id"]))
        await session.execute(converted.values(status="converted"))
    body = assert_problem(await _assign(manager, lead, {"owner_id": owner}), 409)
    assert body["type"].endswith("lead-converted")
    assert (await rep.get(f"{LEADS}/{lead['id']}")).json()["owner_id"] is None
