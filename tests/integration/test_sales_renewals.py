"""Contract renewals in the sales service, in-process against the session's PostgreSQL and
broker: a `crm.contracts.contract.renewal_due` opens one renewal deal per contract and
term, whatever is redelivered or announced again; a payload that can never open a deal
is parked on the topic's DLQ with the field it lacks; other contract events change nothing.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from support.kafka import KafkaEvents
from support.sales import (
    DEAL_TOPIC,
    DEALS,
    SalesApp,
    cloud_event,
    publish,
    sales_app_fixture,
    user_fixture,
)

from crm_cli.stack import Infra
from crm_sales.adapters.renewal_store import renewal_deal_id
from crm_sales.domain.renewal import InvalidRenewalError
from crm_sales.events.contract_reactions import CONSUMER, CONTRACT_TOPIC, react_to_contract
from crm_shared.events import Envelope
from crm_shared.inbox import handle_once

service = sales_app_fixture(wait_for_broker=True)
rep = user_fixture("sales", subject="rep-renewals")


def _contract(**fields: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "title": "Support plan",
        "contact_id": str(uuid.uuid4()),
        "amount": "12000.50",
        "currency": "EUR",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        **fields,
    }


def _event(contract: dict[str, Any], action: str = "renewal_due") -> dict[str, Any]:
    return cloud_event(
        f"{CONTRACT_TOPIC}.{action}",
        contract,
        source="crm/contracts",
        subject=contract["id"],
        time="2026-11-01T00:00:00Z",
        datacontenttype="application/json",
        actor="contracts-scheduler",
    )


async def _handle(service: SalesApp, event: dict[str, Any]) -> bool:
    envelope = Envelope.model_validate(event)
    return await handle_once(service.app.state.db, CONSUMER, envelope, react_to_contract)


async def _deals_of(client: httpx.AsyncClient, contact_id: str) -> list[dict[str, Any]]:
    page = await client.get(DEALS, params={"contact_id": contact_id})
    assert page.status_code == 200, page.text
    return list(page.json()["items"])


async def _first_open_stage(client: httpx.AsyncClient) -> tuple[str, str]:
    page = (await client.get("/api/v1/pipelines")).json()
    (default,) = [p for p in page["items"] if p["is_default"]]
    stage = next(s for s in default["stages"] if s["kind"] == "open")
    return default["id"], stage["id"]


async def test_renewal_due_opens_one_deal_per_term(
    service: SalesApp, rep: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    owner = str(uuid.uuid4())
    origin = await rep.post(
        DEALS, json={"name": "First year", "amount": "10000", "currency": "EUR", "owner_id": owner}
    )
    assert origin.status_code == 201, origin.text
    company = str(uuid.uuid4())
    contract = _contract(
        company_id=company,
        deal_id=origin.json()["id"],
        renewal={"term_start": "2027-01-01", "term_end": "2027-12-31"},
    )
    reader = await kafka_events(DEAL_TOPIC)
    event = _event(contract)

    assert await _handle(service, event)
    assert not await _handle(service, event)  # redelivered: the inbox knows its id
    assert await _handle(service, {**event, "id": str(uuid.uuid4())})  # announced again

    (deal,) = await _deals_of(rep, contract["contact_id"])
    pipeline_id, stage_id = await _first_open_stage(rep)
    assert deal["name"] == "Renewal: Support plan"
    assert (deal["amount"], deal["currency"]) == ("12000.50", "EUR")
    assert (deal["contact_id"], deal["company_id"]) == (contract["contact_id"], company)
    assert (deal["pipeline_id"], deal["stage_id"]) == (pipeline_id, stage_id)
    assert (deal["status"], deal["close_date"], deal["version"]) == ("open", "2026-12-31", 1)
    assert deal["owner_id"] == owner  # the origin deal's, as the contract names none
    async with service.app.state.db.sessions() as session:
        found = await renewal_deal_id(session, uuid.UUID(contract["id"]), "2027-01-01")
    assert str(found) == deal["id"]

    created = await reader.one(lambda e: e["subject"] == deal["id"])
    assert created["type"] == "crm.sales.deal.created"
    assert created["actor"] == "contracts-scheduler"
    assert (created["data"]["name"], created["data"]["amount"]) == (deal["name"], "12000.50")
    renewal_of = {"contract_id": contract["id"], "term": "2027-01-01"}
    assert created["data"]["renewal_of"] == renewal_of
    await reader.none_within(lambda e: e["subject"] == deal["id"], seconds=1.0)
    assert len(reader.events(lambda e: e["data"].get("contact_id") == contract["contact_id"])) == 1

    # The next term is another renewal: another deal.
    next_term = {**contract, "renewal": {"term_start": "2028-01-01"}, "end_date": "2027-12-31"}
    assert await _handle(service, _event(next_term))
    assert len(await _deals_of(rep, contract["contact_id"])) == 2


async def test_the_contracts_owner_wins_and_a_title_is_optional(
    service: SalesApp, rep: httpx.AsyncClient
) -> None:
    owner = str(uuid.uuid4())
    contract = _contract(title=None, owner_id=owner, deal_id=str(uuid.uuid4()))
    del contract["start_date"]
    assert await _handle(service, _event(contract))
    (deal,) = await _deals_of(rep, contract["contact_id"])
    assert deal["name"] == f"Renewal of contract {contract['id'][:8]}"
    assert (deal["owner_id"], deal["company_id"]) == (owner, None)


async def test_other_contract_events_open_nothing(
    service: SalesApp, rep: httpx.AsyncClient
) -> None:
    contract = _contract()
    for action in ("signed", "activated", "renewed"):
        assert await _handle(service, _event(contract, action))
    assert await _deals_of(rep, contract["contact_id"]) == []


async def test_a_bad_payload_is_refused_naming_the_field(
    service: SalesApp, rep: httpx.AsyncClient
) -> None:
    contract = _contract(amount="12.345")
    event = _event(contract)
    with pytest.raises(InvalidRenewalError, match=r"data\.amount"):
        await _handle(service, event)
    # Nothing was kept, not even the claim of the event id: a fixed replay still runs.
    fixed = {**event, "data": {**contract, "amount": "12.35"}}
    assert await _handle(service, fixed)
    assert [d["amount"] for d in await _deals_of(rep, contract["contact_id"])] == ["12.35"]


async def test_through_the_broker_bad_events_reach_the_dlq(
    infra: Infra, service: SalesApp, rep: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    dlq = await kafka_events(f"{CONTRACT_TOPIC}.dlq")
    good = _contract()
    bad = _contract()
    del bad["contact_id"]
    bad_event = _event(bad)
    await publish(infra.kafka_bootstrap, CONTRACT_TOPIC, bad_event, _event(good), content_type=True)

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while not await _deals_of(rep, good["contact_id"]):
        assert loop.time() < deadline, "the renewal_due was never handled"
        await asyncio.sleep(0.2)
    parked = next(
        r
        for r in await _received(dlq, bad_event["id"])
        if r.headers.get("x-consumer") == CONSUMER.encode()
    )
    assert b"data.contact_id" in parked.headers["x-error"]
    assert parked.headers["x-original-topic"] == CONTRACT_TOPIC.encode()


async def _received(reader: Any, event_id: str) -> list[Any]:
    await reader.collect(lambda e: e["id"] == event_id, count=1, timeout=60)
    return [r for r in reader.received if r.event and r.event["id"] == event_id]
