"""The sales service's pipelines, in-process against the session's PostgreSQL and broker:
the default pipeline after migration, who may edit pipelines, validation, edits keeping
stage ids and protecting stages in use (with their events), and the one default."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from support.kafka import KafkaEvents
from support.sales import (
    DEALS,
    DEFAULT_PIPELINE,
    PIPELINES,
    SalesApp,
    assert_problem,
    create_deal,
    locs,
    sales_app_fixture,
    stage_specs,
    user_fixture,
)

REP_ID = str(uuid.uuid4())

service = sales_app_fixture()
rep = user_fixture("sales", subject=REP_ID)
manager = user_fixture("manager")


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
    assert_problem(await rep.get(f"{PIPELINES}/{uuid.uuid4()}"), 404)


async def test_only_managers_and_admins_edit_pipelines(
    service: SalesApp, rep: httpx.AsyncClient
) -> None:
    body = {
        "name": "Nope",
        "stages": stage_specs(("A", "open", 10), ("W", "won", None), ("L", "lost", None)),
    }
    assert_problem(await rep.post(PIPELINES, json=body), 403)
    assert_problem(await rep.patch(f"{PIPELINES}/{DEFAULT_PIPELINE}", json={"name": "Mine"}), 403)
    async with service.client("admin") as admin:
        body["name"] = f"Admin {uuid.uuid4().hex[:6]}"
        assert (await admin.post(PIPELINES, json=body)).status_code == 201


async def test_pipelines_are_validated(manager: httpx.AsyncClient) -> None:
    name = f"Checked {uuid.uuid4().hex[:6]}"
    no_lost = {"name": name, "stages": stage_specs(("A", "open", 10), ("W", "won", None))}
    assert ["body", "stages"] in locs(
        assert_problem(await manager.post(PIPELINES, json=no_lost), 422)
    )
    bad_won = {
        "name": name,
        "stages": stage_specs(("A", "open", 10), ("W", "won", 90), ("L", "lost", None)),
    }
    assert_problem(await manager.post(PIPELINES, json=bad_won), 422)
    too_likely = {
        "name": name,
        "stages": stage_specs(("A", "open", 120), ("W", "won", None), ("L", "lost", None)),
    }
    assert ["body", "stages", 0, "probability"] in locs(
        assert_problem(await manager.post(PIPELINES, json=too_likely), 422)
    )
    good = {
        "name": name,
        "stages": stage_specs(("A", "open", 10), ("W", "won", None), ("L", "lost", None)),
    }
    assert (await manager.post(PIPELINES, json=good)).status_code == 201
    taken = assert_problem(await manager.post(PIPELINES, json={**good, "name": name.upper()}), 409)
    assert taken["title"] == "Pipeline name in use"


async def test_pipeline_edits_keep_stage_ids_and_protect_stages_in_use(
    rep: httpx.AsyncClient, manager: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    reader = await kafka_events("crm.sales.pipeline")
    body = {
        "name": f"Edited {uuid.uuid4().hex[:6]}",
        "stages": stage_specs(
            ("Intro", "open", 10),
            ("Demo", "open", 40),
            ("Won", "won", None),
            ("Lost", "lost", None),
            ("Parked", "lost", None),
        ),
    }
    pipeline = (await manager.post(PIPELINES, json=body)).json()
    intro, demo, won, lost, parked = (s["id"] for s in pipeline["stages"])
    deal = await create_deal(rep, pipeline_id=pipeline["id"], stage_id=demo)
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
    gone = assert_problem(await manager.patch(url, json={"stages": without_demo}), 409)
    assert gone["stage_ids"] == [demo]
    as_lost = [
        {**s, "kind": "lost", "probability": None} if s["id"] == demo else s
        for s in after["stages"]
    ]
    assert_problem(await manager.patch(url, json={"stages": as_lost}), 409)
    assert_problem(await manager.patch(url, json={"name": "x"}, headers={"If-Match": "1"}), 412)
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
    stages = stage_specs(("Open", "open", 25), ("Won", "won", None), ("Lost", "lost", None))
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
        assert (await create_deal(rep))["pipeline_id"] == new["id"]
        refused = assert_problem(
            await manager.patch(f"{PIPELINES}/{new['id']}", json={"is_default": False}), 422
        )
        assert ["body", "is_default"] in locs(refused)
    finally:
        back = await manager.patch(f"{PIPELINES}/{DEFAULT_PIPELINE}", json={"is_default": True})
        assert back.status_code == 200, back.text
    assert (await manager.get(f"{PIPELINES}/{new['id']}")).json()["is_default"] is False
    assert (await create_deal(rep))["pipeline_id"] == DEFAULT_PIPELINE
