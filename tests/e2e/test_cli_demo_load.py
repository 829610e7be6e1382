"""`crm demo` against the running stack: the demo's sales records arrive through the
gateway (deals, leads, a sent quote, targets, activities) and give the current quarter's
forecast figures; a second load creates nothing.

The stack is shared with the other end-to-end tests, so the demo is loaded without its
global sales configuration (`sales_rules=False`: no sales reps, assignment, scoring or
automation rules, which would assign and score other tests' leads and add tasks to
their deals); the unit tests check that the plan has them."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import date
from typing import Any

import httpx

from crm_cli.demo import load_demo
from crm_cli.demo_data import build_plan, quarter_of
from crm_cli.stack import Stack

SEED = 4242
ACTIVITIES = "/api/v1/activities"


async def _all(client: httpx.AsyncClient, path: str, **params: Any) -> list[dict[str, Any]]:
    """Every item of a paged list."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": 200} | ({"cursor": cursor} if cursor else {})
        page = await client.get(path, params=query)
        assert page.status_code == 200, page.text
        items += page.json()["items"]
        cursor = page.json().get("next_cursor")
        if not cursor:
            return items


async def test_the_demo_loads_sales_records_once(stack: Stack, gateway: httpx.AsyncClient) -> None:
    today = date.today()
    plan = build_plan(seed=SEED, companies=4, contacts=25, today=today)
    login = (stack.gateway_url, stack.admin_email, stack.admin_password)

    started = time.monotonic()
    counts: Counter[str] = await asyncio.to_thread(load_demo, *login, plan=plan, sales_rules=False)
    took = time.monotonic() - started
    print(f"demo load ({plan.total} requests planned): {took:.1f} s, {dict(counts)}")
    assert took < 60
    expected = {"users": 3, "products": 4, "deals": 30, "quotes": 1, "quotes sent": 1}
    expected |= {"targets": 3, "activities": 5, "leads": 40, "contacts": 25}
    assert {what: counts[what] for what in expected} == expected
    assert counts["leads qualified"] == sum(lead["qualify"] for lead in plan.sales.leads) > 0
    assert not [what for what in counts if "rule" in what or "reps" in what]

    users = {u["email"]: u["id"] for u in await _all(gateway, "/api/v1/users")}
    reps = [users[rep["email"]] for rep in plan.sales.reps]
    deals = [d for rep in reps for d in await _all(gateway, "/api/v1/deals", owner_id=rep)]
    leads = [lead for rep in reps for lead in await _all(gateway, "/api/v1/leads", owner_id=rep)]
    assert len(deals) == 30
    assert len(leads) == 40
    assert Counter(d["status"] for d in deals) == Counter({"won": 5, "lost": 3, "open": 22})
    assert {lead["status"] for lead in leads} == {"new", "working", "qualified"}
    activities = [a for rep in reps for a in await _all(gateway, ACTIVITIES, owner_id=rep)]
    assert len(activities) == 5
    quotes = [q for d in deals for q in await _all(gateway, "/api/v1/quotes", deal_id=d["id"])]
    assert [quote["status"] for quote in quotes] == ["sent"]

    period = quarter_of(today)[0]
    forecast = await gateway.get("/api/v1/forecast", params={"period": period, "owner_id": reps[0]})
    assert forecast.status_code == 200, forecast.text
    figures = {line["currency"]: line for line in forecast.json()["totals"]}
    assert figures["EUR"]["target"] == "150000.00"
    assert any(float(line["best_case"]) > 0 for line in figures.values())
    everyone = (await gateway.get("/api/v1/forecast", params={"period": period})).json()
    assert any(float(line["closed_won"]) > 0 for line in everyone["totals"])

    again: Counter[str] = await asyncio.to_thread(load_demo, *login, plan=plan, sales_rules=False)
    assert [what for what in again if "skipped" not in what] == []
    assert again["sales records skipped (loaded before)"] == plan.sales.total
    assert (
        len([d for rep in reps for d in await _all(gateway, "/api/v1/deals", owner_id=rep)]) == 30
    )
    assert (
        len([x for rep in reps for x in await _all(gateway, "/api/v1/leads", owner_id=rep)]) == 40
    )
