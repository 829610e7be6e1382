"""Lead conversion as a saga between the sales and contacts services, both in-process on
their own databases and talking through the session's broker; and the sales reactions
to contacts being merged or erased. Redelivery safety is shown by handling the same
events again (same id: deduplicated; a replay with a new id: changes nothing)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from support.kafka import KafkaEvents
from support.sales import LEAD_TOPIC, LEADS, SalesApp, assert_problem, create, running_sales_app
from test_contacts_api import ContactsApp, running_contacts_app

from crm_cli.stack import Infra
from crm_contacts.events.conversion import and_convert_leads
from crm_contacts.events.handlers import CONSUMER as CONTACTS_CONSUMER
from crm_contacts.events.handlers import advance_lifecycle
from crm_sales.events.contact_reactions import CONSUMER as SALES_CONSUMER
from crm_sales.events.contact_reactions import react_to_contact
from crm_shared.events import Envelope
from crm_shared.inbox import handle_once

# The session stack's contacts service would answer our conversions too (conftest).
pytestmark = pytest.mark.before_stack

CONTACT_TOPIC = "crm.contacts.contact"
# The contacts service's handler of sales lead events, as its consumer runs it.
convert_lead = and_convert_leads(advance_lifecycle)
DEAL = {"name": "Pilot", "amount": "1200.50", "currency": "EUR"}


@pytest.fixture(scope="module")
async def apps(infra: Infra) -> AsyncIterator[tuple[SalesApp, ContactsApp]]:
    async with running_sales_app(infra) as sales, running_contacts_app(infra) as contacts:
        for app in (sales.app, contacts.app):
            await asyncio.wait_for(app.state.broker_connected.wait(), 120)
        yield sales, contacts


@pytest.fixture
async def rep(apps: tuple[SalesApp, ContactsApp]) -> AsyncIterator[httpx.AsyncClient]:
    async with apps[0].client("sales", subject="rep-9") as client:
        yield client


@pytest.fixture
async def people(apps: tuple[SalesApp, ContactsApp]) -> AsyncIterator[httpx.AsyncClient]:
    async with apps[1].client("admin", subject="admin-9") as client:
        yield client


def _email() -> str:
    return f"grace.{uuid.uuid4().hex[:8]}@example.com"


async def _lead(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"first_name": "Grace", "last_name": "Hopper", "email": _email(), **fields}
    return await create(client, LEADS, body)


async def _completed(client: httpx.AsyncClient, lead_id: str) -> dict[str, Any]:
    """The lead's conversion once it is no longer pending (or fail with the last seen)."""
    last: Any = None
    for _ in range(300):
        last = (await client.get(f"{LEADS}/{lead_id}/conversion")).json()
        if last.get("status") != "pending":
            return dict(last)
        await asyncio.sleep(0.2)
    raise AssertionError(f"the conversion never completed: {last}")


def _replayed(event: dict[str, Any]) -> Envelope:
    """The same event published again under a new id (a producer retry, a replay)."""
    return Envelope.model_validate({**event, "id": str(uuid.uuid4())})


