"""Through the gateway: marketing captures a lead for an existing contact, the assignment
rules give it to a sales rep, the rep qualifies it, and the contacts service makes the
contact a sales qualified lead; a marketing engagement on Kafka scores the lead.

The lead is created carrying the contact's id (conversion, which sets it too, is
test_lead_conversion_flow.py). Every event is read back by independent Kafka consumers with
the official CloudEvents SDK.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
from support.sales import cloud_event, publish
from support.sales_gateway import gateway_client

from crm_cli.stack import Stack
from tests.e2e.events import TopicReader, data, of

PASSWORD = "correct-horse-battery-staple"
LEADS = "/api/v1/leads"


async def _user(gateway: httpx.AsyncClient, stack: Stack, role: str) -> tuple[str, str]:
    """A new user with `role` (through the gateway's admin API): its id and a token."""
    email = f"{role}.{uuid.uuid4().hex[:8]}@crm.example.com"
    created = await gateway.post(
        "/api/v1/users",
        json={"email": email, "full_name": role.title(), "password": PASSWORD, "roles": [role]},
    )
    assert created.status_code == 201, created.text
    login = await gateway.post("/api/v1/auth/token", data={"username": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return created.json()["id"], login.json()["access_token"]


async def _eventually(read: Any, check: Any, timeout: float = 30.0) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = await read()
        if check(value) or loop.time() > deadline:
            return value
        await asyncio.sleep(0.2)


async def test_a_captured_lead_is_assigned_qualified_and_scored(
    stack: Stack,
    gateway: httpx.AsyncClient,
    contact_events: TopicReader,
    lead_events: TopicReader,
) -> None:
    rep_id, rep_token = await _user(gateway, stack, "sales")
    _, marketing_token = await _user(gateway, stack, "marketing")
    made_rep = await gateway.post(
        f"{LEADS}/sales-reps", json={"user_id": rep_id, "countries": ["IS"]}
    )
    assert made_rep.status_code == 201, made_rep.text
    rule = await gateway.post(
        f"{LEADS}/assignment-rules",
        json={"name": "Iceland", "method": "territory", "countries": ["IS"], "user_ids": [rep_id]},
    )
    assert rule.status_code == 201, rule.text
    try:
        marker = uuid.uuid4().hex[:10]
        email = f"bjork.{marker}@example.is"
        contact = await gateway.post(
            "/api/v1/contacts",
            json={"first_name": "Björk", "email": email, "lifecycle_stage": "lead"},
        )
        assert contact.status_code == 201, contact.text
        contact_id = contact.json()["id"]

        async with (
            gateway_client(stack, marketing_token) as marketing,
            gateway_client(stack, rep_token) as rep,
        ):
            capture = {
                "first_name": "Björk",
                "email": email,
                "company_name": f"Sugarcubes {marker}",
                "country": "is",
                "source": "Webinar",
                "contact_id": contact_id,
            }
            captured = await marketing.post(
                LEADS, json=capture, headers={"Idempotency-Key": f"capture-{marker}"}
            )
            assert captured.status_code == 201, captured.text
            lead = captured.json()
            assert (lead["owner_id"], lead["version"], lead["status"]) == (rep_id, 2, "new")
            # Stored before the first answer ends: an immediate retry is a replay.
            replayed = await marketing.post(
                LEADS, json=capture, headers={"Idempotency-Key": f"capture-{marker}"}
            )
            assert replayed.status_code == 201, replayed.text
            assert replayed.json()["id"] == lead["id"]
            assert replayed.headers["idempotent-replayed"] == "true"
            url = f"{LEADS}/{lead['id']}"
            refused = await marketing.patch(url, json={"status": "qualified"})
            assert refused.status_code == 403
            assert refused.headers["content-type"].startswith("application/problem+json")

            mine = await rep.get(LEADS, params={"owner_id": rep_id, "q": marker})
            assert [item["id"] for item in mine.json()["items"]] == [lead["id"]]
            qualified = await rep.patch(
                url, json={"status": "qualified"}, headers={"If-Match": "2"}
            )
            assert qualified.status_code == 200, qualified.text
            assert (qualified.json()["status"], qualified.json()["version"]) == ("qualified", 3)
            illegal = await rep.patch(url, json={"status": "new"})
            assert illegal.status_code == 409

        events = await lead_events.wait_for(of(lead["id"]), count=3)
        assert [e.get_type() for e in events] == [
            "crm.sales.lead.created",
            "crm.sales.lead.assigned",
            "crm.sales.lead.qualified",
        ]
        assert [e.get_extension("sequence") for e in events] == [1, 2, 3]
        assert data(events[1])["assignment"]["rule_id"] == rule.json()["id"]
        assert data(events[2])["contact_id"] == contact_id
        for headers in lead_events.headers:
            assert headers["content-type"] == b"application/cloudevents+json"
            assert not [name for name in headers if name.startswith("ce_")]

        (moved,) = await contact_events.wait_for(
            lambda e: (
                e.get_subject() == contact_id
                and e.get_type().endswith(".updated")
                and data(e).get("lifecycle_stage") == "sales_qualified_lead"
            )
        )
        assert data(moved)["changed"] == ["lifecycle_stage"]
        stage = (await gateway.get(f"/api/v1/contacts/{contact_id}")).json()["lifecycle_stage"]
        assert stage == "sales_qualified_lead"

        # Marketing does not exist yet: its engagement event goes straight to Kafka.
        clicked = cloud_event(
            "crm.marketing.engagement.clicked",
            {"email": email, "contact_id": contact_id},
            source="crm/marketing",
        )
        await publish(
            stack.kafka_bootstrap,
            "crm.marketing.engagement",
            clicked,
            key=contact_id,
            content_type=True,
        )
        (scored,) = await lead_events.wait_for(of(lead["id"], "scored"))
        assert data(scored)["cause"]["engagement"]["event_id"] == clicked["id"]

        async def read_lead() -> dict[str, Any]:
            return dict((await gateway.get(url)).json())

        after = await _eventually(read_lead, lambda lead: lead["engagement_score"] > 0)
        assert (after["engagement_score"], after["score"], after["version"]) == (3, 3, 4)
    finally:
        await gateway.delete(f"{LEADS}/assignment-rules/{rule.json()['id']}")
        await gateway.delete(f"{LEADS}/sales-reps/{rep_id}")
