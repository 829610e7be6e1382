"""Through the gateway: the sales service reacts to the contacts service. Merging a
contact into another repoints the deals and leads that named the duplicate; erasing a
contact blanks the personal data of its leads. The sales events are read by an
independent Kafka reader."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from support.sales import create
from support.sales_gateway import stage_when

from crm_cli.stack import Stack
from tests.e2e.events import TopicReader, data, of

PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone", "title")


@pytest.fixture(scope="module")
async def sales_events(stack: Stack) -> AsyncIterator[dict[str, TopicReader]]:
    """Independent readers of the lead and deal topics, by the topic's last word;
    one set per module (each test looks only at its own subjects)."""
    readers = {t: TopicReader(stack.kafka_bootstrap, f"crm.sales.{t}") for t in ("lead", "deal")}
    await asyncio.gather(*(reader.start() for reader in readers.values()))
    yield readers
    await asyncio.gather(*(reader.stop() for reader in readers.values()))


async def _when(
    client: httpx.AsyncClient,
    path: str,
    check: Callable[[dict[str, Any]], bool],
    timeout: float = 30,
) -> dict[str, Any]:
    """The resource at `path` once `check` holds; fails with the last answer otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: dict[str, Any] = {}
    while loop.time() < deadline:
        response = await client.get(path)
        assert response.status_code == 200, response.text
        last = dict(response.json())
        if check(last):
            return last
        await asyncio.sleep(0.2)
    raise AssertionError(f"{path} never got there; last seen {last}")


async def test_a_merge_repoints_the_duplicates_deal_and_lead(
    gateway: httpx.AsyncClient, seller: httpx.AsyncClient, sales_events: dict[str, TopicReader]
) -> None:
    marker = uuid.uuid4().hex[:10]
    survivor = await create(
        gateway, "/api/v1/contacts", {"first_name": "Ada", "last_name": f"Lovelace{marker}"}
    )
    duplicate = await create(
        gateway,
        "/api/v1/contacts",
        {"first_name": "Ada", "email": f"ada.{marker}@example.com", "lifecycle_stage": "lead"},
    )
    me = (await seller.get("/api/v1/users/me")).json()["id"]
    deal = await create(
        seller,
        "/api/v1/deals",
        {"name": "Analytical engine", "amount": "1843.00", "currency": "GBP"}
        | {"contact_id": duplicate["id"]},
    )
    lead = await create(
        seller,
        "/api/v1/leads",
        {"first_name": "Ada", "company_name": f"Engines {marker}", "owner_id": me}
        | {"contact_id": duplicate["id"]},
    )
    other = await create(seller, "/api/v1/leads", {"last_name": f"Babbage{marker}", "owner_id": me})
    # The contacts service makes the duplicate an opportunity for its deal: let that land
    # first, so the merge is the last word on the duplicate.
    await stage_when(gateway, duplicate["id"], "opportunity")

    merged = await gateway.post(
        "/api/v1/contacts/merge",
        json={"primary_id": survivor["id"], "duplicate_ids": [duplicate["id"]]},
    )
    assert merged.status_code == 200, merged.text

    survivor_id = survivor["id"]
    moved = await _when(
        seller, f"/api/v1/deals/{deal['id']}", lambda d: d["contact_id"] == survivor_id
    )
    assert (moved["version"], moved["amount"], moved["status"]) == (
        deal["version"] + 1,
        "1843.00",
        "open",
    )
    relinked = await _when(
        seller, f"/api/v1/leads/{lead['id']}", lambda d: d["contact_id"] == survivor_id
    )
    assert (relinked["version"], relinked["first_name"]) == (lead["version"] + 1, "Ada")

    (deal_event,) = await sales_events["deal"].wait_for(of(deal["id"], "updated"))
    assert (data(deal_event)["contact_id"], data(deal_event)["changed"]) == (
        survivor_id,
        ["contact_id"],
    )
    assert deal_event.get_extension("sequence") == moved["version"]
    (lead_event,) = await sales_events["lead"].wait_for(of(lead["id"], "updated"))
    assert (data(lead_event)["contact_id"], data(lead_event)["changed"]) == (
        survivor_id,
        ["contact_id"],
    )
    # A lead that named no merged contact is left alone.
    assert (await seller.get(f"/api/v1/leads/{other['id']}")).json()["version"] == other["version"]
    assert sales_events["lead"].matching(of(other["id"], "updated")) == []


async def test_an_erased_contact_leaves_its_leads_without_personal_data(
    gateway: httpx.AsyncClient, seller: httpx.AsyncClient, sales_events: dict[str, TopicReader]
) -> None:
    marker = uuid.uuid4().hex[:10]
    person = {
        "first_name": "Hedy",
        "last_name": f"Lamarr{marker}",
        "email": f"hedy.{marker}@example.com",
        "phone": "+1 310 555 0142",
        "title": "Inventor",
    }
    contact = await create(gateway, "/api/v1/contacts", person)
    me = (await seller.get("/api/v1/users/me")).json()["id"]
    lead = await create(
        seller,
        "/api/v1/leads",
        person
        | {"company_name": f"Frequency Hopping {marker}", "contact_id": contact["id"]}
        | {"source": "referral", "owner_id": me},
    )
    personal = {name: lead[name] for name in PERSONAL_FIELDS}
    assert all(personal.values()), personal
    deal = await create(
        seller,
        "/api/v1/deals",
        {"name": "Torpedo guidance", "amount": "500.00", "currency": "USD"}
        | {"contact_id": contact["id"]},
    )
    await stage_when(gateway, contact["id"], "opportunity")

    erased = await gateway.post(f"/api/v1/contacts/{contact['id']}/erase")
    assert erased.status_code == 200, erased.text

    scrubbed = await _when(seller, f"/api/v1/leads/{lead['id']}", lambda d: d["email"] is None)
    assert {name: scrubbed[name] for name in PERSONAL_FIELDS} == dict.fromkeys(PERSONAL_FIELDS)
    assert (scrubbed["company_name"], scrubbed["source"], scrubbed["contact_id"]) == (
        f"Frequency Hopping {marker}",
        "referral",
        contact["id"],
    )
    assert scrubbed["version"] == lead["version"] + 1
    (event,) = await sales_events["lead"].wait_for(of(lead["id"], "updated"))
    assert sorted(data(event)["changed"]) == sorted(PERSONAL_FIELDS)
    assert event.get_extension("sequence") == scrubbed["version"]
    published = json.dumps(data(event))
    for name, value in personal.items():
        assert data(event)[name] is None
        assert str(value) not in published, name
    assert marker not in published.replace(f"Frequency Hopping {marker}", "")
    # The deal carries no personal data: it keeps its contact id and is not changed.
    kept = (await seller.get(f"/api/v1/deals/{deal['id']}")).json()
    assert (kept["contact_id"], kept["version"]) == (contact["id"], deal["version"])