async def test_conversion_creates_the_contact_and_opens_its_deal_once(
    apps: tuple[SalesApp, ContactsApp],
    rep: httpx.AsyncClient,
    people: httpx.AsyncClient,
    kafka_events: KafkaEvents,
) -> None:
    sales, contacts = apps
    lead_reader = await kafka_events(LEAD_TOPIC)
    contact_reader = await kafka_events(CONTACT_TOPIC)
    lead = await _lead(rep, company_name=f"Navy {uuid.uuid4().hex[:6]}", title="Admiral")

    started = await rep.post(f"{LEADS}/{lead['id']}/convert", json={"deal": DEAL})
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "pending"
    assert (await rep.get(f"{LEADS}/{lead['id']}")).json()["conversion"]["id"] == started.json()[
        "id"
    ]
    assert started.headers["Location"].endswith(f"/leads/{lead['id']}/conversion")
    again = await rep.post(f"{LEADS}/{lead['id']}/convert", json={"deal": DEAL})
    assert_problem(again, 409)

    done = await _completed(rep, lead["id"])
    assert done["status"] == "completed", done
    contact = (await people.get(f"/api/v1/contacts/{done['contact_id']}")).json()
    assert (contact["email"], contact["title"]) == (lead["email"], "Admiral")
    assert contact["company_id"] == done["company_id"] is not None
    deal = (await rep.get(f"/api/v1/deals/{done['deal_id']}")).json()
    assert (deal["contact_id"], deal["company_id"]) == (done["contact_id"], done["company_id"])
    assert (deal["amount"], deal["currency"], deal["status"]) == ("1200.50", "EUR", "open")
    converted = (await rep.get(f"{LEADS}/{lead['id']}")).json()
    assert (converted["status"], converted["contact_id"]) == ("converted", done["contact_id"])
    assert converted["conversion"] == done

    def about_lead(e: dict[str, Any]) -> bool:
        return bool(e["subject"] == lead["id"])

    requested, finished = await lead_reader.collect(
        lambda e: about_lead(e) and "conver" in e["type"], count=2
    )
    assert requested["type"] == "crm.sales.lead.conversion_requested"
    assert requested["data"]["conversion"]["deal"]["amount"] == "1200.50"
    assert finished["type"] == "crm.sales.lead.converted"
    assert finished["data"]["conversion"]["deal_id"] == done["deal_id"]
    (answer,) = await contact_reader.collect(
        lambda e: e["subject"] == done["contact_id"] and e["type"].endswith(".created"), count=1
    )
    assert answer["data"]["lead_conversion"]["conversion_id"] == done["id"]

    # Redelivered: each consumer already claimed these ids. Replayed: nothing changes.
    request_again = Envelope.model_validate(requested)
    answer_again = Envelope.model_validate(answer)
    assert not await handle_once(
        contacts.app.state.db, CONTACTS_CONSUMER, request_again, convert_lead
    )
    assert not await handle_once(sales.app.state.db, SALES_CONSUMER, answer_again, react_to_contact)
    await handle_once(sales.app.state.db, SALES_CONSUMER, _replayed(answer), react_to_contact)
    await handle_once(contacts.app.state.db, CONTACTS_CONSUMER, _replayed(requested), convert_lead)
    deals = (await rep.get("/api/v1/deals", params={"contact_id": done["contact_id"]})).json()
    assert [d["id"] for d in deals["items"]] == [done["deal_id"]]
    assert (await rep.get(f"{LEADS}/{lead['id']}")).json()["version"] == converted["version"]
    found = (await people.get("/api/v1/contacts", params={"q": lead["email"]})).json()
    assert [c["id"] for c in found["items"]] == [done["contact_id"]]


async def test_conversion_links_an_existing_contact_by_email(
    rep: httpx.AsyncClient, people: httpx.AsyncClient
) -> None:
    email = _email()
    made = await people.post("/api/v1/contacts", json={"last_name": "Hopper", "email": email})
    assert made.status_code == 201, made.text
    lead = await _lead(rep, email=email.upper(), phone="+14155550100")

    started = await rep.post(f"{LEADS}/{lead['id']}/convert", json={"deal": DEAL})
    assert started.status_code == 202, started.text
    done = await _completed(rep, lead["id"])

    assert done["contact_id"] == made.json()["id"]
    contact = (await people.get(f"/api/v1/contacts/{done['contact_id']}")).json()
    # Blanks are filled in from the lead; what the contact had stays.
    assert (contact["first_name"], contact["phone"]) == ("Grace", "+14155550100")
    assert contact["version"] > made.json()["version"]


