"""Sales targets and the forecast, in-process against the session's PostgreSQL: each
figure follows its rule, currencies are never added, periods and owners narrow it, and
attainment is closed won over the target."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import httpx
import pytest
from support.kafka import KafkaEvents
from support.sales import DEALS, SalesApp, assert_problem, running_sales_app, user_fixture

from crm_cli.stack import Infra

TARGETS, FORECAST = "/api/v1/targets", "/api/v1/forecast"
STAGE = {
    name: f"5a1e5000-0000-4000-8000-000000000{suffix}"
    for name, suffix in [
        ("prospecting", "010"),
        ("qualification", "020"),
        ("proposal", "050"),
        ("negotiation", "075"),
    ]
}
PROBABILITY = {"prospecting": 10, "qualification": 20, "proposal": 50, "negotiation": 75}
ANN, BOB = str(uuid.uuid4()), str(uuid.uuid4())
CENT = Decimal("0.01")

# Ann's and Bob's deals: (owner, stage or status, amount, currency, close date).
DEALS_MADE: list[tuple[str, str, str, str, str | None]] = [
    (ANN, "prospecting", "1000.00", "EUR", "2026-10-15"),
    (ANN, "negotiation", "2000.00", "EUR", "2026-11-20"),
    (ANN, "proposal", "333.33", "EUR", "2026-12-31"),
    (ANN, "won", "1500.00", "EUR", "2026-11-03"),
    (ANN, "lost", "9000.00", "EUR", "2026-11-05"),
    (ANN, "negotiation", "500.00", "USD", "2026-12-01"),
    (ANN, "negotiation", "7777.00", "EUR", "2027-01-01"),  # next quarter
    (ANN, "won", "8888.00", "EUR", "2026-09-30"),  # last quarter
    (ANN, "proposal", "6666.00", "EUR", None),  # no close date: in no period
    (BOB, "won", "400.00", "EUR", "2026-10-02"),
    (BOB, "qualification", "100.00", "EUR", "2026-10-10"),
]


@pytest.fixture(scope="module")
async def service(infra: Infra) -> AsyncIterator[SalesApp]:
    async with running_sales_app(infra) as running, running.client("manager") as manager:
        for owner, where, amount, currency, close_date in DEALS_MADE:
            body: dict[str, Any] = {
                "name": "Forecast",
                "amount": amount,
                "currency": currency,
                "owner_id": owner,
                "close_date": close_date,
            }
            if where in STAGE:
                body["stage_id"] = STAGE[where]
            else:
                body["status"] = where
                body["lost_reason"] = "Lost to a rival" if where == "lost" else None
            response = await manager.post(DEALS, json=body)
            assert response.status_code == 201, response.text
        yield running


manager = user_fixture("manager", subject="user-manager")


def _expected(owner: str | None, currency: str, first: str, last: str) -> dict[str, Any]:
    """The figures the rules give for DEALS_MADE, computed here from the list."""
    weighted = commit = best = won = Decimal(0)
    open_deals = won_deals = 0
    for deal_owner, where, amount, deal_currency, close_date in DEALS_MADE:
        if owner not in (None, deal_owner) or deal_currency != currency:
            continue
        if close_date is None or not first <= close_date <= last:
            continue
        value = Decimal(amount)
        if where == "won":
            won += value
            won_deals += 1
        elif where in STAGE:
            open_deals += 1
            best += value
            weighted += value * PROBABILITY[where] / 100
            commit += value if PROBABILITY[where] >= 75 else 0
    money = [weighted.quantize(CENT, ROUND_HALF_EVEN), commit, best, won]
    return {
        "currency": currency,
        **dict(
            zip(
                ["weighted_pipeline", "commit", "best_case", "closed_won"],
                [str(m.quantize(CENT)) for m in money],
                strict=True,
            )
        ),
        "open_deals": open_deals,
        "won_deals": won_deals,
    }


def _figures(amounts: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in amounts.items() if k not in ("target", "attainment")}


async def test_the_quarter_forecast_follows_the_rules_per_owner_and_currency(
    service: SalesApp,
) -> None:
    async with service.client("marketing") as reader:  # every role reads the forecast
        response = await reader.get(FORECAST, params={"period": "2026-q4"})
    assert response.status_code == 200, response.text
    forecast = response.json()
    assert (forecast["period"], forecast["starts_on"], forecast["ends_on"]) == (
        "2026-Q4",
        "2026-10-01",
        "2026-12-31",
    )
    assert forecast["commit_min_probability"] == 75
    owners = {o["owner_id"]: o["by_currency"] for o in forecast["owners"]}
    assert set(owners) == {ANN, BOB}
    ann_eur, ann_usd = owners[ANN]
    assert _figures(ann_eur) == _expected(ANN, "EUR", "2026-10-01", "2026-12-31")
    assert _figures(ann_usd) == _expected(ANN, "USD", "2026-10-01", "2026-12-31")
    assert ann_eur["weighted_pipeline"] == "1766.66"  # 1766.665, half to even
    assert [_figures(line) for line in owners[BOB]] == [
        _expected(BOB, "EUR", "2026-10-01", "2026-12-31")
    ]
    eur, usd = forecast["totals"]
    assert _figures(eur) == _expected(None, "EUR", "2026-10-01", "2026-12-31")
    assert _figures(usd) == _expected(None, "USD", "2026-10-01", "2026-12-31")


async def test_the_forecast_narrows_to_a_month_an_owner_or_a_pipeline(
    manager: httpx.AsyncClient,
) -> None:
    month = (await manager.get(FORECAST, params={"period": "2026-11"})).json()
    (ann,) = month["owners"]
    assert ann["owner_id"] == ANN
    assert [_figures(x) for x in ann["by_currency"]] == [
        _expected(ANN, "EUR", "2026-11-01", "2026-11-30")
    ]
    bob = (await manager.get(FORECAST, params={"period": "2026-Q4", "owner_id": BOB})).json()
    assert [o["owner_id"] for o in bob["owners"]] == [BOB]
    assert [_figures(x) for x in bob["totals"]] == [
        _expected(BOB, "EUR", "2026-10-01", "2026-12-31")
    ]
    other = await manager.get(
        FORECAST, params={"period": "2026-Q4", "pipeline_id": str(uuid.uuid4())}
    )
    assert other.json()["owners"] == []
    empty = (await manager.get(FORECAST, params={"period": "1999-Q1"})).json()
    assert (empty["owners"], empty["totals"]) == ([], [])
    for bad in ("2026-Q5", "Q4", "2026-13", ""):
        problem = assert_problem(await manager.get(FORECAST, params={"period": bad}), 422)
        assert ["query", "period"] in [e["loc"] for e in problem["errors"]]
    assert_problem(await manager.get(FORECAST), 422)


async def test_targets_show_attainment_in_themselves_and_in_the_forecast(
    service: SalesApp, manager: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    reader = await kafka_events("crm.sales.target")
    body = {"owner_id": ANN, "period": "2026-q4", "amount": "6000", "currency": "eur"}
    async with service.client("sales") as rep:
        assert_problem(await rep.post(TARGETS, json=body), 403)
    created = await manager.post(TARGETS, json=body)
    assert created.status_code == 201, created.text
    target = created.json()
    assert created.headers["location"] == f"{TARGETS}/{target['id']}"
    won = Decimal(_expected(ANN, "EUR", "2026-10-01", "2026-12-31")["closed_won"])
    assert {k: target[k] for k in ("period", "starts_on", "ends_on", "amount", "currency")} == {
        "period": "2026-Q4",
        "starts_on": "2026-10-01",
        "ends_on": "2026-12-31",
        "amount": "6000.00",
        "currency": "EUR",
    }
    assert target["closed_won"] == str(won)
    assert target["attainment"] == str((won / 6000).quantize(Decimal("0.0001")))

    forecast = (await manager.get(FORECAST, params={"period": "2026-Q4"})).json()
    ann_eur = next(o for o in forecast["owners"] if o["owner_id"] == ANN)["by_currency"][0]
    assert (ann_eur["target"], ann_eur["attainment"]) == ("6000.00", target["attainment"])
    usd = next(o for o in forecast["owners"] if o["owner_id"] == ANN)["by_currency"][1]
    assert usd["target"] is None  # a EUR target says nothing about USD

    twice = assert_problem(await manager.post(TARGETS, json=body), 409)
    assert twice["existing_id"] == target["id"]
    url = f"{TARGETS}/{target['id']}"
    raised = await manager.patch(url, json={"amount": "3000"}, headers={"If-Match": "1"})
    assert raised.status_code == 200, raised.text
    assert raised.json()["attainment"] == str((won / 3000).quantize(Decimal("0.0001")))
    assert_problem(await manager.patch(url, json={"amount": "1"}, headers={"If-Match": "1"}), 412)
    listed = (await manager.get(TARGETS, params={"owner_id": ANN, "period": "2026-Q4"})).json()
    assert [t["id"] for t in listed["items"]] == [target["id"]]
    assert (await manager.get(TARGETS, params={"owner_id": BOB})).json()["items"] == []
    assert (await manager.delete(url)).status_code == 204
    assert_problem(await manager.get(url), 404)

    events = await reader.collect(lambda e: e["subject"] == target["id"], count=3, timeout=30)
    assert [(e["type"], e["sequence"]) for e in events] == [
        ("crm.sales.target.created", 1),
        ("crm.sales.target.updated", 2),
        ("crm.sales.target.deleted", 3),
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"period": "2026"}, "period"),
        ({"currency": "EURO"}, "currency"),
        ({"owner_id": None}, "owner_id"),
    ],
)
async def test_bad_targets_are_refused_naming_the_field(
    manager: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    base = {"owner_id": BOB, "period": "2026-11", "amount": "100", "currency": "EUR"}
    problem = assert_problem(await manager.post(TARGETS, json={**base, **body}), 422)
    assert ["body", field] in [e["loc"] for e in problem["errors"]]
