"""Merging contacts and companies against the real database and broker: the survivor's
fields, moved notes and timeline, redirects (301 on reads, 410 on writes), events,
validation, idempotency and concurrent merges."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from support.kafka import KafkaEvents
from test_contacts_api import ContactsApp, running_contacts_app

from crm_cli.stack import Infra

PROBLEM = "application/problem+json"
CONTACTS = "/api/v1/contacts"
COMPANIES = "/api/v1/companies"


CUSTOM_FIELDS = [
    {"key": "plan", "label": "Plan", "type": "single_select", "options": ["gold", "silver"]},
    {"key": "seats", "label": "Seats", "type": "number"},
    {"key": "external_ref", "label": "External ref", "type": "text", "unique": True},
]


@pytest.fixture(scope="module")
async def service(infra: Infra) -> AsyncIterator[ContactsApp]:
    async with running_contacts_app(infra) as running:
        async with running.client("admin") as admin:
            for field in CUSTOM_FIELDS:
                response = await admin.post(f"{CONTACTS}/custom-fields", json=field)
                assert response.status_code == 201, response.text
        yield running


@pytest.fixture
async def sales(service: ContactsApp) -> AsyncIterator[httpx.AsyncClient]:
    async with service.client("sales", subject="rep-1") as client:
        yield client


def _email(name: str = "ada") -> str:
    return f"{name}.{uuid.uuid4().hex[:8]}@example.com"


async def _contact(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post(CONTACTS, json={"first_name": "Ada", **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _company(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post(COMPANIES, json={"name": "Initech", **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _merge(
    client: httpx.AsyncClient, primary: Any, *duplicates: Any, kind: str = "contacts", **body: Any
) -> httpx.Response:
    payload = {"primary_id": primary["id"], "duplicate_ids": [d["id"] for d in duplicates]}
    return await client.post(f"/api/v1/{kind}/merge", json={**payload, **body})


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    return dict(response.json())


# --- the survivor -----------------------------------------------------------------------


async def test_merge_fills_the_survivor_and_removes_the_duplicates(
    sales: httpx.AsyncClient,
) -> None:
    company = await _company(sales)
    survivor = await _contact(
        sales, email=_email(), lifecycle_stage="lead", tags=["vip"], consent={"email": "granted"}
    )
    first = await _contact(
        sales,
        first_name="Augusta",
        last_name="King",
        phone="+44 20 7946 0000",
        company_id=company["id"],
        lifecycle_stage="customer",
        tags=["math", "vip"],
        custom_fields={"plan": "gold"},
    )
    second_email = _email("countess")
    second = await _contact(
        sales,
        email=second_email,
        phone="+1 555 0100",
        title="Countess",
        consent={"email": "denied"},
        custom_fields={"plan": "silver", "seats": 4, "external_ref": "crm-1"},
    )

    response = await _merge(sales, survivor, first, second, field_choices={"email": second["id"]})

    assert response.status_code == 200, response.text
    merged = response.json()
    assert merged["id"] == survivor["id"]
    assert merged["merged_ids"] == [first["id"], second["id"]]
    assert (merged["first_name"], merged["last_name"]) == ("Ada", "King")
    assert merged["email"] == second_email  # chosen
    assert merged["phone"] == "+44 20 7946 0000"  # first duplicate with one
    assert (merged["title"], merged["company_id"]) == ("Countess", company["id"])
    assert merged["tags"] == ["vip", "math"]
    assert merged["lifecycle_stage"] == "customer"
    assert merged["consent"]["email"] == "denied"
    # A unique value moves from the removed duplicate to the survivor.
    assert merged["custom_fields"] == {"plan": "gold", "seats": 4, "external_ref": "crm-1"}
    assert merged["version"] == 2
    assert response.headers["etag"] == '"2"'
    assert (await sales.get(f"{CONTACTS}/{survivor['id']}")).json() == {
        k: v for k, v in merged.items() if k not in ("merged_ids", "changed")
    }
    # The duplicates are gone, so their emails are free again.
    again = await sales.post(CONTACTS, json={"email": second_email.upper()})
    assert again.status_code == 409  # ... except the one the survivor took over
    assert again.json()["existing_id"] == survivor["id"]


async def test_notes_and_timeline_move_to_the_survivor(sales: httpx.AsyncClient) -> None:
    survivor = await _contact(sales, email=_email())
    duplicate = await _contact(sales, last_name="Byron")
    await sales.post(f"{CONTACTS}/{duplicate['id']}/notes", json={"body": "met at the ball"})
    await sales.put(f"{CONTACTS}/{duplicate['id']}/tags/poet")

    assert (await _merge(sales, survivor, duplicate)).status_code == 200

    notes = (await sales.get(f"{CONTACTS}/{survivor['id']}/notes")).json()["items"]
    assert [(n["body"], n["contact_id"]) for n in notes] == [("met at the ball", survivor["id"])]
    timeline = (await sales.get(f"{CONTACTS}/{survivor['id']}/timeline")).json()["items"]
    kinds = [entry["kind"] for entry in timeline]
    assert kinds[0] == "merged"
    assert sorted(kinds[1:]) == ["created", "created", "note_added", "tag_added"]
    assert timeline[0]["details"]["merged_ids"] == [duplicate["id"]]
    assert timeline[0]["version"] == 2
    moved = [e for e in timeline[1:] if e["details"].get("merged_from") == duplicate["id"]]
    assert sorted(e["kind"] for e in moved) == ["created", "note_added", "tag_added"]


# --- redirects --------------------------------------------------------------------------


async def test_reads_of_a_merged_id_redirect_and_writes_are_gone(
    service: ContactsApp, sales: httpx.AsyncClient
) -> None:
    survivor = await _contact(sales, email=_email())
    duplicate = await _contact(sales)
    assert (await _merge(sales, survivor, duplicate)).status_code == 200
    old, new = f"{CONTACTS}/{duplicate['id']}", f"{CONTACTS}/{survivor['id']}"

    read = await sales.get(old)
    assert read.status_code == 301
    assert read.headers["location"] == new
    assert read.json()["survivor_id"] == survivor["id"]
    notes = await sales.get(f"{old}/notes?limit=5")
    assert (notes.status_code, notes.headers["location"]) == (301, f"{new}/notes?limit=5")
    timeline = await sales.get(f"{old}/timeline")
    assert (timeline.status_code, timeline.headers["location"]) == (301, f"{new}/timeline")
    followed = await sales.get(old, follow_redirects=True)
    assert (followed.status_code, followed.json()["id"]) == (200, survivor["id"])

    async with service.client("manager") as manager:
        writes = [
            await sales.patch(old, json={"title": "x"}),
            await sales.delete(old),
            await sales.post(f"{old}/notes", json={"body": "hello"}),
            await sales.put(f"{old}/tags/x"),
            await sales.delete(f"{old}/tags/x"),
            await manager.post(f"{old}/erase"),
        ]
    for response in writes:
        body = _problem(response, 410)
        assert body["survivor_id"] == survivor["id"]
        assert body["type"] == "urn:crm:problem:merged"
    assert (await sales.get(f"{CONTACTS}/{uuid.uuid4()}")).status_code == 404
    assert (await sales.patch(f"{CONTACTS}/{uuid.uuid4()}", json={})).status_code == 404


async def test_merging_a_survivor_repoints_older_redirects(
    service: ContactsApp, sales: httpx.AsyncClient
) -> None:
    a, b, c = [await _contact(sales) for _ in range(3)]
    assert (await _merge(sales, b, a)).status_code == 200
    assert (await _merge(sales, c, b)).status_code == 200

    for merged in (a, b):
        response = await sales.get(f"{CONTACTS}/{merged['id']}")
        assert response.headers["location"] == f"{CONTACTS}/{c['id']}"
    conn = await asyncpg.connect(service.dsn)
    try:
        rows = await conn.fetch(
            "SELECT merged_id, survivor_id FROM contact_redirects WHERE survivor_id = $1",
            uuid.UUID(c["id"]),
        )
    finally:
        await conn.close()
    assert sorted(str(r["merged_id"]) for r in rows) == sorted([a["id"], b["id"]])
    # Deleting the survivor takes its redirects with it: the old ids are unknown now.
    assert (await sales.delete(f"{CONTACTS}/{c['id']}")).status_code == 204
    assert (await sales.get(f"{CONTACTS}/{a['id']}")).status_code == 404


# --- events -----------------------------------------------------------------------------


async def test_one_merged_event_and_an_end_marker_per_duplicate(
    sales: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    reader = await kafka_events("crm.contacts.contact")
    survivor = await _contact(sales, email=_email())
    first, second = await _contact(sales), await _contact(sales, last_name="Two")
    await sales.patch(f"{CONTACTS}/{second['id']}", json={"title": "CFO"})  # second: v2
    response = await _merge(sales, survivor, first, second)
    assert response.status_code == 200

    ids = {survivor["id"], first["id"], second["id"]}
    events = await reader.collect(
        lambda e: e["subject"] in ids and "merged" in e["type"], count=3, timeout=30
    )
    merged = [e for e in events if e["type"] == "crm.contacts.contact.merged"]
    assert len(merged) == 1
    (event,) = merged
    assert (event["subject"], event["sequence"]) == (survivor["id"], 2)
    assert event["data"]["merged_ids"] == [first["id"], second["id"]]
    assert event["data"]["last_name"] == "Two"
    assert event["actor"] == "rep-1"
    ends = {e["subject"]: e for e in events if e["type"] == "crm.contacts.contact.merged_into"}
    assert set(ends) == {first["id"], second["id"]}
    assert (ends[first["id"]]["sequence"], ends[second["id"]]["sequence"]) == (2, 3)
    assert {e["data"]["survivor_id"] for e in ends.values()} == {survivor["id"]}
    await reader.none_within(lambda e: e["type"].endswith(".deleted") and e["subject"] in ids)


# --- validation -------------------------------------------------------------------------


async def test_bad_merges_are_problems_naming_the_field(
    service: ContactsApp, sales: httpx.AsyncClient
) -> None:
    a, b = await _contact(sales), await _contact(sales)
    unknown = {"id": str(uuid.uuid4())}

    body = _problem(await _merge(sales, a, unknown), 404)
    assert body["errors"][0]["loc"] == ["body", "duplicate_ids", 0]
    assert unknown["id"] in body["detail"]
    _problem(await _merge(sales, unknown, a), 404)
    body = _problem(await _merge(sales, a, b, a), 422)
    assert body["errors"][0]["loc"] == ["body", "duplicate_ids", 1]
    _problem(await _merge(sales, a), 422)
    many = [{"id": str(uuid.uuid4())} for _ in range(21)]
    _problem(await _merge(sales, a, *many), 422)
    body = _problem(await _merge(sales, a, b, field_choices={"tags": b["id"]}), 422)
    assert body["errors"][0]["loc"] == ["body", "field_choices", "tags"]
    _problem(await _merge(sales, a, b, field_choices={"email": str(uuid.uuid4())}), 422)
    _problem(await sales.post(f"{CONTACTS}/merge", json={"primary_id": "x"}), 422)
    stale = await sales.post(
        f"{CONTACTS}/merge",
        json={"primary_id": a["id"], "duplicate_ids": [b["id"]]},
        headers={"If-Match": "7"},
    )
    _problem(stale, 412)
    async with service.client("manager") as manager:
        assert (await manager.post(f"{CONTACTS}/{b['id']}/erase")).status_code == 200
    body = _problem(await _merge(sales, a, b), 422)
    assert body["errors"][0]["loc"] == ["body", "duplicate_ids", 0]
    async with service.client("analyst") as analyst:
        _problem(await _merge(analyst, a, b), 403)
    # Nothing above changed the primary.
    assert (await sales.get(f"{CONTACTS}/{a['id']}")).json()["version"] == 1


async def test_merging_an_already_merged_id_is_gone(sales: httpx.AsyncClient) -> None:
    a, b, c = await _contact(sales), await _contact(sales), await _contact(sales)
    assert (await _merge(sales, a, b)).status_code == 200
    body = _problem(await _merge(sales, c, b), 410)
    assert (body["survivor_id"], body["errors"][0]["loc"]) == (
        a["id"],
        ["body", "duplicate_ids", 0],
    )


async def test_idempotency_key_replays_the_merge(
    sales: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    reader = await kafka_events("crm.contacts.contact")
    a, b = await _contact(sales), await _contact(sales)
    body = {"primary_id": a["id"], "duplicate_ids": [b["id"]]}
    headers = {"Idempotency-Key": f"merge-{uuid.uuid4()}"}
    first = await sales.post(f"{CONTACTS}/merge", json=body, headers=headers)
    second = await sales.post(f"{CONTACTS}/merge", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.headers.get("idempotent-replayed") == "true"
    assert second.json() == first.json()

    def merge_of_a(event: dict[str, Any]) -> bool:
        return bool(event["type"].endswith(".merged") and event["subject"] == a["id"])

    await reader.collect(merge_of_a)
    await reader.none_within(merge_of_a, seconds=1.5)


async def test_erasing_a_survivor_forgets_stored_responses_of_merged_contacts(
    service: ContactsApp, sales: httpx.AsyncClient
) -> None:
    email = _email("erase-me")
    key = {"Idempotency-Key": f"create-{uuid.uuid4()}"}
    body = {"first_name": "Erase", "email": email}
    duplicate = (await sales.post(CONTACTS, json=body, headers=key)).json()
    survivor = await _contact(sales)
    assert (await _merge(sales, survivor, duplicate)).status_code == 200
    async with service.client("manager") as manager:
        assert (await manager.post(f"{CONTACTS}/{survivor['id']}/erase")).status_code == 200

    replay = await sales.post(CONTACTS, json=body, headers=key)

    # Not the stored answer naming the person: the create runs afresh.
    assert replay.headers.get("idempotent-replayed") is None
    assert replay.status_code == 201, replay.text
    assert replay.json()["id"] != duplicate["id"]


async def test_concurrent_crossing_merges_do_not_deadlock(sales: httpx.AsyncClient) -> None:
    pairs = [(await _contact(sales), await _contact(sales)) for _ in range(4)]
    calls = []
    for a, b in pairs:
        calls += [_merge(sales, a, b), _merge(sales, b, a)]
    responses = await asyncio.gather(*calls)
    for index in range(0, len(responses), 2):
        statuses = sorted(r.status_code for r in responses[index : index + 2])
        assert statuses == [200, 410], [r.text for r in responses[index : index + 2]]


# --- companies --------------------------------------------------------------------------


async def test_company_merge_moves_contacts_and_redirects(
    service: ContactsApp, sales: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    contacts_reader = await kafka_events("crm.contacts.contact")
    companies_reader = await kafka_events("crm.contacts.company")
    survivor = await _company(sales, name="Initech")
    duplicate = await _company(sales, name="Initech Inc", domain="initech.example", size="11-50")
    employee = await _contact(sales, company_id=duplicate["id"])
    former = await _contact(sales, company_id=duplicate["id"])
    async with service.client("manager") as manager:
        assert (await manager.post(f"{CONTACTS}/{former['id']}/erase")).status_code == 200

    response = await _merge(sales, survivor, duplicate, kind="companies")

    assert response.status_code == 200, response.text
    merged = response.json()
    assert (merged["name"], merged["domain"], merged["size"]) == (
        "Initech",
        "initech.example",
        "11-50",
    )
    assert (merged["merged_ids"], merged["version"]) == ([duplicate["id"]], 2)
    moved = (await sales.get(f"{CONTACTS}/{employee['id']}")).json()
    assert (moved["company_id"], moved["version"]) == (survivor["id"], 2)
    timeline = (await sales.get(f"{CONTACTS}/{employee['id']}/timeline")).json()["items"]
    assert timeline[0]["details"]["changed"] == ["company_id"]
    # An erased tombstone cannot change: it follows silently (same version, no event).
    tombstone = (await sales.get(f"{CONTACTS}/{former['id']}")).json()
    assert (tombstone["company_id"], tombstone["version"]) == (survivor["id"], 2)
    old = await sales.get(f"{COMPANIES}/{duplicate['id']}")
    assert (old.status_code, old.headers["location"]) == (301, f"{COMPANIES}/{survivor['id']}")

    (update,) = await contacts_reader.collect(
        lambda e: e["subject"] == employee["id"] and e["type"].endswith(".updated"), timeout=30
    )
    assert (update["data"]["company_id"], update["data"]["changed"], update["sequence"]) == (
        survivor["id"],
        ["company_id"],
        2,
    )
    events = await companies_reader.collect(
        lambda e: "merged" in e["type"] and e["subject"] in (survivor["id"], duplicate["id"]),
        count=2,
        timeout=30,
    )
    kinds = {e["type"]: e for e in events}
    assert kinds["crm.contacts.company.merged"]["data"]["merged_ids"] == [duplicate["id"]]
    assert kinds["crm.contacts.company.merged_into"]["data"]["survivor_id"] == survivor["id"]
    assert _problem(await _merge(sales, survivor, duplicate, kind="companies"), 410)
    merged_url = f"/api/v1/companies/{duplicate['id']}"
    gone = _problem(await sales.patch(merged_url, json={"industry": "Software"}), 410)
    assert gone["survivor_id"] == survivor["id"]
    assert _problem(await sales.delete(merged_url), 410)["survivor_id"] == survivor["id"]

    def about_former(event: dict[str, Any]) -> bool:
        return bool(event["subject"] == former["id"])

    # Its created and erased events, then nothing from the merge.
    await contacts_reader.collect(about_former, count=2, timeout=30)
    await contacts_reader.none_within(about_former, seconds=1)
    assert [e["type"].rsplit(".", 1)[1] for e in contacts_reader.events(about_former)] == [
        "created",
        "erased",
    ]


async def test_asyncapi_documents_the_merge_events(service: ContactsApp) -> None:
    async with service.client() as anonymous:
        schemas = (await anonymous.get("/asyncapi.json")).json()["components"]["schemas"]
    assert "merged_ids" in schemas["ContactMergedData"]["properties"]
    assert "survivor_id" in schemas["ContactMergedIntoData"]["properties"]
    assert "merged_ids" in schemas["CompanyMergedData"]["properties"]
    assert "survivor_id" in schemas["CompanyMergedIntoData"]["properties"]