async def test_bad_conversion_requests_name_the_field(rep: httpx.AsyncClient) -> None:
    lead = await _lead(rep)
    url = f"{LEADS}/{lead['id']}/convert"
    cases = [
        ({"deal": {**DEAL, "amount": "1.001"}}, ["body", "deal", "amount"]),
        ({"deal": {**DEAL, "currency": "XXX1"}}, ["body", "deal", "currency"]),
        ({"deal": {**DEAL, "pipeline_id": str(uuid.uuid4())}}, ["body", "deal", "pipeline_id"]),
        ({"deal": {"amount": "1", "currency": "EUR"}}, ["body", "deal", "name"]),
    ]
    for body, loc in cases:
        response = await rep.post(url, json=body)
        assert_problem(response, 422)
        assert loc in [error["loc"] for error in response.json()["errors"]], response.text
    nameless = await _lead(rep, first_name=None, last_name=None, email=None, company_name="Acme")
    assert_problem(await rep.post(f"{LEADS}/{nameless['id']}/convert", json={"deal": DEAL}), 422)
    assert_problem(await rep.post(f"{LEADS}/{uuid.uuid4()}/convert", json={"deal": DEAL}), 404)
    assert (await rep.get(f"{LEADS}/{lead['id']}/conversion")).status_code == 404


async def test_marketing_cannot_convert(
    apps: tuple[SalesApp, ContactsApp], rep: httpx.AsyncClient
) -> None:
    lead = await _lead(rep)
    async with apps[0].client("marketing") as marketer:
        response = await marketer.post(f"{LEADS}/{lead['id']}/convert", json={"deal": DEAL})
    assert_problem(response, 403)


def _contact_event(action: str, subject: uuid.UUID, **data: Any) -> Envelope:
    return Envelope.model_validate(
        {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "crm/contacts",
            "type": f"{CONTACT_TOPIC}.{action}",
            "subject": str(subject),
            "time": "2026-01-01T00:00:00Z",
            "data": {"id": str(subject), **data},
        }
    )


async def test_merged_contacts_are_repointed_once(
    apps: tuple[SalesApp, ContactsApp], rep: httpx.AsyncClient
) -> None:
    db = apps[0].app.state.db
    merged, survivor = uuid.uuid4(), uuid.uuid4()
    lead = await _lead(rep, contact_id=str(merged))
    made = await rep.post("/api/v1/deals", json={**DEAL, "contact_id": str(merged)})
    assert made.status_code == 201, made.text
    call = {"kind": "call", "subject": "Intro call", "contact_id": str(merged)}
    logged = await rep.post("/api/v1/activities", json=call)
    assert logged.status_code == 201, logged.text
    event = _contact_event("merged", survivor, merged_ids=[str(merged), str(uuid.uuid4())])

    assert await handle_once(db, SALES_CONSUMER, event, react_to_contact)
    assert not await handle_once(db, SALES_CONSUMER, event, react_to_contact)
    replay = event.model_copy(update={"id": str(uuid.uuid4())})
    assert await handle_once(db, SALES_CONSUMER, replay, react_to_contact)

    after = (await rep.get(f"{LEADS}/{lead['id']}")).json()
    assert (after["contact_id"], after["version"]) == (str(survivor), lead["version"] + 1)
    deal = (await rep.get(f"/api/v1/deals/{made.json()['id']}")).json()
    assert (deal["contact_id"], deal["version"]) == (str(survivor), made.json()["version"] + 1)
    activity = (await rep.get(f"/api/v1/activities/{logged.json()['id']}")).json()
    assert (activity["contact_id"], activity["version"]) == (str(survivor), 2)


async def test_erased_contacts_leave_no_personal_data_in_leads(
    apps: tuple[SalesApp, ContactsApp], rep: httpx.AsyncClient
) -> None:
    db = apps[0].app.state.db
    erased = uuid.uuid4()
    lead = await _lead(rep, contact_id=str(erased), phone="+14155550100", title="CTO")
    other = await _lead(rep, contact_id=str(uuid.uuid4()))
    event = _contact_event("erased", erased)

    assert await handle_once(db, SALES_CONSUMER, event, react_to_contact)
    await handle_once(
        db, SALES_CONSUMER, event.model_copy(update={"id": "again"}), react_to_contact
    )

    after = (await rep.get(f"{LEADS}/{lead['id']}")).json()
    personal = [after[name] for name in ("first_name", "last_name", "email", "phone", "title")]
    assert personal == [None] * 5
    assert (after["version"], after["contact_id"]) == (lead["version"] + 1, str(erased))
    assert (await rep.get(f"{LEADS}/{other['id']}")).json()["email"] == other["email"]
