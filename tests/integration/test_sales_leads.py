"""The sales service's leads on their own, in-process, against the session's PostgreSQL and
broker: CRUD, status moves, roles, bad input, lists, fit scoring and assignment."""

from __future__ import annotations

import uuid
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

service = sales_app_fixture()
rep = user_fixture("sales", subject="rep-1")
manager = user_fixture("manager", subject="boss-1")


def _marker() -> str:
    return uuid.uuid4().hex[:10]


async def _create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    return await create(client, LEADS, {"first_name": "Grace", "last_name": "Hopper", **fields})


# --- auth and roles ---------------------------------------------------------------------


async def test_every_route_needs_a_token(service: SalesApp) -> None:
    some_id = uuid.uuid4()
    async with service.client() as anonymous:
        for method, path in [
            ("GET", LEADS),
            ("POST", LEADS),
            ("GET", f"{LEADS}/{some_id}"),
            ("PATCH", f"{LEADS}/{some_id}"),
            ("DELETE", f"{LEADS}/{some_id}"),
            ("GET", f"{LEADS}/scoring-rules"),
            ("POST", f"{LEADS}/assignment-rules"),
            ("GET", f"{LEADS}/sales-reps"),
            ("PATCH", f"{LEADS}/engagement-points"),
        ]:
            assert_problem(await anonymous.request(method, path, json={}), 401)


async def test_roles_decide_who_reads_captures_and_works_leads(
    service: SalesApp, rep: httpx.AsyncClient
) -> None:
    lead = await _create(rep)
    url = f"{LEADS}/{lead['id']}"
    async with (
        service.client("analyst") as analyst,
        service.client("marketing") as marketer,
        service.client("legal") as legal,
    ):
        assert (await analyst.get(url)).status_code == 200
        assert (await analyst.get(LEADS)).status_code == 200
        assert_problem(await analyst.post(LEADS, json={"first_name": "X"}), 403)
        captured = await marketer.post(LEADS, json={"email": f"{_marker()}@form.example"})
        assert captured.status_code == 201, captured.text
        assert_problem(await marketer.patch(url, json={"status": "working"}), 403)
        assert_problem(await marketer.delete(url), 403)
        assert_problem(await legal.get(url), 403)
        assert_problem(await legal.get(LEADS), 403)
        for path in ("scoring-rules", "assignment-rules", "sales-reps"):
            assert (await analyst.get(f"{LEADS}/{path}")).status_code == 200
    rule = {"field": "title", "operator": "contains", "value": "cto", "points": 5}
    body = assert_problem(await rep.post(f"{LEADS}/scoring-rules", json=rule), 403)
    assert "manager" in body["detail"]
    assert_problem(await rep.patch(f"{LEADS}/engagement-points", json={"points": {}}), 403)
    reps = await rep.post(f"{LEADS}/sales-reps", json={"user_id": str(uuid.uuid4())})
    assert_problem(reps, 403)


# --- create, read, patch, delete --------------------------------------------------------


async def test_create_normalizes_and_answers_the_lead(rep: httpx.AsyncClient) -> None:
    owner = str(uuid.uuid4())
    response = await rep.post(
        LEADS,
        json={
            "first_name": " Grace ",
            "last_name": "Hopper",
            "email": "Grace.Hopper@NAVY.example",
            "phone": "+1  555 0100",
            "company_name": "US Navy",
            "title": "Rear Admiral",
            "source": " Web  Form ",
            "country": "us",
            "company_size": 5000,
            "owner_id": owner,
        },
    )
    assert response.status_code == 201, response.text
    lead = response.json()
    assert response.headers["location"] == f"{LEADS}/{lead['id']}"
    assert response.headers["etag"] == '"1"'
    assert lead["first_name"] == "Grace"
    assert lead["email"] == "Grace.Hopper@navy.example"
    assert lead["phone"] == "+1 555 0100"
    assert (lead["source"], lead["country"]) == ("web form", "US")
    assert (lead["status"], lead["owner_id"], lead["contact_id"]) == ("new", owner, None)
    assert (lead["score"], lead["fit_score"], lead["engagement_score"]) == (0, 0, 0)
    assert lead["version"] == 1
    fetched = await rep.get(f"{LEADS}/{lead['id']}")
    assert fetched.json() == lead
    assert fetched.headers["etag"] == '"1"'


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"first_name": "A", "email": "not-an-email"}, ["body", "email"]),
        ({"first_name": "A", "phone": "call me"}, ["body", "phone"]),
        ({"first_name": "A", "country": "Germany"}, ["body", "country"]),
        ({"first_name": "A", "company_size": -3}, ["body", "company_size"]),
        ({"first_name": "A", "company_size": "many"}, ["body", "company_size"]),
        ({"first_name": "A", "status": "converted"}, ["body", "status"]),
        ({"first_name": "A", "status": "qualified"}, ["body", "status"]),
        ({"first_name": "A", "status": "hot"}, ["body", "status"]),
        ({"first_name": "A", "owner_id": "bob"}, ["body", "owner_id"]),
        ({"first_name": "A", "score": 99}, ["body", "score"]),
        ({"first_name": "A" * 101}, ["body", "first_name"]),
        ({"title": "CTO"}, ["body"]),
    ],
)
async def test_bad_input_is_a_422_naming_the_field(
    rep: httpx.AsyncClient, body: dict[str, Any], loc: list[str]
) -> None:
    problem = assert_problem(await rep.post(LEADS, json=body), 422)
    assert loc in locs(problem)


