"""Marketing engagement scores leads: `crm.marketing.engagement.<type>` events, found by
lead id, contact id or email, counted once per event however often they are delivered,
at points configured as data."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg
import httpx
from support.kafka import KafkaEvents
from support.sales import (
    LEAD_TOPIC,
    LEADS,
    SalesApp,
    assert_problem,
    cloud_event,
    create,
    locs,
    publish,
    sales_app_fixture,
    user_fixture,
)

from crm_cli.stack import Infra
from crm_sales.events.handlers import CONSUMER, MARKETING_ENGAGEMENT_TOPIC, score_engagement
from crm_shared.events import Envelope
from crm_shared.inbox import HANDLED, handle_once

POINTS = f"{LEADS}/engagement-points"


# The consumer must have joined its group before engagement events are produced.
service = sales_app_fixture(wait_for_broker=True)
rep = user_fixture("sales", subject="rep-3")
manager = user_fixture("manager", subject="boss-3")


def _engagement(kind: str, event_id: str | None = None, **data: Any) -> dict[str, Any]:
    event = cloud_event(
        f"crm.marketing.engagement.{kind}", data, source="crm/marketing", actor="campaign-7"
    )
    return event | ({"id": event_id} if event_id else {})


async def _handle(service: SalesApp, event: dict[str, Any]) -> bool:
    envelope = Envelope.model_validate(event)
    return await handle_once(service.app.state.db, CONSUMER, envelope, score_engagement)


async def _lead(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"last_name": "Clarke", "email": f"joan.{uuid.uuid4().hex[:8]}@example.com", **fields}
    return await create(client, LEADS, body)


async def _get(client: httpx.AsyncClient, lead: dict[str, Any]) -> dict[str, Any]:
    return dict((await client.get(f"{LEADS}/{lead['id']}")).json())


async def test_an_engagement_scores_its_lead_once(
    service: SalesApp, rep: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    reader = await kafka_events(LEAD_TOPIC)
    lead = await _lead(rep)
    clicked = _engagement("clicked", email=lead["email"].upper())

    assert await _handle(service, clicked) is True
    assert await _handle(service, clicked) is False  # redelivered: counted once
    after = await _get(rep, lead)
    assert (after["engagement_score"], after["score"], after["version"]) == (3, 3, 2)

    await _handle(service, _engagement("replied", lead_id=lead["id"]))
    await _handle(service, _engagement("unsubscribed", lead_id=lead["id"]))
    after = await _get(rep, lead)
    assert (after["engagement_score"], after["version"]) == (3 + 10 - 10, 4)

    events = await reader.collect(
        lambda e: e["subject"] == lead["id"] and e["type"].endswith(".scored"), count=3
    )
    assert [e["sequence"] for e in events] == [2, 3, 4]
    assert events[0]["data"]["changed"] == ["engagement_score", "score"]
    assert events[0]["data"]["cause"] == {
        "engagement": {"type": "clicked", "event_id": clicked["id"], "points": 3}
    }
    assert events[0]["actor"] == "campaign-7"


async def test_engagements_find_leads_by_contact_and_skip_the_rest(
    service: SalesApp, rep: httpx.AsyncClient
) -> None:
    contact_id = str(uuid.uuid4())
    first = await _lead(rep, contact_id=contact_id)
    second = await _lead(rep, contact_id=contact_id)
    by_email = await _lead(rep)
    same_email = await _lead(rep, email=by_email["email"])
    converted = await _lead(rep)
    conn = await asyncpg.connect(service.dsn)
    try:  # conversion is another part of the service; here the row says it happened
        await conn.execute(
            "UPDATE leads SET status = 'converted' WHERE id = $1", uuid.UUID(converted["id"])
        )
    finally:
        await conn.close()

    await _handle(service, _engagement("opened", contact_id=contact_id))
    assert [(await _get(rep, lead))["score"] for lead in (first, second)] == [1, 1]
    await _handle(service, _engagement("opened", email=by_email["email"]))
    assert [(await _get(rep, lead))["score"] for lead in (by_email, same_email)] == [1, 1]

    ignored = [
        _engagement("bounced", email=by_email["email"]),  # a type with no points
        _engagement("opened", email=converted["email"]),  # a converted lead is history
        _engagement("opened", email="nobody@example.com"),
        _engagement("opened", lead_id="not-an-id", email="also not an email"),
        {**_engagement("opened", lead_id=first["id"]), "type": "crm.marketing.campaign.sent"},
    ]
    for event in ignored:
        assert await _handle(service, event) is True
    assert (await _get(rep, by_email))["version"] == 2
    assert (await _get(rep, first))["version"] == 2
    assert (await _get(rep, converted))["score"] == 0


async def test_changing_the_points_rescores_counted_engagements(
    service: SalesApp, rep: httpx.AsyncClient, manager: httpx.AsyncClient
) -> None:
    lead = await _lead(rep)
    for _ in range(2):
        await _handle(service, _engagement("clicked", lead_id=lead["id"]))
    assert (await _get(rep, lead))["engagement_score"] == 6
    current = (await rep.get(POINTS)).json()
    assert current["points"]["clicked"] == 3
    version = current["version"]
    try:
        stale = await manager.patch(POINTS, json={"points": {}}, headers={"If-Match": "999"})
        assert_problem(stale, 412)
        response = await manager.patch(
            POINTS,
            json={"points": {"clicked": 5, "bounced": -2, "opened": None}},
            headers={"If-Match": str(version)},
        )
        assert response.status_code == 200, response.text
        assert response.json()["points"] == {
            "bounced": -2,
            "clicked": 5,
            "replied": 10,
            "unsubscribed": -10,
        }
        assert response.json()["version"] == version + 1
        assert (await _get(rep, lead))["engagement_score"] == 10
        await _handle(service, _engagement("bounced", lead_id=lead["id"]))
        assert (await _get(rep, lead))["engagement_score"] == 8
        bad = await manager.patch(POINTS, json={"points": {"Opened!": 1}})
        assert ["body", "points"] in locs(assert_problem(bad, 422))
        bad = await manager.patch(POINTS, json={"points": {"opened": 1.5}})
        assert_problem(bad, 422)
        assert_problem(await rep.patch(POINTS, json={"points": {"opened": 9}}), 403)
    finally:
        restore = {"clicked": 3, "opened": 1, "bounced": None}
        await manager.patch(POINTS, json={"points": restore})
    assert (await _get(rep, lead))["engagement_score"] == 6


async def test_a_redelivered_kafka_event_scores_once(
    infra: Infra, rep: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    reader = await kafka_events(LEAD_TOPIC)
    lead = await _lead(rep)
    duplicates = HANDLED.labels(MARKETING_ENGAGEMENT_TOPIC, "duplicate")
    before = duplicates._value.get()
    event = _engagement("replied", email=lead["email"])
    await publish(infra.kafka_bootstrap, MARKETING_ENGAGEMENT_TOPIC, event, event, key=lead["id"])

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while duplicates._value.get() < before + 1:
        assert loop.time() < deadline, "the redelivered event was never seen by the consumer"
        await asyncio.sleep(0.1)

    after = await _get(rep, lead)
    assert (after["engagement_score"], after["version"]) == (10, 2)
    scored = await reader.collect(
        lambda e: e["subject"] == lead["id"] and e["type"] == "crm.sales.lead.scored", timeout=30
    )
    assert scored[0]["data"]["cause"]["engagement"]["event_id"] == event["id"]
    await reader.none_within(lambda e: e["subject"] == lead["id"] and e["sequence"] > 2)
