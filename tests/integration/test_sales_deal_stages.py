"""Deals moving through their pipeline's stages in the sales service, in-process against
the session's PostgreSQL: status follows the stage (a lost reason is required), every
move is kept in the deal's history, and a deal moved to another pipeline keeps its
status."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from support.sales import (
    CLOSED_LOST,
    CLOSED_WON,
    DEALS,
    NEGOTIATION,
    PIPELINES,
    PROSPECTING,
    assert_problem,
    create_deal,
    locs,
    patch_deal,
    sales_app_fixture,
    stage_specs,
    user_fixture,
)

REP_ID = str(uuid.uuid4())

service = sales_app_fixture()
rep = user_fixture("sales", subject=REP_ID)
manager = user_fixture("manager")


async def test_stage_moves_set_status_and_are_kept_in_the_history(
    rep: httpx.AsyncClient,
) -> None:
    deal = await create_deal(rep)
    moved = await patch_deal(rep, deal, {"stage_id": NEGOTIATION})
    assert moved.status_code == 200, moved.text
    deal = moved.json()
    assert (deal["status"], deal["probability"], deal["version"]) == ("open", 75, 2)
    assert moved.headers["etag"] == '"2"'

    refused = assert_problem(await patch_deal(rep, deal, {"stage_id": CLOSED_LOST}), 422)
    assert ["body", "lost_reason"] in locs(refused)
    lost = await patch_deal(
        rep, deal, {"stage_id": CLOSED_LOST, "lost_reason": "Went with a rival"}
    )
    deal = lost.json()
    assert (deal["status"], deal["lost_reason"]) == ("lost", "Went with a rival")
    assert deal["close_date"] == datetime.now(UTC).date().isoformat()  # closed today

    reopened = (await patch_deal(rep, deal, {"status": "open", "stage_id": PROSPECTING})).json()
    assert (reopened["status"], reopened["lost_reason"]) == ("open", None)
    won = (await patch_deal(rep, reopened, {"status": "won", "close_date": "2026-11-03"})).json()
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


async def test_moving_to_another_pipeline_keeps_the_status(
    rep: httpx.AsyncClient, manager: httpx.AsyncClient
) -> None:
    other = await manager.post(
        PIPELINES,
        json={
            "name": f"Partners {uuid.uuid4().hex[:6]}",
            "stages": stage_specs(
                ("Intro", "open", 30), ("Signed", "won", None), ("Dropped", "lost", None)
            ),
        },
    )
    assert other.status_code == 201, other.text
    stages = {s["name"]: s["id"] for s in other.json()["stages"]}
    deal = await create_deal(rep, status="won")
    moved = await patch_deal(rep, deal, {"pipeline_id": other.json()["id"]})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["stage_id"], moved.json()["status"]) == (stages["Signed"], "won")
    foreign = assert_problem(await patch_deal(rep, moved.json(), {"stage_id": PROSPECTING}), 422)
    assert ["body", "stage_id"] in locs(foreign)
