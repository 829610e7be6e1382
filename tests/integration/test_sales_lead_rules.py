"""Lead configuration as data: fit scoring rules (with rescoring inline or in the
background), sales reps, and assignment rules (fair round-robin under concurrency,
territories)."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import httpx
import pytest
from support.kafka import KafkaEvents
from support.sales import (
    LEAD_TOPIC,
    LEADS,
    SalesApp,
    assert_problem,
    create,
    locs,
    sales_app_fixture,
    user_fixture,
)

from crm_sales.adapters import rescoring_worker

RULES = f"{LEADS}/scoring-rules"
REPS = f"{LEADS}/sales-reps"
ASSIGNMENT = f"{LEADS}/assignment-rules"


service = sales_app_fixture()
rep = user_fixture("sales", subject="rep-2")
manager = user_fixture("manager", subject="boss-2")


async def _lead(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    return await create(client, LEADS, {"last_name": "Lamarr", **fields})


async def _score(client: httpx.AsyncClient, lead: dict[str, Any]) -> int:
    return int((await client.get(f"{LEADS}/{lead['id']}")).json()["score"])


# --- fit scoring ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "loc"),
    [
        ({"field": "country", "operator": "contains", "value": "D", "points": 1}, "operator"),
        ({"field": "title", "operator": "gte", "value": 3, "points": 1}, "operator"),
        ({"field": "company_size", "operator": "gte", "value": "big", "points": 1}, "value"),
        ({"field": "company_size", "operator": "in", "value": 50, "points": 1}, "value"),
        ({"field": "country", "operator": "equals", "value": "Germany", "points": 1}, "value"),
        ({"field": "title", "operator": "in", "value": [], "points": 1}, "value"),
        ({"field": "title", "operator": "equals", "value": " ", "points": 1}, "value"),
        ({"field": "title", "operator": "equals", "value": "CTO", "points": 5000}, "points"),
        ({"field": "email", "operator": "equals", "value": "x", "points": 1}, "field"),
        ({"field": "title", "operator": "equals", "value": "CTO"}, "points"),
    ],
)
async def test_a_rule_that_does_not_fit_its_field_is_a_422(
    manager: httpx.AsyncClient, rule: dict[str, Any], loc: str
) -> None:
    problem = assert_problem(await manager.post(RULES, json=rule), 422)
    assert ["body", loc] in locs(problem)


async def test_rules_score_leads_and_every_change_rescores_them(
    rep: httpx.AsyncClient, manager: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    reader = await kafka_events(LEAD_TOPIC)
    source = f"fair-{uuid.uuid4().hex[:8]}"
    fit = await _lead(rep, title="Chief Technology Officer", country="DE", source=source)
    unfit = await _lead(rep, title="Intern", country="BR", source=source, company_size=3)
    created = [
        await create(
            manager,
            RULES,
            {"field": "title", "operator": "contains", "value": " chief ", "points": 20},
        ),
        await create(
            manager,
            RULES,
            {"field": "country", "operator": "in", "value": ["de", "AT", "ch"], "points": 10},
        ),
        await create(
            manager,
            RULES,
            {"field": "source", "operator": "equals", "value": source.upper(), "points": 5},
        ),
        await create(
            manager, RULES, {"field": "company_size", "operator": "lte", "value": 10, "points": -15}
        ),
    ]
    try:
        assert created[0]["value"] == "chief"
        assert created[1]["value"] == ["AT", "CH", "DE"]
        assert (created[0]["version"], created[0]["active"]) == (1, True)
        # Small tables are rescored before the rule's answer arrives.
        assert await _score(rep, fit) == 35
        assert await _score(rep, unfit) == 5 - 15
        status = (await rep.get(f"{RULES}/status")).json()
        assert status["stale_leads"] == 0
        scored = await reader.collect(
            lambda e: e["subject"] == fit["id"] and e["type"].endswith(".scored"), count=3
        )
        assert [e["data"]["score"] for e in scored] == [20, 30, 35]
        assert scored[0]["data"]["changed"] == ["fit_score", "score"]
        assert scored[0]["data"]["cause"]["rules_version"] >= 2
        assert scored[-1]["sequence"] == 4

        # A new lead is scored when it is written; so is an edited one.
        later = await _lead(rep, title="chief of staff", country="at", source=source)
        assert (later["score"], later["fit_score"]) == (35, 35)
        patched = await rep.patch(f"{LEADS}/{later['id']}", json={"country": "US"})
        assert (patched.json()["score"], patched.json()["version"]) == (25, 2)

        url = f"{RULES}/{created[0]['id']}"
        stale = await manager.patch(url, json={"points": 1}, headers={"If-Match": "2"})
        assert_problem(stale, 412)
        changed = await manager.patch(url, json={"points": 1}, headers={"If-Match": "1"})
        assert (changed.json()["points"], changed.json()["version"]) == (1, 2)
        assert await _score(rep, fit) == 16
        off = await manager.patch(f"{RULES}/{created[1]['id']}", json={"active": False})
        assert off.json()["active"] is False
        assert await _score(rep, fit) == 6
        assert (await manager.delete(url, headers={"If-Match": "2"})).status_code == 204
        assert await _score(rep, fit) == 5
        assert_problem(await manager.get(url), 404)
    finally:
        for rule in created:
            await manager.delete(f"{RULES}/{rule['id']}")


async def test_big_backlogs_are_rescored_in_the_background(
    service: SalesApp,
    rep: httpx.AsyncClient,
    manager: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = f"bulk-{uuid.uuid4().hex[:8]}"
    leads = [await _lead(rep, source=source) for _ in range(5)]
    monkeypatch.setattr(rescoring_worker, "INLINE_LIMIT", 2)
    await rescoring_worker.stop_rescoring(service.app)  # hold the worker back for a moment
    rule = await create(
        manager, RULES, {"field": "source", "operator": "equals", "value": source, "points": 7}
    )
    try:
        # The answer came before any rescoring: nothing was done inline.
        assert [await _score(rep, lead) for lead in leads] == [0] * 5
        status = (await rep.get(f"{RULES}/status")).json()
        assert status["stale_leads"] >= 5
        await rescoring_worker.start_rescoring(service.app)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while (await rep.get(f"{RULES}/status")).json()["stale_leads"]:
            assert loop.time() < deadline, "the background rescoring never finished"
            await asyncio.sleep(0.1)
        assert [await _score(rep, lead) for lead in leads] == [7] * 5
    finally:
        await manager.delete(f"{RULES}/{rule['id']}")


# --- sales reps -------------------------------------------------------------------------


async def test_sales_reps_are_managed_by_managers(manager: httpx.AsyncClient) -> None:
    user_id = str(uuid.uuid4())
    created = await create(manager, REPS, {"user_id": user_id, "name": "Ann", "countries": ["de"]})
    assert (created["countries"], created["active"], created["version"]) == (["DE"], True, 1)
    again = assert_problem(await manager.post(REPS, json={"user_id": user_id}), 409)
    assert again["type"] == "urn:crm:problem:duplicate-sales-rep"
    url = f"{REPS}/{user_id}"
    patched = await manager.patch(url, json={"active": False}, headers={"If-Match": "1"})
    assert (patched.json()["active"], patched.json()["name"], patched.json()["version"]) == (
        False,
        "Ann",
        2,
    )
    inactive = (await manager.get(REPS, params={"active": "false", "limit": 200})).json()
    assert user_id in [r["user_id"] for r in inactive["items"]]
    bad = await manager.patch(url, json={"countries": ["Deutschland"]})
    assert ["body", "countries", 0] in locs(assert_problem(bad, 422))
    assert (await manager.delete(url, headers={"If-Match": "2"})).status_code == 204
    assert_problem(await manager.get(url), 404)


# --- assignment -------------------------------------------------------------------------


async def _reps(manager: httpx.AsyncClient, *territories: list[str]) -> list[str]:
    ids = sorted(str(uuid.uuid4()) for _ in territories)
    for user_id, countries in zip(ids, territories, strict=True):
        await create(manager, REPS, {"user_id": user_id, "countries": countries})
    return ids


async def test_round_robin_is_fair_under_concurrent_captures(
    rep: httpx.AsyncClient, manager: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    reader = await kafka_events(LEAD_TOPIC)
    team = await _reps(manager, [], [], [])
    rule = await create(
        manager,
        ASSIGNMENT,
        {"name": "NZ round robin", "method": "round_robin", "countries": ["nz"], "user_ids": team},
    )
    try:
        leads = await asyncio.gather(*(_lead(rep, country="NZ") for _ in range(9)))
        owners = Counter(lead["owner_id"] for lead in leads)
        assert owners == dict.fromkeys(team, 3)
        assert {lead["version"] for lead in leads} == {2}
        # Turns follow the user ids, wrapping around.
        last = (await manager.get(f"{ASSIGNMENT}/{rule['id']}")).json()["last_user_id"]
        following = await _lead(rep, country="NZ")
        assert following["owner_id"] == team[(team.index(last) + 1) % 3]
        assert (await _lead(rep, country="NZ", owner_id=team[0]))["version"] == 1
        assert (await _lead(rep, country="AU"))["owner_id"] is None

        first = leads[0]["id"]
        events = await reader.collect(lambda e: e["subject"] == first, count=2)
        assert [(e["type"], e["sequence"]) for e in events] == [
            ("crm.sales.lead.created", 1),
            ("crm.sales.lead.assigned", 2),
        ]
        assert events[0]["data"]["owner_id"] is None
        assert events[1]["data"]["changed"] == ["owner_id"]
        assert events[1]["data"]["assignment"] == {
            "rule_id": rule["id"],
            "rule": "NZ round robin",
            "method": "round_robin",
        }
    finally:
        await manager.delete(f"{ASSIGNMENT}/{rule['id']}")


async def test_territories_then_a_fallback_rule(
    rep: httpx.AsyncClient, manager: httpx.AsyncClient
) -> None:
    dach_a, dach_b, french = await _reps(manager, ["DE", "AT"], ["DE"], ["FR"])
    team = [dach_a, dach_b, french]
    territory = await create(
        manager,
        ASSIGNMENT,
        {"name": "territories", "method": "territory", "position": 1, "user_ids": team},
    )
    fallback = await create(
        manager,
        ASSIGNMENT,
        {"name": "the rest", "method": "round_robin", "position": 5, "user_ids": [french]},
    )
    try:
        listed = (await manager.get(ASSIGNMENT)).json()["items"]
        assert [r["id"] for r in listed] == [territory["id"], fallback["id"]]
        german = [(await _lead(rep, country="DE"))["owner_id"] for _ in range(4)]
        assert Counter(german) == {dach_a: 2, dach_b: 2}
        assert (await _lead(rep, country="AT"))["owner_id"] == dach_a
        assert (await _lead(rep, country="FR"))["owner_id"] == french
        assert (await _lead(rep, country="JP"))["owner_id"] == french  # the fallback
        assert (await _lead(rep))["owner_id"] == french

        await manager.patch(f"{REPS}/{dach_a}", json={"active": False})
        assert {(await _lead(rep, country="AT"))["owner_id"] for _ in range(2)} == {french}
        assert {(await _lead(rep, country="DE"))["owner_id"] for _ in range(2)} == {dach_b}
        await manager.patch(f"{ASSIGNMENT}/{fallback['id']}", json={"active": False})
        assert (await _lead(rep, country="JP"))["owner_id"] is None
    finally:
        for rule in (territory, fallback):
            await manager.delete(f"{ASSIGNMENT}/{rule['id']}")


async def test_bad_assignment_rules_are_422(manager: httpx.AsyncClient) -> None:
    for body, loc in [
        ({"name": "x", "method": "random"}, ["body", "method"]),
        ({"method": "territory"}, ["body", "name"]),
        ({"name": "x", "method": "territory", "countries": ["XYZ"]}, ["body", "countries", 0]),
        ({"name": "x", "method": "territory", "user_ids": ["bob"]}, ["body", "user_ids", 0]),
        ({"name": "x", "method": "territory", "position": -1}, ["body", "position"]),
    ]:
        problem = assert_problem(await manager.post(ASSIGNMENT, json=body), 422)
        assert loc in locs(problem), problem
