"""Through the gateway, with users of real roles: the sales work around deals. A task
logged on a deal becomes overdue (the scheduler announces it once) and is completed; a
quote priced from the price book is sent and accepted and sets the deal's amount; a
manager's target and the forecast add up a rep's deals exactly; and who may do what,
including that the sales service answers nobody without a token. Events are read by
independent Kafka readers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from support.sales import assert_problem
from support.sales_gateway import user_client

from crm_cli.stack import Stack
from tests.e2e.events import TopicReader, data, of

MERGE_PATCH = {"Content-Type": "application/merge-patch+json"}
# The default pipeline's open stages (fixed ids, services/sales migration 0002).
PROSPECTING = "5a1e5000-0000-4000-8000-000000000010"  # 10%
PROPOSAL = "5a1e5000-0000-4000-8000-000000000050"  # 50%
NEGOTIATION = "5a1e5000-0000-4000-8000-000000000075"  # 75%


@pytest.fixture
async def manager(stack: Stack, gateway: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    async with await user_client(stack, gateway, "manager") as client:
        yield client


@pytest.fixture(scope="module")
async def sales_events(stack: Stack) -> AsyncIterator[dict[str, TopicReader]]:
    """Independent readers of the deal, activity and quote topics, by the topic's last word;
    one set per module (each test looks only at its own subjects)."""
    readers = {
        name: TopicReader(stack.kafka_bootstrap, f"crm.sales.{name}")
        for name in ("deal", "activity", "quote")
    }
    await asyncio.gather(*(reader.start() for reader in readers.values()))
    yield readers
    await asyncio.gather(*(reader.stop() for reader in readers.values()))


async def _me(client: httpx.AsyncClient) -> str:
    me = await client.get("/api/v1/users/me")
    assert me.status_code == 200, me.text
    return str(me.json()["id"])


async def _deal(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"name": f"Deal {uuid.uuid4().hex[:8]}", "amount": "1000.00", "currency": "USD"}
    opened = await client.post("/api/v1/deals", json=body | fields)
    assert opened.status_code == 201, opened.text
    return dict(opened.json())


async def _own_pipeline(manager: httpx.AsyncClient) -> dict[str, Any]:
    """A pipeline of the test's own: no automation rule anyone set names its stages."""
    made = await manager.post(
        "/api/v1/pipelines",
        json={
            "name": f"Work e2e {uuid.uuid4().hex[:8]}",
            "stages": [
                {"name": "Discovery", "probability": 30},
                {"name": "Won", "kind": "won"},
                {"name": "Lost", "kind": "lost"},
            ],
        },
    )
    assert made.status_code == 201, made.text
    return dict(made.json())


async def _listed(client: httpx.AsyncClient, **params: str) -> list[str]:
    found = await client.get("/api/v1/activities", params=params)
    assert found.status_code == 200, found.text
    return [item["id"] for item in found.json()["items"]]


