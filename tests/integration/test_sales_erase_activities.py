"""Erasing a contact reaches the sales activities about it: those logged against the
contact and against its leads keep neither subject nor notes, each with a new version
and an `updated` event; other activities stay, and redelivery changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from support.kafka import KafkaEvents
from test_sales_leads import LEADS, SalesApp, running_sales_app

from crm_cli.stack import Infra
from crm_sales.events.contact_reactions import CONSUMER, ERASED_SUBJECT, react_to_contact
from crm_shared.events import Envelope
from crm_shared.inbox import handle_once

ACTIVITIES = "/api/v1/activities"
ACTIVITY_TOPIC = "crm.sales.activity"


@pytest.fixture(scope="module")
async def service(infra: Infra) -> AsyncIterator[SalesApp]:
    async with running_sales_app(infra) as running:
        yield running


@pytest.fixture
async def rep(service: SalesApp) -> AsyncIterator[httpx.AsyncClient]:
    async with service.client("sales", subject=str(uuid.uuid4())) as client:
        yield client


async def _log(client: httpx.AsyncClient, **target: Any) -> dict[str, Any]:
    body = {"kind": "call", "subject": "Call Grace Hopper", "notes": "Her cell: 555-0100"}
    response = await client.post(ACTIVITIES, json={**body, **target})
    assert response.status_code == 201, response.text
    return dict(response.json())


def _erased(contact_id: uuid.UUID) -> Envelope:
    return Envelope.model_validate(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "crm/contacts",
            "type": "crm.contacts.contact.erased",
            "subject": str(contact_id),
            "time": "2026-01-01T00:00:00Z",
            "data": {"id": str(contact_id)},
        }
    )


async def test_erasure_blanks_the_contacts_activities_once(
    service: SalesApp, rep: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    db = service.app.state.db
    contact_id = uuid.uuid4()
    lead = await rep.post(LEADS, json={"first_name": "Grace", "contact_id": str(contact_id)})
    assert lead.status_code == 201, lead.text
    on_contact = await _log(rep, contact_id=str(contact_id))
    on_lead = await _log(rep, lead_id=lead.json()["id"])
    unrelated = await _log(rep, contact_id=str(uuid.uuid4()))
    reader = await kafka_events(ACTIVITY_TOPIC)
    event = _erased(contact_id)

    assert await handle_once(db, CONSUMER, event, react_to_contact)
    assert not await handle_once(db, CONSUMER, event, react_to_contact)
    # Erased again (a new event id): already blank, so no new version and no event.
    assert await handle_once(db, CONSUMER, _erased(contact_id), react_to_contact)

    for before in (on_contact, on_lead):
        after = (await rep.get(f"{ACTIVITIES}/{before['id']}")).json()
        assert (after["subject"], after["notes"]) == (ERASED_SUBJECT, None)
        assert after["version"] == before["version"] + 1
    kept = (await rep.get(f"{ACTIVITIES}/{unrelated['id']}")).json()
    assert (kept["subject"], kept["notes"], kept["version"]) == (
        unrelated["subject"],
        unrelated["notes"],
        unrelated["version"],
    )
    erased_ids = {on_contact["id"], on_lead["id"]}
    updates = await reader.collect(lambda e: e["subject"] in erased_ids, count=2)
    assert {e["subject"] for e in updates} == erased_ids
    for update in updates:
        assert update["type"] == "crm.sales.activity.updated"
        assert sorted(update["data"]["changed"]) == ["notes", "subject"]
        assert update["data"]["subject"] == ERASED_SUBJECT
    watched = erased_ids | {unrelated["id"]}
    await reader.none_within(lambda e: e["subject"] in watched, seconds=1.5)
    assert len(reader.events(lambda e: e["subject"] in watched)) == 2
