"""Through the gateway: two contacts merged into one. An independent Kafka consumer reads
the merge event, the analytics service (a second service acting on it) answers for the
merged id with the survivor, and reading the merged id is a 301 to the survivor."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from tests.e2e.events import TopicReader, data, of


async def _create(gateway: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await gateway.post("/api/v1/contacts", json=fields)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _customer_when(
    gateway: httpx.AsyncClient,
    contact_id: str,
    survivor_id: str,
    sequence: int,
    timeout: float = 30,
) -> dict[str, Any]:
    """The analytics answer for `contact_id` once it names `survivor_id` at `sequence` or
    later. The read model is eventually consistent: the duplicate's `merged_into` and the
    survivor's `merged` travel on different partitions, so either may be applied first.
    Fails with the last answer otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Any = None
    while loop.time() < deadline:
        response = await gateway.get(f"/api/v1/analytics/customers/{contact_id}")
        last = (response.status_code, response.text)
        body = response.json() if response.status_code == 200 else {}
        if body.get("contact_id") == survivor_id and body["last_sequence"] >= sequence:
            return dict(body)
        await asyncio.sleep(0.2)
    raise AssertionError(f"analytics never named the survivor; last answer {last}")


async def test_merge_reaches_kafka_analytics_and_redirects(
    gateway: httpx.AsyncClient, contact_events: TopicReader
) -> None:
    marker = uuid.uuid4().hex[:10]
    survivor = await _create(
        gateway, first_name="Grace", last_name=f"Hopper{marker}", lifecycle_stage="lead"
    )
    duplicate = await _create(
        gateway,
        first_name="Grace",
        email=f"grace.{marker}@example.com",
        lifecycle_stage="customer",
        tags=["navy"],
    )
    note = await gateway.post(
        f"/api/v1/contacts/{duplicate['id']}/notes", json={"body": "Invented the compiler"}
    )
    assert note.status_code == 201, note.text

    merged = await gateway.post(
        "/api/v1/contacts/merge",
        json={"primary_id": survivor["id"], "duplicate_ids": [duplicate["id"]]},
        headers={"Idempotency-Key": f"e2e-merge-{marker}"},
    )
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert (body["email"], body["lifecycle_stage"]) == (f"grace.{marker}@example.com", "customer")

    # (a) An independent consumer reads one merged event on the survivor's stream and the
    # end marker on the duplicate's.
    (event,) = await contact_events.wait_for(of(survivor["id"], "merged"))
    assert data(event)["merged_ids"] == [duplicate["id"]]
    assert data(event)["email"] == f"grace.{marker}@example.com"
    assert event.get_extension("sequence") == 2
    (end,) = await contact_events.wait_for(of(duplicate["id"], "merged_into"))
    assert data(end)["survivor_id"] == survivor["id"]

    # (b) The analytics read model answers for the merged id with the survivor.
    customer = await _customer_when(gateway, duplicate["id"], survivor["id"], body["version"])
    assert customer["merged_ids"] == [duplicate["id"]]
    assert customer["name"] == f"Grace Hopper{marker}"
    assert customer["lifecycle_stage"] == "customer"

    # Reading the merged id through the gateway redirects to the survivor; writing is 410.
    moved = await gateway.get(f"/api/v1/contacts/{duplicate['id']}")
    assert moved.status_code == 301, moved.text
    assert moved.headers["location"] == f"/api/v1/contacts/{survivor['id']}"
    notes = await gateway.get(moved.headers["location"] + "/notes")
    assert [n["body"] for n in notes.json()["items"]] == ["Invented the compiler"]
    gone = await gateway.patch(f"/api/v1/contacts/{duplicate['id']}", json={"title": "RADM"})
    assert gone.status_code == 410
    assert gone.json()["survivor_id"] == survivor["id"]
