"""Automation rules (`/automation-rules`): rules stored as data that the service runs on
its own events (a deal entering a stage logs a task) and on a schedule (a lead untouched
for some days is reassigned). Anyone reads them; admins and managers change them."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response
from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters import automation_store as store
from crm_sales.api.automation_schemas import (
    AutomationRuleIn,
    AutomationRuleOut,
    AutomationRulePatch,
    AutomationRunOut,
    StageEntered,
)
from crm_sales.api.deps import API_PREFIX, Reader, ReadSession, SalesAdmin, utc_now
from crm_sales.api.lead_deps import RuleId
from crm_sales.api.lead_loading import etag
from crm_shared.db import SessionDep
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.patching import merged
from crm_shared.problems import PROBLEM_RESPONSES, ProblemError, not_found
from crm_shared.versioning import IfMatch, check_version

PATH = f"{API_PREFIX}/automation-rules"
router = APIRouter(prefix=PATH, tags=["automation"], responses=PROBLEM_RESPONSES)
_EDITABLE = ("name", "active", "trigger", "action")


def _out(row: RowMapping, response: Response) -> AutomationRuleOut:
    response.headers["ETag"] = etag(row["version"])
    return AutomationRuleOut.model_validate(dict(row))


async def _check_stage(session: AsyncSession, rule: AutomationRuleIn) -> None:
    """422 naming `trigger.stage_id` for a stage no pipeline has."""
    trigger = rule.trigger
    if isinstance(trigger, StageEntered) and not await store.stage_exists(
        session, trigger.stage_id
    ):
        message = "no pipeline has a stage with this id"
        raise ProblemError(
            422, detail=message, errors=[{"loc": ["body", "trigger", "stage_id"], "msg": message}]
        )


async def _locked(session: AsyncSession, rule_id: uuid.UUID, if_match: int | None) -> RowMapping:
    row = await store.get_rule(session, rule_id, lock=True)
    if row is None:
        raise not_found("Automation rule")
    check_version(if_match, row["version"])
    return row


@router.get("", operation_id="list_automation_rules")
async def list_automation_rules(
    _: Reader, session: ReadSession, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[AutomationRuleOut]:
    """Rules, oldest first."""
    rows, next_cursor = await store.list_rules(session, limit=limit, cursor=cursor)
    items = [AutomationRuleOut.model_validate(dict(row)) for row in rows]
    return Page(items=items, next_cursor=next_cursor)


@router.post("", status_code=201, operation_id="create_automation_rule")
async def create_automation_rule(
    body: AutomationRuleIn, session: SessionDep, _: SalesAdmin, response: Response
) -> AutomationRuleOut:
    """Add a rule. It acts on what happens from now on: a deal that entered its stage
    before the rule existed gets no task."""
    async with session.begin():
        await _check_stage(session, body)
        row = await store.add_rule(session, body.values(), utc_now())
    response.headers["Location"] = f"{PATH}/{row['id']}"
    return _out(row, response)


@router.get("/{rule_id}", operation_id="get_automation_rule")
async def get_automation_rule(
    rule_id: RuleId, _: Reader, session: ReadSession, response: Response
) -> AutomationRuleOut:
    """One rule."""
    row = await store.get_rule(session, rule_id)
    if row is None:
        raise not_found("Automation rule")
    return _out(row, response)


@router.patch("/{rule_id}", operation_id="update_automation_rule")
async def update_automation_rule(
    rule_id: RuleId,
    body: AutomationRulePatch,
    session: SessionDep,
    _: SalesAdmin,
    if_match: IfMatch,
    response: Response,
) -> AutomationRuleOut:
    """Apply a JSON merge patch (`trigger` and `action` merge key by key)."""
    async with session.begin():
        row = await _locked(session, rule_id, if_match)
        document = merged(AutomationRuleIn, {name: row[name] for name in _EDITABLE}, body)
        values = document.values()
        if any(values[name] != row[name] for name in values):
            await _check_stage(session, document)
            row = await store.save_rule(session, rule_id, values, utc_now())
    return _out(row, response)


@router.delete("/{rule_id}", status_code=204, operation_id="delete_automation_rule")
async def delete_automation_rule(
    rule_id: RuleId, session: SessionDep, _: SalesAdmin, if_match: IfMatch
) -> None:
    """Delete a rule and the record of its runs (the tasks and owners it set stay)."""
    async with session.begin():
        await _locked(session, rule_id, if_match)
        await store.delete_rule(session, rule_id)


@router.get("/{rule_id}/runs", operation_id="list_automation_runs")
async def list_automation_runs(
    rule_id: RuleId,
    _: Reader,
    session: ReadSession,
    limit: LimitQuery = 50,
    cursor: CursorQuery = None,
) -> Page[AutomationRunOut]:
    """What the rule did, oldest first: tasks logged, leads reassigned or left."""
    if await store.get_rule(session, rule_id) is None:
        raise not_found("Automation rule")
    rows, next_cursor = await store.list_runs(session, rule_id, limit=limit, cursor=cursor)
    items = [AutomationRunOut.model_validate(dict(row)) for row in rows]
    return Page(items=items, next_cursor=next_cursor)