async def test_a_task_on_a_deal_becomes_overdue_once_then_is_completed(
    seller: httpx.AsyncClient, manager: httpx.AsyncClient, sales_events: dict[str, TopicReader]
) -> None:
    me = await _me(seller)
    pipeline = await _own_pipeline(manager)
    deal = await _deal(seller, pipeline_id=pipeline["id"])
    due = datetime.now(UTC) + timedelta(seconds=5)
    logged = await seller.post(
        "/api/v1/activities",
        json={
            "kind": "task",
            "subject": "Send the security questionnaire",
            "due_at": due.isoformat(),
            "deal_id": deal["id"],
        },
    )
    assert logged.status_code == 201, logged.text
    task = logged.json()
    assert (task["owner_id"], task["deal_id"], task["completed"], task["version"]) == (
        me,
        deal["id"],
        False,
        1,
    )
    assert datetime.fromisoformat(task["due_at"]) == due
    assert await _listed(seller, deal_id=deal["id"]) == [task["id"]]
    assert await _listed(seller, deal_id=deal["id"], overdue="true") == []
    (created,) = await sales_events["activity"].wait_for(of(task["id"], "created"))
    assert data(created)["deal_id"] == deal["id"]

    # The scheduler (every second in the test stack) announces it once it is due.
    (overdue,) = await sales_events["activity"].wait_for(of(task["id"], "overdue"), timeout=30)
    assert overdue.get_type() == "crm.sales.activity.overdue"
    assert data(overdue)["overdue_notified_at"] is not None
    assert data(overdue)["changed"] == ["overdue_notified_at"]
    assert datetime.fromisoformat(data(overdue)["overdue_notified_at"]) >= due
    await asyncio.sleep(3)  # a few more passes of the scheduler announce nothing more
    assert len(sales_events["activity"].matching(of(task["id"], "overdue"))) == 1
    assert await _listed(seller, deal_id=deal["id"], overdue="true") == [task["id"]]
    read = (await seller.get(f"/api/v1/activities/{task['id']}")).json()
    assert (read["version"], read["completed"]) == (2, False)

    done = await seller.patch(
        f"/api/v1/activities/{task['id']}",
        json={"completed": True},
        headers={"If-Match": str(read["version"]), **MERGE_PATCH},
    )
    assert done.status_code == 200, done.text
    assert (done.json()["completed"], done.json()["version"]) == (True, 3)
    assert done.json()["completed_at"] is not None
    (completed,) = await sales_events["activity"].wait_for(of(task["id"], "completed"))
    assert data(completed)["completed"] is True
    assert "completed_at" in data(completed)["changed"]
    assert completed.get_extension("sequence") == 3
    assert await _listed(seller, deal_id=deal["id"], overdue="true") == []
    assert await _listed(seller, deal_id=deal["id"], status="completed") == [task["id"]]
    await asyncio.sleep(1.5)
    assert len(sales_events["activity"].matching(of(task["id"], "overdue"))) == 1


