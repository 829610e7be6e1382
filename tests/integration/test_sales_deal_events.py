"""The sales service's deal events, in-process against the session's PostgreSQL and
broker, as an independent reader sees them: one per change, in order, keyed by the deal;
and the AsyncAPI document describing the deal, pipeline and target events."""

from __future__ import annotations

import uuid

import httpx
from support.kafka import KafkaEvents
from support.sales import (
    CLOSED_WON,
    DEAL_TOPIC,
    DEALS,
    NEGOTIATION,
    PROSPECTING,
    SalesApp,
    create_deal,
    patch_deal,
    sales_app_fixture,
    user_fixture,
)

REP_ID = str(uuid.uuid4())

service = sales_app_fixture()
rep = user_fixture("sales", subject=REP_ID)


async def test_every_change_publishes_its_event(
    rep: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    reader = await kafka_events(DEAL_TOPIC)
    contact_id = str(uuid.uuid4())
    deal = await create_deal(rep, contact_id=contact_id)
    deal = (await patch_deal(rep, deal, {"name": "Renamed"})).json()
    deal = (await patch_deal(rep, deal, {"stage_id": NEGOTIATION})).json()
    deal = (await patch_deal(rep, deal, {"status": "lost", "lost_reason": "No budget"})).json()
    deal = (await patch_deal(rep, deal, {"stage_id": PROSPECTING})).json()
    deal = (await patch_deal(rep, deal, {"status": "won"})).json()
    assert (await rep.delete(f"{DEALS}/{deal['id']}")).status_code == 204

    events = await reader.collect(lambda e: e["subject"] == deal["id"], count=7, timeout=30)
    assert [(e["type"].rsplit(".", 1)[1], e["sequence"]) for e in events] == [
        ("created", 1),
        ("updated", 2),
        ("stage_changed", 3),
        ("lost", 4),
        ("stage_changed", 5),
        ("won", 6),
        ("deleted", 7),
    ]
    created, updated, moved, lost, reopened, won, deleted = (e["data"] for e in events)
    assert created["contact_id"] == won["contact_id"] == contact_id
    assert created["amount"] == "1000.00"
    assert updated["changed"] == ["name"]
    assert (moved["from_stage_id"], moved["to_stage_id"]) == (PROSPECTING, NEGOTIATION)
    assert set(lost["changed"]) >= {"stage_id", "status", "lost_reason"}
    assert lost["lost_reason"] == "No budget"
    assert (reopened["status"], reopened["lost_reason"]) == ("open", None)
    assert (won["status"], won["to_stage_id"]) == ("won", CLOSED_WON)
    assert deleted["id"] == deal["id"]
    assert all(e["source"] == "crm/sales" and e["actor"] == REP_ID for e in events)
    assert {r.key for r in reader.received if r.event and r.event["subject"] == deal["id"]} == {
        deal["id"].encode()
    }


async def test_a_deal_created_won_publishes_created_then_won(
    rep: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    reader = await kafka_events(DEAL_TOPIC)
    contact_id = str(uuid.uuid4())
    response = await rep.post(
        DEALS,
        json={
            "name": "Signed",
            "amount": "5",
            "currency": "EUR",
            "status": "won",
            "contact_id": contact_id,
        },
    )
    deal = response.json()
    assert (deal["status"], deal["version"]) == ("won", 2)
    assert response.headers["etag"] == '"2"'
    events = await reader.collect(lambda e: e["subject"] == deal["id"], count=2, timeout=30)
    assert [(e["type"], e["sequence"]) for e in events] == [
        ("crm.sales.deal.created", 1),
        ("crm.sales.deal.won", 2),
    ]
    assert events[1]["data"]["from_stage_id"] is None
    assert events[1]["data"]["contact_id"] == contact_id


async def test_asyncapi_describes_deal_pipeline_and_target_events(service: SalesApp) -> None:
    async with service.client() as anonymous:
        document = (await anonymous.get("/asyncapi.json")).json()
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert {DEAL_TOPIC, "crm.sales.pipeline", "crm.sales.target"} <= addresses
    schemas = document["components"]["schemas"]
    assert {"DealData", "DealStageChangedData", "PipelineData", "TargetData"} <= set(schemas)
    assert "from_stage_id" in schemas["DealStageChangedData"]["properties"]
    assert "renewal_of" in schemas["DealCreatedData"]["properties"]
    assert "automation" in schemas["LeadAssignedData"]["properties"]
