"""The sales service's pipelines and deals, in-process against the session's PostgreSQL and
broker: the default pipeline, deal CRUD, stage moves and history, roles, bad input,
lists, events, and pipeline edits."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from support.kafka import KafkaEvents
from test_sales_leads import PROBLEM_JSON, SalesApp, running_sales_app

from crm_cli.stack import Infra

DEALS = "/api/v1/deals"
PIPELINES = "/api/v1/pipelines"
DEAL_TOPIC = "crm.sales.deal"
DEFAULT_PIPELINE = "5a1e5000-0000-4000-8000-000000000001"
PROSPECTING = "5a1e5000-0000-4000-8000-000000000010"
NEGOTIATION = "5a1e5000-0000-4000-8000-000000000075"
CLOSED_WON = "5a1e5000-0000-4000-8000-000000000100"
CLOSED_LOST = "5a1e5000-0000-4000-8000-000000000200"
REP_ID = str(uuid.uuid4())


@pytest.fixture(scope="module")
async def service(infra: Infra) -> AsyncIterator[SalesApp]:
    async with running_sales_app(infra) as running:
        yield running


@pytest.fixture
async def rep(service: SalesApp) -> AsyncIterator[httpx.AsyncClient]:
    async with service.client("sales", subject=REP_ID) as client:
        yield client


@pytest.fixture
async def manager(service: SalesApp) -> AsyncIterator[httpx.AsyncClient]:
    async with service.client("manager", subject=str(uuid.uuid4())) as client:
        yield client


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = dict(response.json())
    assert body["status"] == status
    return body


def _locs(problem: dict[str, Any]) -> list[list[Any]]:
    return [error["loc"] for error in problem.get("errors", [])]


async def _deal(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"name": f"Deal {uuid.uuid4().hex[:6]}", "amount": "1000.00", "currency": "EUR"}
    response = await client.post(DEALS, json={**body, **fields})
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _patch(
    client: httpx.AsyncClient, deal: dict[str, Any], body: dict[str, Any]
) -> httpx.Response:
    return await client.patch(
        f"{DEALS}/{deal['id']}", json=body, headers={"If-Match": str(deal["version"])}
    )


def _stages(*specs: tuple[str, str, int | None]) -> list[dict[str, Any]]:
    return [
        {"name": name, "kind": kind, **({"probability": p} if p is not None else {})}
        for name, kind, p in specs
    ]


# --- the default pipeline --------------------------------------------------------------


async def test_the_default_pipeline_exists_after_migration(rep: httpx.AsyncClient) -> None:
    page = (await rep.get(PIPELINES)).json()
    (default,) = [p for p in page["items"] if p["is_default"]]
    assert default["id"] == DEFAULT_PIPELINE
    assert [(s["name"], s["probability"], s["kind"]) for s in default["stages"]] == [
        ("Prospecting", 10, "open"),
        ("Qualification", 20, "open"),
        ("Proposal", 50, "open"),
        ("Negotiation", 75, "open"),
        ("Closed won", 100, "won"),
        ("Closed lost", 0, "lost"),
    ]
    one = await rep.get(f"{PIPELINES}/{DEFAULT_PIPELINE}")
    assert one.status_code == 200
    assert one.headers["etag"] == f'"{one.json()["version"]}"'
    _problem(await rep.get(f"{PIPELINES}/{uuid.uuid4()}"), 404)


# --- auth and roles --------------------------------------------------------------------


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
            _problem(await anonymous.request(method, path, json={}), 401)


async def test_marketing_and_analysts_read_deals_but_cannot_change_them(
    service: SalesApp, rep: httpx.AsyncClient
) -> None:
    deal = await _deal(rep)
    for role in ("marketing", "analyst"):
        async with service.client(role) as reader:
            assert (await reader.get(f"{DEALS}/{deal['id']}")).status_code == 200
            assert (await reader.get(DEALS, params={"owner_id": REP_ID})).status_code == 200
            assert (await reader.get(f"{DEALS}/{deal['id']}/history")).status_code == 200
            refused = [
                await reader.post(DEALS, json={"name": "x", "amount": "1", "currency": "EUR"}),
                await _patch(reader, deal, {"name": "Mine now"}),
                await reader.delete(f"{DEALS}/{deal['id']}"),
            ]
            for response in refused:
                assert "sales" in _problem(response, 403)["detail"]
    after = (await rep.get(f"{DEALS}/{deal['id']}")).json()
    assert after["version"] == deal["version"]


async def test_only_managers_and_admins_edit_pipelines(
    service: SalesApp, rep: httpx.AsyncClient
) -> None:
    body = {
        "name": "Nope",
        "stages": _stages(("A", "open", 10), ("W", "won", None), ("L", "lost", None)),
    }
    _problem(await rep.post(PIPELINES, json=body), 403)
    _problem(await rep.patch(f"{PIPELINES}/{DEFAULT_PIPELINE}", json={"name": "Mine"}), 403)
    async with service.client("admin") as admin:
        body["name"] = f"Admin {uuid.uuid4().hex[:6]}"
        assert (await admin.post(PIPELINES, json=body)).status_code == 201


# --- creating and reading --------------------------------------------------------------


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
    _problem(await rep.get(f"{DEALS}/{uuid.uuid4()}"), 404)


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
    problem = _problem(await rep.post(DEALS, json={**base, **body}), 422)
    assert ["body", field] in _locs(problem), problem


async def test_money_keeps_each_currencys_digits(rep: httpx.AsyncClient) -> None:
    yen = await _deal(rep, amount="1500", currency="JPY")
    dinar = await _deal(rep, amount="0.125", currency="BHD")
    big = await _deal(rep, amount="999999999999999.99", currency="USD")
    assert (yen["amount"], dinar["amount"], big["amount"]) == (
        "1500",
        "0.125",
        "999999999999999.99",
    )


# --- moving, winning, losing -----------------------------------------------------------


async def test_stage_moves_set_status_and_are_kept_in_the_history(
    rep: httpx.AsyncClient,
) -> None:
    deal = await _deal(rep)
    moved = await _patch(rep, deal, {"stage_id": NEGOTIATION})
    assert moved.status_code == 200, moved.text
    deal = moved.json()
    assert (deal["status"], deal["probability"], deal["version"]) == ("open", 75, 2)
    assert moved.headers["etag"] == '"2"'

    refused = _problem(await _patch(rep, deal, {"stage_id": CLOSED_LOST}), 422)
    assert ["body", "lost_reason"] in _locs(refused)
    lost = await _patch(rep, deal, {"stage_id": CLOSED_LOST, "lost_reason": "Went with a rival"})
    deal = lost.json()
    assert (deal["status"], deal["lost_reason"]) == ("lost", "Went with a rival")
    assert deal["close_date"] == datetime.now(UTC).date().isoformat()  # closed today

    reopened = (await _patch(rep, deal, {"status": "open", "stage_id": PROSPECTING})).json()
    assert (reopened["status"], reopened["lost_reason"]) == ("open", None)
    won = (await _patch(rep, reopened, {"status": "won", "close_date": "2026-11-03"})).json()
    assert (won["stage_id"], won["status"], won["close_date"]) == (CLOSED_WON, "won", "2026-11-03")

    history = (await rep.get(f"{DEALS}/{deal['id']}/history")).json()["items"]
    assert [(h["from_stage_id"], h["to_stage_id"], h["status"]) for h in history] == [
        (None, PROSPECTING, "open"),
        (PROSPECTING, NEGOTIATION, "open"),
        (NEGOTIATION, CLOSED_LOST, "lost"),
        (CLOSED_LOST, PROSPECTING, "open"),
        (PROSPECTING, CLOSED_WON, "won"),
    ]
    assert [h["version"] for h in history] == [1, 2, 3, 4, 5]
    times = [h["changed_at"] for h in history]
    assert times == sorted(times)
    assert {h["actor"] for h in history} == {REP_ID}
    page = (await rep.get(f"{DEALS}/{deal['id']}/history", params={"limit": 2})).json()
    rest = (
        await rep.get(f"{DEALS}/{deal['id']}/history", params={"cursor": page["next_cursor"]})
    ).json()
    assert [h["version"] for h in page["items"] + rest["items"]] == [1, 2, 3, 4, 5]


async def test_patch_is_a_merge_patch_guarded_by_if_match(rep: httpx.AsyncClient) -> None:
    deal = await _deal(rep, company_id=str(uuid.uuid4()), close_date="2026-12-01")
    url = f"{DEALS}/{deal['id']}"
    cleared = await rep.patch(
        url, json={"company_id": None, "amount": "2000"}, headers={"If-Match": "1"}
    )
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["company_id"], cleared.json()["amount"]) == (None, "2000.00")
    assert cleared.json()["close_date"] == "2026-12-01"  # untouched
    stale = _problem(await rep.patch(url, json={"name": "Late"}, headers={"If-Match": "1"}), 412)
    assert stale["current_version"] == 2
    same = await rep.patch(url, json={"amount": "2000.00"})
    assert same.json()["version"] == 2  # nothing changed: no new version
    _problem(await rep.patch(url, json={"currency": "JPY", "amount": "1.5"}), 422)
    _problem(await rep.patch(f"{DEALS}/{uuid.uuid4()}", json={"name": "x"}), 404)


async def test_moving_to_another_pipeline_keeps_the_status(
    rep: httpx.AsyncClient, manager: httpx.AsyncClient
) -> None:
    other = await manager.post(
        PIPELINES,
        json={
            "name": f"Partners {uuid.uuid4().hex[:6]}",
            "stages": _stages(
                ("Intro", "open", 30), ("Signed", "won", None), ("Dropped", "lost", None)
            ),
        },
    )
    assert other.status_code == 201, other.text
    stages = {s["name"]: s["id"] for s in other.json()["stages"]}
    deal = await _deal(rep, status="won")
    moved = await _patch(rep, deal, {"pipeline_id": other.json()["id"]})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["stage_id"], moved.json()["status"]) == (stages["Signed"], "won")
    foreign = _problem(await _patch(rep, moved.json(), {"stage_id": PROSPECTING}), 422)
    assert ["body", "stage_id"] in _locs(foreign)


async def test_delete_removes_the_deal_and_its_history(rep: httpx.AsyncClient) -> None:
    deal = await _deal(rep)
    _problem(await rep.delete(f"{DEALS}/{deal['id']}", headers={"If-Match": "7"}), 412)
    assert (await rep.delete(f"{DEALS}/{deal['id']}")).status_code == 204
    _problem(await rep.get(f"{DEALS}/{deal['id']}"), 404)
    _problem(await rep.get(f"{DEALS}/{deal['id']}/history"), 404)


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


# --- lists -----------------------------------------------------------------------------


async def test_lists_filter_and_page_with_cursors(
    service: SalesApp, rep: httpx.AsyncClient
) -> None:
    company, contact, owner = (str(uuid.uuid4()) for _ in range(3))
    made = [
        await _deal(rep, company_id=company, close_date=f"2026-11-0{i + 1}", owner_id=owner)
        for i in range(5)
    ]
    await _patch(rep, made[0], {"stage_id": NEGOTIATION, "contact_id": contact})
    await _patch(rep, made[1], {"status": "won", "close_date": "2026-11-02"})

    async def ids(**params: Any) -> list[str]:
        response = await rep.get(DEALS, params={"company_id": company, **params})
        assert response.status_code == 200, response.text
        return [d["id"] for d in response.json()["items"]]

    every = [d["id"] for d in made]
    assert await ids() == every  # oldest first
    assert await ids(stage_id=NEGOTIATION) == [every[0]]
    assert await ids(contact_id=contact) == [every[0]]
    assert await ids(status="won") == [every[1]]
    assert await ids(status="open", pipeline_id=DEFAULT_PIPELINE) == [every[0], *every[2:]]
    assert await ids(owner_id=owner) == every
    assert (
        await ids(**{"close_date.gte": "2026-11-02", "close_date.lte": "2026-11-04"}) == every[1:4]
    )
    assert await ids(owner_id=REP_ID) == []

    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params = {"company_id": company, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await rep.get(DEALS, params=params)).json()
        seen += [d["id"] for d in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == every

    _problem(await rep.get(DEALS, params={"cursor": "not-ours"}), 400)
    _problem(await rep.get(DEALS, params={"status": "maybe"}), 422)
    _problem(await rep.get(DEALS, params={"limit": 500}), 422)
    backwards = {"close_date.gte": "2026-12-01", "close_date.lte": "2026-11-01"}
    _problem(await rep.get(DEALS, params=backwards), 422)


# --- events ----------------------------------------------------------------------------


async def test_every_change_publishes_its_event(
    rep: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    reader = await kafka_events(DEAL_TOPIC)
    contact_id = str(uuid.uuid4())
    deal = await _deal(rep, contact_id=contact_id)
    deal = (await _patch(rep, deal, {"name": "Renamed"})).json()
    deal = (await _patch(rep, deal, {"stage_id": NEGOTIATION})).json()
    deal = (await _patch(rep, deal, {"status": "lost", "lost_reason": "No budget"})).json()
    deal = (await _patch(rep, deal, {"stage_id": PROSPECTING})).json()
    deal = (await _patch(rep, deal, {"status": "won"})).json()
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


# --- pipelines -------------------------------------------------------------------------


async def test_pipelines_are_validated(manager: httpx.AsyncClient) -> None:
    name = f"Checked {uuid.uuid4().hex[:6]}"
    no_lost = {"name": name, "stages": _stages(("A", "open", 10), ("W", "won", None))}
    assert ["body", "stages"] in _locs(_problem(await manager.post(PIPELINES, json=no_lost), 422))
    bad_won = {
        "name": name,
        "stages": _stages(("A", "open", 10), ("W", "won", 90), ("L", "lost", None)),
    }
    _problem(await manager.post(PIPELINES, json=bad_won), 422)
    too_likely = {
        "name": name,
        "stages": _stages(("A", "open", 120), ("W", "won", None), ("L", "lost", None)),
    }
    assert ["body", "stages", 0, "probability"] in _locs(
        _problem(await manager.post(PIPELINES, json=too_likely), 422)
    )
    good = {
        "name": name,
        "stages": _stages(("A", "open", 10), ("W", "won", None), ("L", "lost", None)),
    }
    assert (await manager.post(PIPELINES, json=good)).status_code == 201
    taken = _problem(await manager.post(PIPELINES, json={**good, "name": name.upper()}), 409)
    assert taken["title"] == "Pipeline name in use"


async def test_pipeline_edits_keep_stage_ids_and_protect_stages_in_use(
    rep: httpx.AsyncClient, manager: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    reader = await kafka_events("crm.sales.pipeline")
    body = {
        "name": f"Edited {uuid.uuid4().hex[:6]}",
        "stages": _stages(
            ("Intro", "open", 10),
            ("Demo", "open", 40),
            ("Won", "won", None),
            ("Lost", "lost", None),
            ("Parked", "lost", None),
        ),
    }
    pipeline = (await manager.post(PIPELINES, json=body)).json()
    intro, demo, won, lost, parked = (s["id"] for s in pipeline["stages"])
    deal = await _deal(rep, pipeline_id=pipeline["id"], stage_id=demo)
    url = f"{PIPELINES}/{pipeline['id']}"

    def stage(
        stage_id: str, name: str, kind: str, probability: int | None = None
    ) -> dict[str, Any]:
        return {"id": stage_id, "name": name, "kind": kind, "probability": probability}

    reordered = await manager.patch(
        url,
        headers={"If-Match": "1"},
        json={
            "stages": [
                stage(demo, "Demo", "open", 60),
                stage(intro, "Intro", "open", 10),
                {"name": "Trial", "kind": "open", "probability": 70},
                stage(won, "Won", "won"),
                stage(lost, "Lost", "lost"),
            ]
        },
    )
    assert reordered.status_code == 200, reordered.text
    after = reordered.json()
    assert [s["name"] for s in after["stages"]] == ["Demo", "Intro", "Trial", "Won", "Lost"]
    assert [s["id"] for s in after["stages"]][:2] == [demo, intro]
    assert after["version"] == 2
    moved_deal = (await rep.get(f"{DEALS}/{deal['id']}")).json()
    assert moved_deal["probability"] == 60  # its stage's probability now

    without_demo = [s for s in after["stages"] if s["id"] != demo]
    gone = _problem(await manager.patch(url, json={"stages": without_demo}), 409)
    assert gone["stage_ids"] == [demo]
    as_lost = [
        {**s, "kind": "lost", "probability": None} if s["id"] == demo else s
        for s in after["stages"]
    ]
    _problem(await manager.patch(url, json={"stages": as_lost}), 409)
    _problem(await manager.patch(url, json={"name": "x"}, headers={"If-Match": "1"}), 412)
    assert (await manager.get(url)).json()["version"] == 2
    assert parked not in [s["id"] for s in after["stages"]]  # removed while empty: fine

    events = await reader.collect(lambda e: e["subject"] == pipeline["id"], count=2, timeout=30)
    assert [e["type"] for e in events] == [
        "crm.sales.pipeline.created",
        "crm.sales.pipeline.updated",
    ]
    assert events[1]["data"]["changed"] == ["stages"]


async def test_one_pipeline_is_the_default(
    rep: httpx.AsyncClient, manager: httpx.AsyncClient
) -> None:
    stages = _stages(("Open", "open", 25), ("Won", "won", None), ("Lost", "lost", None))
    new = (
        await manager.post(
            PIPELINES,
            json={
                "name": f"New default {uuid.uuid4().hex[:6]}",
                "stages": stages,
                "is_default": True,
            },
        )
    ).json()
    try:
        assert new["is_default"] is True
        old = (await manager.get(f"{PIPELINES}/{DEFAULT_PIPELINE}")).json()
        assert old["is_default"] is False
        assert (await _deal(rep))["pipeline_id"] == new["id"]
        refused = _problem(
            await manager.patch(f"{PIPELINES}/{new['id']}", json={"is_default": False}), 422
        )
        assert ["body", "is_default"] in _locs(refused)
    finally:
        back = await manager.patch(f"{PIPELINES}/{DEFAULT_PIPELINE}", json={"is_default": True})
        assert back.status_code == 200, back.text
    assert (await manager.get(f"{PIPELINES}/{new['id']}")).json()["is_default"] is False
    assert (await _deal(rep))["pipeline_id"] == DEFAULT_PIPELINE


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
