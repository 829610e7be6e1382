"""Idempotency-Key replays the first response; a trace runs from the gateway into Kafka."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from tests.e2e.events import TopicReader, data, of


async def test_idempotency_key_replays_and_creates_once(
    gateway: httpx.AsyncClient, contact_events: TopicReader
) -> None:
    key = uuid.uuid4().hex
    body = {"first_name": "Idem", "last_name": key[:10], "email": f"{key[:10]}@idem.io"}
    first = await gateway.post("/api/v1/contacts", json=body, headers={"Idempotency-Key": key})
    again = await gateway.post("/api/v1/contacts", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    assert again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("idempotent-replayed") == "true"
    other = await gateway.post(
        "/api/v1/contacts", json={**body, "first_name": "Else"}, headers={"Idempotency-Key": key}
    )
    assert other.status_code == 422
    assert other.headers["content-type"].startswith("application/problem+json")
    cid = first.json()["id"]
    await contact_events.wait_for(of(cid, "created"))
    await asyncio.sleep(1)
    assert len(contact_events.matching(of(cid, "created"))) == 1
    found = await gateway.get("/api/v1/contacts", params={"q": key[:10]})
    assert [c["id"] for c in found.json()["items"]] == [cid]


async def test_a_retry_sent_the_moment_the_answer_arrives_is_a_replay(
    gateway: httpx.AsyncClient,
) -> None:
    for attempt in range(15):
        key = uuid.uuid4().hex
        body = {"first_name": "Quick", "last_name": f"Retry{attempt}", "email": f"{key}@idem.io"}
        headers = {"Idempotency-Key": key}
        first = await gateway.post("/api/v1/contacts", json=body, headers=headers)
        again = await gateway.post("/api/v1/contacts", json=body, headers=headers)
        assert (first.status_code, again.status_code) == (201, 201), again.text
        assert again.headers.get("idempotent-replayed") == "true"


async def test_trace_runs_from_gateway_request_to_the_event(
    gateway: httpx.AsyncClient, contact_events: TopicReader
) -> None:
    trace_id = uuid.uuid4().hex
    caller = f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"
    response = await gateway.post(
        "/api/v1/contacts",
        json={"first_name": "Traced", "last_name": trace_id[:10]},
        headers={"traceparent": caller, "X-Request-ID": f"req-{trace_id[:8]}"},
    )
    assert response.status_code == 201, response.text
    assert response.headers["x-request-id"] == f"req-{trace_id[:8]}"
    assert response.headers["traceparent"].split("-")[1] == trace_id
    cid = response.json()["id"]
    (event,) = await contact_events.wait_for(of(cid, "created"))
    assert str(event.get_extension("traceparent")).split("-")[1] == trace_id
    index = contact_events.events.index(event)
    kafka_header = contact_events.headers[index]["traceparent"].decode()
    assert kafka_header.split("-")[1] == trace_id
    assert data(event)["first_name"] == "Traced"


async def test_erase_forgets_stored_responses_about_the_person(gateway: httpx.AsyncClient) -> None:
    key = uuid.uuid4().hex
    body = {"first_name": "Forget", "last_name": key[:10]}
    first = await gateway.post("/api/v1/contacts", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    erased_id = first.json()["id"]
    erased = await gateway.post(f"/api/v1/contacts/{erased_id}/erase")
    assert erased.status_code == 200, erased.text
    replay = await gateway.post("/api/v1/contacts", json=body, headers={"Idempotency-Key": key})
    assert replay.headers.get("idempotent-replayed") != "true"
    assert erased_id not in replay.text
