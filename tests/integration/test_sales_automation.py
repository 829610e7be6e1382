"""Automation rules through the sales API, in-process against the session's PostgreSQL:
CRUD with versions and pages, roles, and 422s naming the field (a patch too must leave
a valid rule). What the rules do is test_sales_automation_stage_rules and
test_sales_automation_idle_leads."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from support.sales import (
    PROSPECTING,
    SalesApp,
    assert_problem,
    locs,
    sales_app_fixture,
    user_fixture,
)
from support.sales_automation import RULES, SLOW_AUTOMATION_POLL, add_rule, stage_rule

REP_ID = str(uuid.uuid4())

service = sales_app_fixture(env=SLOW_AUTOMATION_POLL)
rep = user_fixture("sales", subject=REP_ID)
manager = user_fixture("manager", subject="boss-automation")


async def test_crud_with_versions_pages_and_roles(
    service: SalesApp, rep: httpx.AsyncClient, manager: httpx.AsyncClient
) -> None:
    rule = await add_rule(manager, stage_rule(PROSPECTING))
    assert rule["version"] == 1
    assert rule["active"] is True
    assert rule["trigger"] == {"type": "deal.stage_entered", "stage_id": PROSPECTING}
    assert rule["action"]["notes"] is None
    got = await rep.get(f"{RULES}/{rule['id']}")
    assert (got.json(), got.headers["ETag"]) == (rule, '"1"')

    stale = await manager.patch(
        f"{RULES}/{rule['id']}", json={"active": False}, headers={"If-Match": "7"}
    )
    assert_problem(stale, 412)
    patched = await manager.patch(
        f"{RULES}/{rule['id']}",
        json={"active": False, "action": {"subject": "Call them", "notes": "today"}},
        headers={"If-Match": "1"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["version"] == 2
    assert patched.json()["active"] is False
    assert patched.json()["action"] == {
        "type": "create_task",
        "subject": "Call them",
        "notes": "today",
        "due_in_days": 2,
    }
    same = await manager.patch(f"{RULES}/{rule['id']}", json={"active": False})
    assert same.json()["version"] == 2  # no change, no new version

    other = await add_rule(
        manager,
        {
            "name": "Idle",
            "trigger": {"type": "lead.untouched", "days": 30},
            "action": {"type": "reassign"},
            "active": False,
        },
    )
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 1}
    while True:
        page = (await rep.get(RULES, params=params)).json()
        seen += [item["id"] for item in page["items"]]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    assert seen.index(rule["id"]) < seen.index(other["id"])

    assert_problem(await rep.post(RULES, json=stage_rule(PROSPECTING)), 403)
    assert_problem(await rep.patch(f"{RULES}/{rule['id']}", json={"name": "x"}), 403)
    assert_problem(await rep.delete(f"{RULES}/{rule['id']}"), 403)
    async with service.client("marketing") as marketing:
        assert (await marketing.get(f"{RULES}/{rule['id']}/runs")).status_code == 200
    async with service.client() as anonymous:
        assert_problem(await anonymous.get(RULES), 401)

    for made in (rule, other):
        gone = await manager.delete(f"{RULES}/{made['id']}")
        assert gone.status_code == 204
        assert_problem(await rep.get(f"{RULES}/{made['id']}"), 404)


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (
            {
                "name": "x",
                "trigger": {"type": "deal.stage_entered", "stage_id": PROSPECTING},
                "action": {"type": "reassign"},
            },
            ["body", "action"],
        ),
        (
            {
                "name": "x",
                "trigger": {"type": "lead.untouched", "days": 3},
                "action": {"type": "create_task", "subject": "s"},
            },
            ["body", "action"],
        ),
        (stage_rule(str(uuid.uuid4())), ["body", "trigger", "stage_id"]),
        (
            {
                "name": "x",
                "trigger": {"type": "lead.untouched", "days": 0},
                "action": {"type": "reassign"},
            },
            ["body", "trigger", "lead.untouched", "days"],
        ),
        (
            stage_rule(PROSPECTING)
            | {"action": {"type": "create_task", "subject": "s", "due_in_days": 400}},
            ["body", "action", "create_task", "due_in_days"],
        ),
        (
            {"name": "x", "trigger": {"type": "deal.closed"}, "action": {"type": "reassign"}},
            ["body", "trigger"],
        ),
    ],
)
async def test_bad_rules_are_422_naming_the_field(
    manager: httpx.AsyncClient, body: Any, loc: list[str]
) -> None:
    problem = assert_problem(await manager.post(RULES, json=body), 422)
    assert loc in locs(problem), problem


async def test_a_patch_must_leave_a_valid_rule(manager: httpx.AsyncClient) -> None:
    rule = await add_rule(manager, stage_rule(PROSPECTING, active=False))
    path = f"{RULES}/{rule['id']}"
    # Merge patch: the old trigger's stage_id stays unless the patch drops it.
    half = await manager.patch(path, json={"trigger": {"type": "lead.untouched", "days": 3}})
    assert_problem(half, 422)
    ghost = await manager.patch(path, json={"trigger": {"stage_id": str(uuid.uuid4())}})
    assert ["body", "trigger", "stage_id"] in locs(assert_problem(ghost, 422))
    swapped = await manager.patch(
        path,
        json={
            "trigger": {"type": "lead.untouched", "days": 3, "stage_id": None},
            "action": {"type": "reassign", "subject": None, "notes": None, "due_in_days": None},
        },
    )
    assert swapped.status_code == 200, swapped.text
    assert swapped.json()["trigger"] == {"type": "lead.untouched", "days": 3}
    assert (await manager.delete(path)).status_code == 204
