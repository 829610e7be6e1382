"""What happens to a contact over time: stage moves, tags, notes, the timeline, erasure."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from test_contacts_api import ContactsApp, running_contacts_app

from crm_cli.stack import Infra


@pytest.fixture(scope="module")
async def service(infra: Infra) -> AsyncIterator[ContactsApp]:
    async with running_contacts_app(infra) as running:
        yield running


@pytest.fixture
async def admin(service: ContactsApp) -> AsyncIterator[httpx.AsyncClient]:
    async with service.client("admin", subject="admin-7") as client:
        yield client


@pytest.fixture
async def sales(service: ContactsApp) -> AsyncIterator[httpx.AsyncClient]:
    async with service.client("sales", subject="rep-3") as client:
        yield client


async def _create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    email = f"grace.{uuid.uuid4().hex[:8]}@example.com"
    body = {"first_name": "Grace", "last_name": "Hopper", "email": email, **fields}
    response = await client.post("/api/v1/contacts", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _timeline(client: httpx.AsyncClient, contact_id: str) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/contacts/{contact_id}/timeline?limit=200")
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_stage_moves_forward_but_not_back_without_admin(
    admin: httpx.AsyncClient, sales: httpx.AsyncClient
) -> None:
    contact = await _create(sales, lifecycle_stage="lead")
    url = f"/api/v1/contacts/{contact['id']}"
    forward = await sales.patch(url, json={"lifecycle_stage": "customer"})
    assert forward.json()["lifecycle_stage"] == "customer"

    back = await sales.patch(url, json={"lifecycle_stage": "lead"})
    assert back.status_code == 409
    assert back.headers["content-type"].startswith("application/problem+json")
    assert "backwards" in back.json()["title"]
    assert (await sales.get(url)).json()["lifecycle_stage"] == "customer"

    overridden = await admin.patch(url, json={"lifecycle_stage": "lead"})
    assert overridden.status_code == 200
    assert overridden.json()["lifecycle_stage"] == "lead"
    moves = [e for e in await _timeline(admin, contact["id"]) if e["kind"] == "stage_changed"]
    assert [
        (m["details"]["from"], m["details"]["to"], m["details"]["override"]) for m in moves
    ] == [
        ("customer", "lead", True),
        ("lead", "customer", False),
    ]
    assert moves[0]["actor"] == "admin-7"


async def test_other_is_outside_the_funnel(sales: httpx.AsyncClient) -> None:
    contact = await _create(sales, lifecycle_stage="customer")
    url = f"/api/v1/contacts/{contact['id']}"
    assert (await sales.patch(url, json={"lifecycle_stage": "other"})).status_code == 200
    assert (await sales.patch(url, json={"lifecycle_stage": "lead"})).status_code == 200


async def test_tags_put_and_delete(sales: httpx.AsyncClient) -> None:
    contact = await _create(sales, tags=["vip"])
    url = f"/api/v1/contacts/{contact['id']}/tags"
    added = await sales.put(f"{url}/Hot%20Lead")
    assert added.status_code == 200
    assert added.json()["tags"] == ["vip", "hot lead"]
    assert added.json()["version"] == 2
    again = await sales.put(f"{url}/hot%20lead")
    assert again.json()["version"] == 2  # already tagged: no change
    removed = await sales.delete(f"{url}/VIP")
    assert removed.json()["tags"] == ["hot lead"]
    assert (await sales.delete(f"{url}/vip")).json()["version"] == 3
    bad = await sales.put(f"{url}/-nope")
    assert bad.status_code == 422
    kinds = [e["kind"] for e in await _timeline(sales, contact["id"])]
    assert kinds == ["tag_removed", "tag_added", "created"]


async def test_notes_carry_their_author_and_list_newest_first(
    sales: httpx.AsyncClient, service: ContactsApp
) -> None:
    contact = await _create(sales)
    url = f"/api/v1/contacts/{contact['id']}/notes"
    first = await sales.post(url, json={"body": "Met at the conference"})
    assert first.status_code == 201, first.text
    assert first.json()["author_id"] == "rep-3"
    await sales.post(url, json={"body": "Sent the proposal"})
    async with service.client("analyst") as analyst:
        notes = (await analyst.get(url)).json()["items"]
    assert [n["body"] for n in notes] == ["Sent the proposal", "Met at the conference"]
    assert (await sales.post(url, json={"body": ""})).status_code == 422
    assert (await sales.post(url, json={"body": "x" * 20_001})).status_code == 422
    unknown = await sales.post(f"/api/v1/contacts/{uuid.uuid4()}/notes", json={"body": "hi"})
    assert unknown.status_code == 404


async def test_timeline_has_one_entry_per_change_newest_first_in_pages(
    sales: httpx.AsyncClient,
) -> None:
    contact = await _create(sales, lifecycle_stage="lead")
    url = f"/api/v1/contacts/{contact['id']}"
    await sales.patch(url, json={"title": "Rear Admiral", "lifecycle_stage": "opportunity"})
    await sales.post(f"{url}/notes", json={"body": "Call back Monday"})
    await sales.put(f"{url}/tags/navy")

    entries = await _timeline(sales, contact["id"])
    assert [e["kind"] for e in entries] == [
        "tag_added",
        "note_added",
        "stage_changed",
        "updated",
        "created",
    ]
    assert [e["version"] for e in entries] == [4, 3, 2, 2, 1]
    updated = entries[3]["details"]
    assert updated["changed"] == ["title"]
    assert updated["changes"]["title"] == {"from": None, "to": "Rear Admiral"}

    first = (await sales.get(f"{url}/timeline?limit=2")).json()
    second = (await sales.get(f"{url}/timeline?limit=2&cursor={first['next_cursor']}")).json()
    third = (await sales.get(f"{url}/timeline?limit=2&cursor={second['next_cursor']}")).json()
    paged = [e["id"] for page in (first, second, third) for e in page["items"]]
    assert paged == [e["id"] for e in entries]
    assert third["next_cursor"] is None


async def test_erase_forgets_the_person_and_keeps_a_tombstone(
    admin: httpx.AsyncClient, sales: httpx.AsyncClient, service: ContactsApp
) -> None:
    word = uuid.uuid4().hex[:8]
    dob = {"key": "dob", "label": "Date of birth", "type": "date"}
    assert (await admin.post("/api/v1/contacts/custom-fields", json=dob)).status_code == 201
    contact = await _create(
        sales, last_name=f"Erasable{word}", phone="+1 555 0100", custom_fields={"dob": "1906-12-09"}
    )
    url = f"/api/v1/contacts/{contact['id']}"
    await sales.post(f"{url}/notes", json={"body": "Home address: 1 Navy Yard"})
    await sales.patch(url, json={"title": f"Commodore {word}"})  # lands in the timeline

    assert (await sales.post(f"{url}/erase")).status_code == 403
    async with service.client("manager") as manager:
        erased = await manager.post(f"{url}/erase")
    assert erased.status_code == 200, erased.text
    tombstone = erased.json()
    assert tombstone["erased"] is True
    assert tombstone["id"] == contact["id"]
    for field in ("first_name", "last_name", "email", "phone", "title"):
        assert tombstone[field] is None
    assert (tombstone["custom_fields"], tombstone["tags"]) == ({}, [])
    assert (await sales.get(url)).json() == tombstone

    notes = (await sales.get(f"{url}/notes")).json()["items"]
    assert [n["body"] for n in notes] == [""]
    entries = await _timeline(sales, contact["id"])
    assert entries[0]["kind"] == "erased"
    assert all(e["details"] == {} for e in entries)
    assert (await sales.get("/api/v1/contacts", params={"q": f"erasable{word}"})).json()[
        "items"
    ] == []

    conn = await asyncpg.connect(service.dsn)
    try:
        leftovers = await conn.fetchval(
            "SELECT count(*) FROM contact_timeline"
            " WHERE contact_id = $1 AND details::text ILIKE $2",
            uuid.UUID(contact["id"]),
            f"%{word}%",
        )
    finally:
        await conn.close()
    assert leftovers == 0

    reused = await sales.post("/api/v1/contacts", json={"email": contact["email"]})
    assert reused.status_code == 201
    blocked = await sales.patch(url, json={"first_name": "Back"})
    assert blocked.status_code == 409
    again = await admin.post(f"{url}/erase")
    assert again.status_code == 200
    assert again.json()["version"] == tombstone["version"]
