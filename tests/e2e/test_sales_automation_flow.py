"""Through the gateway: an admin adds an automation rule on a stage; a sales user moves a
deal into that stage; the sales service, consuming its own deal event, logs a task for
the deal's owner, which the activity list shows and an independent Kafka reader sees."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from tests.e2e.events import TopicReader, data, of


async def _tasks_of(client: httpx.AsyncClient, deal_id: str, timeout: float = 60) -> list[Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        page = await client.get("/api/v1/activities", params={"deal_id": deal_id})
        assert page.status_code == 200, page.text
        if items := page.json()["items"]:
            return list(items)
        assert loop.time() < deadline, "no task was logged for the deal"
        await asyncio.sleep(0.2)


async def test_a_deal_entering_a_rule_stage_gets_a_task(
    gateway: httpx.AsyncClient, seller: httpx.AsyncClient, activity_events: TopicReader
) -> None:
    # A pipeline of this test's own: a rule on the default pipeline would touch every
    # other test's deals.
    pipeline = await gateway.post(
        "/api/v1/pipelines",
        json={
            "name": f"Automation e2e {uuid.uuid4().hex[:6]}",
            "stages": [
                {"name": "Intro", "kind": "open", "probability": 10},
                {"name": "Demo", "kind": "open", "probability": 40},
                {"name": "Signed", "kind": "won"},
                {"name": "Dropped", "kind": "lost"},
            ],
        },
    )
    assert pipeline.status_code == 201, pipeline.text
    stages = {stage["name"]: stage["id"] for stage in pipeline.json()["stages"]}
    rule = await gateway.post(
        "/api/v1/automation-rules",
        json={
            "name": "Prepare the demo",
            "trigger": {"type": "deal.stage_entered", "stage_id": stages["Demo"]},
            "action": {"type": "create_task", "subject": "Prepare the demo", "due_in_days": 1},
        },
    )
    assert rule.status_code == 201, rule.text
    assert rule.headers["Location"].endswith(rule.json()["id"])
    refused = await seller.post("/api/v1/automation-rules", json={"name": "x"})
    assert refused.status_code == 403, refused.text

    me = (await seller.get("/api/v1/users/me")).json()
    opened = await seller.post(
        "/api/v1/deals",
        json={
            "name": "Demo day",
            "amount": "900.00",
            "currency": "EUR",
            "pipeline_id": pipeline.json()["id"],
        },
    )
    assert opened.status_code == 201, opened.text
    deal = opened.json()
    moved = await seller.patch(
        f"/api/v1/deals/{deal['id']}",
        json={"stage_id": stages["Demo"]},
        headers={"If-Match": str(deal["version"]), "Content-Type": "application/merge-patch+json"},
    )
    assert moved.status_code == 200, moved.text

    [task] = await _tasks_of(seller, deal["id"])
    assert (task["kind"], task["subject"], task["owner_id"]) == (
        "task",
        "Prepare the demo",
        me["id"],
    )
    assert task["due_at"] is not None
    (created,) = await activity_events.wait_for(of(task["id"], "created"))
    assert created.get_source() == "crm/sales"
    assert data(created)["deal_id"] == deal["id"]
    runs = await seller.get(f"/api/v1/automation-rules/{rule.json()['id']}/runs")
    assert [run["activity_id"] for run in runs.json()["items"]] == [task["id"]]

    gone = await gateway.delete(f"/api/v1/automation-rules/{rule.json()['id']}")
    assert gone.status_code == 204, gone.text
