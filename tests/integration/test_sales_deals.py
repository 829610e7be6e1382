"""The sales service's deals, in-process against the session's PostgreSQL and broker:
CRUD, merge patches guarded by If-Match, idempotent creates, roles, and bad input named
by field. Stage moves are test_sales_deal_stages, lists test_sales_deal_lists, events
test_sales_deal_events, pipelines test_sales_pipelines."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from support.sales import (
    CLOSED_LOST,
    CLOSED_WON,
    DEALS,
    DEFAULT_PIPELINE,
    PIPELINES,
    PROSPECTING,
    SalesApp,
    assert_problem,
    create_deal,
    locs,
    patch_deal,
    sales_app_fixture,
    user_fixture,
)

REP_ID = str(uuid.uuid4())

service = sales_app_fixture()
rep = user_fixture("sales", subject=REP_ID)


async def test_every_route_needs_a_token(service: SalesApp) -> None:
    some = uuid.uuid4()
    async with service.client() as anonymous:
        for method, path in [
            ("GET", DEALS),
            ("POST", DEALS),
            ("GET", f"{DEALS}/{some}"),
            ("PATCH", f"{DEALS}/{some}"),
            ("DELETE", f"{DEALS}/{some}"),
            ("GET", f"{DEALS}/{some}/history"),
            ("GET", PIPELINES),
            ("POST", PIPELINES),
            ("GET", "/api/v1/forecast?period=2026-Q4"),
            ("GET", "/api/v1/targets"),
        ]:
            assert_problem(await anonymous.request(method, path, json={}), 401)


async def test_marketing_and_analysts_read_deals_but_cannot_change_them(
    service: SalesApp, rep: httpx.AsyncClient
) -> None:
    deal = await create_deal(rep)
    for role in ("marketing", "analyst"):
        async with service.client(role) as reader:
            assert (await reader.get(f"{DEALS}/{deal['id']}")).status_code == 200
            assert (await reader.get(DEALS, params={"owner_id": REP_ID})).status_code == 200
            assert (await reader.get(f"{DEALS}/{deal['id']}/history")).status_code == 200
            refused = [
                await reader.post(DEALS, json={"name": "x", "amount": "1", "currency": "EUR"}),
                await patch_deal(reader, deal, {"name": "Mine now"}),
                await reader.delete(f"{DEALS}/{deal['id']}"),
            ]
            for response in refused:
                assert "sales" in assert_problem(response, 403)["detail"]
    after = (await rep.get(f"{DEALS}/{deal['id']}")).json()
    assert after["version"] == deal["version"]


async def test_a_new_deal_goes_to_the_default_pipelines_first_stage(
    rep: httpx.AsyncClient,
) -> None:
    contact_id = str(uuid.uuid4())
    response = await rep.post(
        DEALS,
        json={
            "name": "  ACME renewal ",
            "amount": "1500.5",
            "currency": "eur",
            "contact_id": contact_id,
            "close_date": "2026-12-15",
        },
    )
    assert response.status_code == 201, response.text
    deal = response.json()
    assert response.headers["location"] == f"{DEALS}/{deal['id']}"
    assert response.headers["etag"] == '"1"'
    assert {k: deal[k] for k in ("name", "amount", "currency", "pipeline_id", "stage_id")} == {
        "name": "ACME renewal",
        "amount": "1500.50",
        "currency": "EUR",
        "pipeline_id": DEFAULT_PIPELINE,
        "stage_id": PROSPECTING,
    }
    assert (deal["status"], deal["probability"], deal["version"]) == ("open", 10, 1)
    assert deal["owner_id"] == REP_ID  # the caller, unless the body names an owner
    assert deal["contact_id"] == contact_id
    assert deal["close_date"] == "2026-12-15"
    read = await rep.get(f"{DEALS}/{deal['id']}")
    assert read.json() == deal
    assert_problem(await rep.get(f"{DEALS}/{uuid.uuid4()}"), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": 12.5}, "amount"),  # a float: not exact
        ({"amount": "12.345"}, "amount"),  # finer than EUR
        ({"amount": "-1"}, "amount"),
        ({"amount": "1e20"}, "amount"),
        ({"amount": "ten"}, "amount"),
        ({"currency": "XYZ"}, "currency"),
        ({"currency": "JPY", "amount": "10.5"}, "amount"),
        ({"name": "   "}, "name"),
        ({"close_date": "2026-13-01"}, "close_date"),
        ({"pipeline_id": str(uuid.uuid4())}, "pipeline_id"),
        ({"stage_id": str(uuid.uuid4())}, "stage_id"),
        ({"stage_id": CLOSED_LOST}, "lost_reason"),
        ({"status": "lost"}, "lost_reason"),
        ({"stage_id": CLOSED_WON, "status": "lost"}, "status"),
        ({"lost_reason": "too early"}, "lost_reason"),
        ({"owner_id": "me"}, "owner_id"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_deals_are_refused_naming_the_field(
    rep: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    base = {"name": "Bad", "amount": "10.00", "currency": "EUR"}
    problem = assert_problem(await rep.post(DEALS, json={**base, **body}), 422)
    assert ["body", field] in locs(problem), problem


async def test_money_keeps_each_currencys_digits(rep: httpx.AsyncClient) -> None:
    yen = await create_deal(rep, amount="1500", currency="JPY")
    dinar = await create_deal(rep, amount="0.125", currency="BHD")
    big = await create_deal(rep, amount="999999999999999.99", currency="USD")
    assert (yen["amount"], dinar["amount"], big["amount"]) == (
        "1500",
        "0.125",
        "999999999999999.99",
    )


async def test_patch_is_a_merge_patch_guarded_by_if_match(rep: httpx.AsyncClient) -> None:
    deal = await create_deal(rep, company_id=str(uuid.uuid4()), close_date="2026-12-01")
    url = f"{DEALS}/{deal['id']}"
    cleared = await rep.patch(
        url, json={"company_id": None, "amount": "2000"}, headers={"If-Match": "1"}
    )
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["company_id"], cleared.json()["amount"]) == (None, "2000.00")
    assert cleared.json()["close_date"] == "2026-12-01"  # untouched
    stale = assert_problem(
        await rep.patch(url, json={"name": "Late"}, headers={"If-Match": "1"}), 412
    )
    assert stale["current_version"] == 2
    same = await rep.patch(url, json={"amount": "2000.00"})
    assert same.json()["version"] == 2  # nothing changed: no new version
    assert_problem(await rep.patch(url, json={"currency": "JPY", "amount": "1.5"}), 422)
    assert_problem(await rep.patch(f"{DEALS}/{uuid.uuid4()}", json={"name": "x"}), 404)


async def test_delete_removes_the_deal_and_its_history(rep: httpx.AsyncClient) -> None:
    deal = await create_deal(rep)
    assert_problem(await rep.delete(f"{DEALS}/{deal['id']}", headers={"If-Match": "7"}), 412)
    assert (await rep.delete(f"{DEALS}/{deal['id']}")).status_code == 204
    assert_problem(await rep.get(f"{DEALS}/{deal['id']}"), 404)
    assert_problem(await rep.get(f"{DEALS}/{deal['id']}/history"), 404)


async def test_idempotency_key_replays_the_first_create(rep: httpx.AsyncClient) -> None:
    contact_id = str(uuid.uuid4())
    body = {"name": "Once", "amount": "10", "currency": "EUR", "contact_id": contact_id}
    key = {"Idempotency-Key": f"deal-{uuid.uuid4().hex}"}
    first = await rep.post(DEALS, json=body, headers=key)
    again = await rep.post(DEALS, json=body, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    listed = (await rep.get(DEALS, params={"contact_id": contact_id})).json()["items"]
    assert [d["id"] for d in listed] == [first.json()["id"]]