async def test_malformed_json_is_a_400(rep: httpx.AsyncClient) -> None:
    response = await rep.post(
        LEADS, content=b'{"first_name": ', headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400)


async def test_patch_is_a_merge_patch_guarded_by_if_match(rep: httpx.AsyncClient) -> None:
    lead = await _create(rep, phone="+49 30 1234567", title="CTO")
    url = f"{LEADS}/{lead['id']}"
    response = await rep.patch(
        url,
        content=b'{"phone": null, "company_name": "Remington Rand"}',
        headers={"Content-Type": "application/merge-patch+json", "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert (patched["phone"], patched["company_name"]) == (None, "Remington Rand")
    assert (patched["title"], patched["version"]) == ("CTO", 2)
    assert response.headers["etag"] == '"2"'
    stale = await rep.patch(url, json={"title": "CEO"}, headers={"If-Match": "1"})
    assert assert_problem(stale, 412)["current_version"] == 2
    same = await rep.patch(url, json={"title": "CTO"})
    assert same.json()["version"] == 2
    assert_problem(await rep.delete(url, headers={"If-Match": "1"}), 412)
    cleared = await rep.patch(
        url, json={"first_name": None, "last_name": None, "company_name": None}
    )
    assert "body" in [loc[0] for loc in locs(assert_problem(cleared, 422))]


async def test_status_moves_follow_the_rules(rep: httpx.AsyncClient) -> None:
    lead = await _create(rep)
    url = f"{LEADS}/{lead['id']}"
    for status in ("working", "qualified", "working", "disqualified", "working"):
        response = await rep.patch(url, json={"status": status})
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status
    to_new = assert_problem(await rep.patch(url, json={"status": "new"}), 409)
    assert to_new["type"] == "urn:crm:problem:illegal-status-change"
    assert (to_new["current_status"], to_new["requested_status"]) == ("working", "new")
    converted = assert_problem(await rep.patch(url, json={"status": "converted"}), 409)
    assert "/convert" in converted["detail"]
    assert (await rep.get(url)).json()["status"] == "working"


async def test_delete_removes_the_lead(rep: httpx.AsyncClient) -> None:
    lead = await _create(rep)
    url = f"{LEADS}/{lead['id']}"
    assert (await rep.delete(url, headers={"If-Match": "1"})).status_code == 204
    assert_problem(await rep.get(url), 404)
    assert_problem(await rep.patch(url, json={"title": "X"}), 404)
    assert_problem(await rep.delete(url), 404)
    assert_problem(await rep.get(f"{LEADS}/not-a-uuid"), 422)


async def test_each_write_is_one_event_named_by_its_change(
    service: SalesApp, rep: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    reader = await kafka_events(LEAD_TOPIC)
    contact_id = str(uuid.uuid4())
    lead = await _create(rep, email=f"{_marker()}@events.example")
    url = f"{LEADS}/{lead['id']}"
    owner = str(uuid.uuid4())
    await rep.patch(url, json={"title": "VP Sales", "status": "working"})
    await rep.patch(url, json={"owner_id": owner})
    await rep.patch(url, json={"contact_id": contact_id, "status": "qualified"})
    await rep.patch(url, json={"status": "disqualified"})
    await rep.delete(url)

    events = await reader.collect(lambda e: e["subject"] == lead["id"], count=6, timeout=30)
    assert [(e["type"], e["sequence"]) for e in events] == [
        ("crm.sales.lead.created", 1),
        ("crm.sales.lead.updated", 2),
        ("crm.sales.lead.assigned", 3),
        ("crm.sales.lead.qualified", 4),
        ("crm.sales.lead.disqualified", 5),
        ("crm.sales.lead.deleted", 6),
    ]
    assert events[0]["data"] == lead
    assert {e["source"] for e in events} == {"crm/sales"}
    assert {e["actor"] for e in events} == {"rep-1"}
    assert sorted(events[1]["data"]["changed"]) == ["status", "title"]
    assert events[2]["data"]["owner_id"] == owner
    assert events[2]["data"].get("assignment") is None  # a person chose, not a rule
    assert events[3]["data"]["contact_id"] == contact_id
    assert sorted(events[3]["data"]["changed"]) == ["contact_id", "status"]
    record = next(r for r in reader.received if r.event and r.event["id"] == events[0]["id"])
    assert record.key == lead["id"].encode()
    assert record.headers["content-type"] == b"application/cloudevents+json"


# --- lists ------------------------------------------------------------------------------


async def _page_all(
    client: httpx.AsyncClient, params: dict[str, Any], limit: int = 2
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    for _ in range(50):
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = await client.get(LEADS, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= limit
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("paging never ended")


async def test_list_filters_sorts_by_score_and_pages(
    rep: httpx.AsyncClient, manager: httpx.AsyncClient
) -> None:
    source = f"src-{_marker()}"
    rule = {"field": "source", "operator": "equals", "value": source, "points": 1}
    sized = {"field": "company_size", "operator": "gte", "value": 100, "points": 10}
    made = []
    rules = [(await manager.post(f"{LEADS}/scoring-rules", json=r)).json() for r in (rule,)]
    try:
        owner = str(uuid.uuid4())
        for i, size in enumerate((5, 500, 50, 5000, 1)):
            made.append(
                await _create(
                    rep,
                    last_name=f"Pager{i}",
                    company_name=f"Acme {source}",
                    source=source,
                    company_size=size,
                    owner_id=owner if i % 2 else None,
                )
            )
        rules.append((await manager.post(f"{LEADS}/scoring-rules", json=sized)).json())
        oldest_first = await _page_all(rep, {"source": source})
        assert [lead["id"] for lead in oldest_first] == [lead["id"] for lead in made]
        best_first = await _page_all(rep, {"source": source, "sort": "-score"})
        scores = [lead["score"] for lead in best_first]
        assert scores == sorted(scores, reverse=True)
        assert scores[:2] == [11, 11]
        assert sorted(lead["id"] for lead in best_first) == sorted(lead["id"] for lead in made)
        ranged = await _page_all(rep, {"source": source, "score.gte": 5, "score.lte": 11})
        assert {lead["company_size"] for lead in ranged} == {500, 5000}
        mine = await _page_all(rep, {"source": source, "owner_id": owner})
        assert {lead["last_name"] for lead in mine} == {"Pager1", "Pager3"}
        nobody = await _page_all(rep, {"source": source, "owner_id": "none"})
        assert {lead["last_name"] for lead in nobody} == {"Pager0", "Pager2", "Pager4"}
        await rep.patch(f"{LEADS}/{made[2]['id']}", json={"status": "working"})
        working = await _page_all(rep, {"source": source, "status": "working,qualified"})
        assert [lead["id"] for lead in working] == [made[2]["id"]]
        found = await _page_all(rep, {"q": f"acme {source}"})
        assert len(found) == 5
        found = await _page_all(rep, {"q": "pager3", "source": source})
        assert [lead["last_name"] for lead in found] == ["Pager3"]
    finally:
        for r in rules:
            await manager.delete(f"{LEADS}/scoring-rules/{r['id']}")


async def test_bad_list_parameters_are_4xx(rep: httpx.AsyncClient) -> None:
    problem = assert_problem(await rep.get(LEADS, params={"status": "new,hot"}), 422)
    assert ["query", "status"] in locs(problem)
    problem = assert_problem(await rep.get(LEADS, params={"owner_id": "bob"}), 422)
    assert ["query", "owner_id"] in locs(problem)
    assert_problem(await rep.get(LEADS, params={"sort": "email"}), 422)
    assert_problem(await rep.get(LEADS, params={"score.gte": "high"}), 422)
    assert_problem(await rep.get(LEADS, params={"limit": 500}), 422)
    assert_problem(await rep.get(LEADS, params={"cursor": "garbage!"}), 400)
    await _create(rep)
    await _create(rep)
    page = (await rep.get(LEADS, params={"limit": 1, "sort": "-score"})).json()
    assert page["next_cursor"]
    other_sort = await rep.get(LEADS, params={"limit": 1, "cursor": page["next_cursor"]})
    assert_problem(other_sort, 400)


async def test_asyncapi_describes_lead_events_and_the_engagement_consumer(
    service: SalesApp,
) -> None:
    async with service.client() as anonymous:
        document = (await anonymous.get("/asyncapi.json")).json()
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert {LEAD_TOPIC, "crm.marketing.engagement"} <= addresses
    schemas = document["components"]["schemas"]
    lead_schema = next(schema for name, schema in schemas.items() if name == "LeadData")
    assert {"status", "score", "fit_score", "engagement_score", "contact_id"} <= set(
        lead_schema["properties"]
    )
    assert {"LeadScoredData", "LeadAssignedData", "LeadUpdatedData"} <= set(schemas)