async def _product(client: httpx.AsyncClient, name: str, price: str) -> dict[str, Any]:
    made = await client.post(
        "/api/v1/products",
        json={
            "sku": f"{name[:3].upper()}-{uuid.uuid4().hex[:10]}",
            "name": name,
            "unit_price": price,
            "currency": "USD",
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["unit_price"] == price
    return dict(made.json())


async def test_an_accepted_quote_prices_the_deal_exactly(
    seller: httpx.AsyncClient, manager: httpx.AsyncClient, sales_events: dict[str, TopicReader]
) -> None:
    dime = await _product(manager, "Dime widget", "0.10")
    nickel = await _product(manager, "Double nickel", "0.20")
    deal = await _deal(seller, amount="9999.00")
    made = await seller.post(
        "/api/v1/quotes",
        json={
            "deal_id": deal["id"],
            "lines": [
                {"product_id": dime["id"], "quantity": "3"},  # 3 x 0.1: 0.30000000000000004
                {"product_id": nickel["id"], "quantity": "1"},
                {
                    "description": "Onboarding",
                    "quantity": "3",
                    "unit_price": "19.99",
                    "discount_percent": "12.5",
                },  # 52.47375 -> 52.47
                {"description": "Half an hour", "quantity": "0.5", "unit_price": "0.25"},
            ],  # 0.125 -> 0.12 (half to even)
            "discount_percent": "10",  # 5.309 -> 5.31
            "tax_rate": "8.25",  # 47.78 x 8.25% = 3.94185 -> 3.94
        },
    )
    assert made.status_code == 201, made.text
    quote = made.json()
    assert (quote["status"], quote["currency"], quote["version"]) == ("draft", "USD", 1)
    assert [line["total"] for line in quote["lines"]] == ["0.30", "0.20", "52.47", "0.12"]
    assert [line["description"] for line in quote["lines"][:2]] == ["Dime widget", "Double nickel"]
    assert (quote["subtotal"], quote["discount_amount"], quote["tax_amount"], quote["total"]) == (
        "53.09",
        "5.31",
        "3.94",
        "51.72",
    )
    assert (quote["discount_percent"], quote["tax_rate"]) == ("10", "8.25")

    early = await seller.post(f"/api/v1/quotes/{quote['id']}/accept")
    assert_problem(early, 409)
    sent = await seller.post(f"/api/v1/quotes/{quote['id']}/send")
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "sent"
    frozen = await seller.patch(f"/api/v1/quotes/{quote['id']}", json={"tax_rate": "0"})
    assert_problem(frozen, 409)
    accepted = await seller.post(
        f"/api/v1/quotes/{quote['id']}/accept", headers={"If-Match": str(sent.json()["version"])}
    )
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["status"], accepted.json()["total"]) == ("accepted", "51.72")
    again = await seller.post(f"/api/v1/quotes/{quote['id']}/accept")
    assert_problem(again, 409)

    priced = (await seller.get(f"/api/v1/deals/{deal['id']}")).json()
    assert (priced["amount"], priced["currency"], priced["version"]) == ("51.72", "USD", 2)
    (event,) = await sales_events["quote"].wait_for(of(quote["id"], "accepted"))
    assert (data(event)["status"], data(event)["total"]) == ("accepted", "51.72")
    assert data(event)["deal_id"] == deal["id"]
    quote_types = [e.get_type() for e in sales_events["quote"].matching(of(quote["id"]))]
    assert quote_types == [f"crm.sales.quote.{a}" for a in ("created", "sent", "accepted")]
    (updated,) = await sales_events["deal"].wait_for(of(deal["id"], "updated"))
    assert (data(updated)["amount"], data(updated)["changed"]) == ("51.72", ["amount"])
    assert updated.get_extension("sequence") == 2

    # A second quote of the same deal cannot be accepted too.
    other = await seller.post(
        "/api/v1/quotes",
        json={"deal_id": deal["id"], "lines": [{"product_id": dime["id"], "quantity": "7"}]},
    )
    assert other.status_code == 201, other.text
    assert other.json()["total"] == "0.70"
    assert (await seller.post(f"/api/v1/quotes/{other.json()['id']}/send")).status_code == 200
    second = await seller.post(f"/api/v1/quotes/{other.json()['id']}/accept")
    assert_problem(second, 409)
    assert (await seller.get(f"/api/v1/deals/{deal['id']}")).json()["amount"] == "51.72"


async def test_the_forecast_and_target_add_up_a_reps_quarter(
    stack: Stack, gateway: httpx.AsyncClient, manager: httpx.AsyncClient
) -> None:
    async with await user_client(stack, gateway, "sales") as rep:
        owner = await _me(rep)  # a new user: nobody else's deals are counted
        in_quarter = {"close_date": "2031-05-15", "currency": "EUR"}
        await _deal(rep, amount="1000.00", stage_id=PROSPECTING, **in_quarter)
        await _deal(rep, amount="333.33", stage_id=PROPOSAL, **in_quarter)
        await _deal(rep, amount="2000.00", stage_id=NEGOTIATION, **in_quarter)
        await _deal(rep, amount="1200.00", status="won", **in_quarter)
        await _deal(rep, amount="5000.00", status="lost", lost_reason="Budget", **in_quarter)
        # Closing in the next quarter: counted there, not here.
        await _deal(
            rep, amount="700.00", stage_id=NEGOTIATION, close_date="2031-07-01", currency="EUR"
        )
        # A rep cannot set targets; a manager does.
        body = {"owner_id": owner, "period": "2031-q2", "amount": "4800.00", "currency": "EUR"}
        assert_problem(await rep.post("/api/v1/targets", json=body), 403)
    made = await manager.post("/api/v1/targets", json=body)
    assert made.status_code == 201, made.text
    target = made.json()
    assert (target["period"], target["closed_won"], target["attainment"]) == (
        "2031-Q2",
        "1200.00",
        "0.2500",
    )
    assert_problem(await manager.post("/api/v1/targets", json=body), 409)

    answer = await manager.get("/api/v1/forecast", params={"period": "2031-Q2", "owner_id": owner})
    assert answer.status_code == 200, answer.text
    forecast = answer.json()
    assert (forecast["starts_on"], forecast["ends_on"]) == ("2031-04-01", "2031-06-30")
    expected = {
        "currency": "EUR",
        # 1000 x 10% + 333.33 x 50% + 2000 x 75% = 1766.665, half to even
        "weighted_pipeline": "1766.66",
        "commit": "2000.00",  # stages at 75% or more
        "best_case": "3333.33",  # every open deal
        "closed_won": "1200.00",
        "open_deals": 3,
        "won_deals": 1,
        "target": "4800.00",
        "attainment": "0.2500",
    }
    assert forecast["owners"] == [{"owner_id": owner, "by_currency": [expected]}]
    assert forecast["totals"] == [expected]
    later = await manager.get("/api/v1/forecast", params={"period": "2031-Q3", "owner_id": owner})
    (july,) = later.json()["owners"][0]["by_currency"]
    assert (july["commit"], july["weighted_pipeline"], july["target"]) == ("700.00", "525.00", None)
    month = await manager.get("/api/v1/forecast", params={"period": "2031-05", "owner_id": owner})
    assert month.json()["owners"][0]["by_currency"][0]["target"] is None
    bad = await manager.get("/api/v1/forecast", params={"period": "2031-13", "owner_id": owner})
    assert "period" in str(assert_problem(bad, 422))


async def test_roles_decide_who_works_deals_and_the_service_needs_a_token(
    stack: Stack, gateway: httpx.AsyncClient, seller: httpx.AsyncClient
) -> None:
    deal = await _deal(seller, name="Fleet renewal", amount="25000.00")
    mine = await seller.get(f"/api/v1/deals/{deal['id']}")
    assert (mine.status_code, mine.json()["name"]) == (200, "Fleet renewal")
    edited = await seller.patch(
        f"/api/v1/deals/{deal['id']}",
        json={"amount": "26500.00"},
        headers={"If-Match": str(deal["version"]), **MERGE_PATCH},
    )
    assert edited.status_code == 200, edited.text
    assert (edited.json()["amount"], edited.json()["version"]) == ("26500.00", 2)

    async with await user_client(stack, gateway, "marketing") as marketer:
        seen = await marketer.get(f"/api/v1/deals/{deal['id']}")
        assert (seen.status_code, seen.json()["amount"]) == (200, "26500.00")
        assert (await marketer.get("/api/v1/deals")).status_code == 200
        assert_problem(
            await marketer.patch(f"/api/v1/deals/{deal['id']}", json={"name": "Mine now"}), 403
        )
        assert_problem(
            await marketer.post(
                "/api/v1/deals", json={"name": "X", "amount": "1.00", "currency": "USD"}
            ),
            403,
        )
        assert_problem(await marketer.delete(f"/api/v1/deals/{deal['id']}"), 403)
    async with await user_client(stack, gateway, "analyst") as analyst:
        assert (await analyst.get(f"/api/v1/deals/{deal['id']}")).status_code == 200
        pipeline = {
            "name": f"Analyst {uuid.uuid4().hex[:8]}",
            "stages": [{"name": "A"}, {"name": "W", "kind": "won"}, {"name": "L", "kind": "lost"}],
        }
        assert_problem(await analyst.post("/api/v1/pipelines", json=pipeline), 403)
    assert_problem(await seller.post("/api/v1/pipelines", json=pipeline), 403)
    unchanged = (await seller.get(f"/api/v1/deals/{deal['id']}")).json()
    assert (unchanged["name"], unchanged["version"]) == ("Fleet renewal", 2)

    # Straight to the sales service, past the gateway: nothing without a token.
    async with httpx.AsyncClient(base_url=stack.service_urls["sales"], trust_env=False) as sales:
        for response in (
            await sales.get(f"/api/v1/deals/{deal['id']}"),
            await sales.get("/api/v1/deals"),
            await sales.post("/api/v1/deals", json={"name": "X", "amount": "1", "currency": "USD"}),
            await sales.get("/api/v1/forecast", params={"period": "2031-Q2"}),
        ):
            assert_problem(response, 401)
        forged = await sales.get(
            f"/api/v1/deals/{deal['id']}", headers={"Authorization": "Bearer not.a.token"}
        )
        assert_problem(forged, 401)
