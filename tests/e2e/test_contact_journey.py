"""Through the gateway: token, create, read, patch (412 when stale), page, search, erase.

Every step's event is read back from `crm.contacts.contact` by an independent consumer
with the official CloudEvents SDK.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from tests.e2e.events import TopicReader, data, of

PROBLEM = "application/problem+json"


async def test_token_is_issued_for_the_admin(stack: Any) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url) as client:
        response = await client.post(
            "/api/v1/auth/token",
            data={"username": stack.admin_email, "password": stack.admin_password},
        )
        assert response.status_code == 200
        body = response.json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] > 0
        wrong = await client.post(
            "/api/v1/auth/token", data={"username": stack.admin_email, "password": "wrong-pass"}
        )
        assert wrong.status_code == 401
        assert wrong.headers["content-type"].startswith(PROBLEM)


async def test_contact_lifecycle_through_gateway(
    gateway: httpx.AsyncClient, contact_events: TopicReader
) -> None:
    marker = uuid.uuid4().hex[:10]
    created = await gateway.post(
        "/api/v1/contacts",
        json={
            "first_name": "Ada",
            "last_name": f"Lovelace{marker}",
            "email": f"ada.{marker}@example.com",
            "lifecycle_stage": "lead",
            "tags": ["VIP"],
        },
    )
    assert created.status_code == 201, created.text
    contact = created.json()
    cid = contact["id"]
    assert contact["version"] == 1
    assert created.headers["x-request-id"]
    assert created.headers["traceparent"].startswith("00-")
    (event,) = await contact_events.wait_for(of(cid, "created"))
    assert event.get_source() == "crm/contacts"
    assert event.get_extension("sequence") == 1
    assert data(event)["email"] == f"ada.{marker}@example.com"

    read = await gateway.get(f"/api/v1/contacts/{cid}")
    assert read.status_code == 200
    assert read.json()["last_name"] == f"Lovelace{marker}"

    patched = await gateway.patch(
        f"/api/v1/contacts/{cid}",
        json={"title": "Analyst", "phone": None},
        headers={"If-Match": "1", "Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["version"] == 2
    assert patched.json()["title"] == "Analyst"
    (updated,) = await contact_events.wait_for(of(cid, "updated"))
    assert "title" in data(updated)["changed"]
    assert updated.get_extension("sequence") == 2

    stale = await gateway.patch(
        f"/api/v1/contacts/{cid}", json={"title": "CTO"}, headers={"If-Match": "1"}
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"].startswith(PROBLEM)

    found = await gateway.get("/api/v1/contacts", params={"q": f"lovelace{marker}"})
    assert found.status_code == 200
    assert [c["id"] for c in found.json()["items"]] == [cid]

    erased = await gateway.post(f"/api/v1/contacts/{cid}/erase")
    assert erased.status_code == 200, erased.text
    (erase_event,) = await contact_events.wait_for(of(cid, "erased"))
    assert data(erase_event).get("email") in (None, "")
    after = await gateway.get("/api/v1/contacts", params={"q": f"lovelace{marker}"})
    assert after.json()["items"] == []
    sequences = [e.get_extension("sequence") for e in contact_events.matching(of(cid))]
    assert sequences == sorted(sequences), "one aggregate's events arrive in order"
    for headers in contact_events.headers:
        assert headers["content-type"] == b"application/cloudevents+json"
        assert not [name for name in headers if name.startswith("ce_")], "structured mode only"
        assert "traceparent" in headers


async def test_cursor_pages_cover_every_contact_once(gateway: httpx.AsyncClient) -> None:
    marker = uuid.uuid4().hex[:10]
    made = set()
    for i in range(5):
        response = await gateway.post(
            "/api/v1/contacts",
            json={"first_name": f"Pager{i}", "last_name": marker, "email": f"p{i}.{marker}@ex.io"},
        )
        assert response.status_code == 201, response.text
        made.add(response.json()["id"])
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"q": marker, "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await gateway.get("/api/v1/contacts", params=params)).json()
        seen += [item["id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
        assert pages < 10
    assert sorted(seen) == sorted(made)
    assert pages >= 3
