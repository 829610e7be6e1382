"""Erasing a contact reaches the sales activities about it: those logged against the
contact and against its leads keep neither subject nor notes, each with a new version
and an `updated` event; other activities stay, and redelivery changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from support.kafka import KafkaEvents
from support.sales import (
    ACTIVITIES,
    ACTIVITY_TOPIC,
    LEADS,
    SalesApp,
    cloud_event,
    create,
    sales_app_fixture,
    user_fixture,
)

from crm_sales.events.contact_reactions import CONSUMER, ERASED_SUBJECT, react_to_contact
from crm_shared.events import Envelope
from crm_shared.inbox import handle_once

service = sales_app_fixture()
rep = user_fixture("sales")


async def _log(client: httpx.AsyncClient, **target: Any) -> dict[str, Any]:
    body = {"kind": "call", "subject": "Call Grace Hopper", "notes": "Her cell: 555-0100"}
    return await create(client, ACTIVITIES, {**body, **target})


def _erased(contact_id: uuid.UUID) -> Envelope:
    return Envelope.model_validate(
        cloud_event(
            "crm.contacts.contact.erased",
            {"id": str(contact_id)},
            source="crm/contacts",
            subject=str(contact_id),
        )
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

    # The reader may also see the activities' `created` events (the relay publishes them
    # whenever it gets to them): only their updates count here.
    def updated(e: dict[str, Any]) -> bool:
        return e["subject"] in erased_ids and e["type"] == "crm.sales.activity.updated"

    updates = await reader.collect(updated, count=2)
    assert {e["subject"] for e in updates} == erased_ids
    for update in updates:
        assert sorted(update["data"]["changed"]) == ["notes", "subject"]
        assert update["data"]["subject"] == ERASED_SUBJECT
    # Nothing more: the second erasure changed nothing, the unrelated activity stayed.
    watched = erased_ids | {unrelated["id"]}

    def changes(e: dict[str, Any]) -> bool:
        return e["subject"] in watched and e["type"] != "crm.sales.activity.created"

    await reader.none_within(changes, seconds=1.5)
    assert len(reader.events(changes)) == 2
