"""What the sales automation tests share: rules made through the API, and the runs a
rule keeps of what it did."""

from __future__ import annotations

from typing import Any

import httpx

from support.sales import create

RULES = "/api/v1/automation-rules"
# The tests run the idle-lead pass themselves: the scheduler's own pass waits an hour.
SLOW_AUTOMATION_POLL = {"SALES_AUTOMATION_POLL_SECONDS": "3600"}


def stage_rule(stage_id: str, *, subject: str = "Send the proposal", **fields: Any) -> Any:
    """A rule creating a task when a deal enters `stage_id`."""
    action = {"type": "create_task", "subject": subject, "due_in_days": 2}
    trigger = {"type": "deal.stage_entered", "stage_id": stage_id}
    return {"name": f"On {subject}", "trigger": trigger, "action": action, **fields}


async def add_rule(client: httpx.AsyncClient, body: Any) -> dict[str, Any]:
    """The rule made from `body` (it must be a 201)."""
    return await create(client, RULES, body)


async def rule_runs(client: httpx.AsyncClient, rule: dict[str, Any]) -> list[dict[str, Any]]:
    """What `rule` did so far, oldest first."""
    page = await client.get(f"{RULES}/{rule['id']}/runs")
    assert page.status_code == 200, page.text
    return list(page.json()["items"])
