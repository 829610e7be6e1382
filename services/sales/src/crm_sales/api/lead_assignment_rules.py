"""Assignment rules (`/leads/assignment-rules`): who gets new leads that have no owner.

Rules are tried by `position` (then id); the first that applies to the lead's country and
has an active rep to give it to assigns it, in round-robin turn (see domain.assignment).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy import RowMapping

from crm_sales.adapters import assignment_store as store
from crm_sales.api.deps import API_PREFIX, ReadSession, utc_now
from crm_sales.api.lead_assignment_schemas import (
    AssignmentRuleIn,
    AssignmentRuleOut,
    AssignmentRulePatch,
)
from crm_sales.api.lead_deps import LeadConfigurer, LeadReader, RuleId
from crm_sales.api.lead_loading import etag
from crm_shared.db import SessionDep
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.patching import merged
from crm_shared.problems import PROBLEM_RESPONSES, not_found
from crm_shared.versioning import IfMatch, check_version

PATH = f"{API_PREFIX}/leads/assignment-rules"
router = APIRouter(prefix=PATH, tags=["lead assignment"], responses=PROBLEM_RESPONSES)


def _out(row: RowMapping, response: Response) -> AssignmentRuleOut:
    response.headers["ETag"] = etag(row["version"])
    return AssignmentRuleOut.model_validate(dict(row))


def _editable(row: RowMapping) -> dict[str, Any]:
    current = {name: row[name] for name in AssignmentRuleIn.model_fields}
    current["user_ids"] = [str(user_id) for user_id in current["user_ids"]]
    return current


@router.get("", operation_id="list_assignment_rules")
async def list_assignment_rules(
    _: LeadReader, session: ReadSession, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[AssignmentRuleOut]:
    """Rules in the order they are tried."""
    rows, next_cursor = await store.list_rules(session, limit=limit, cursor=cursor)
    items = [AssignmentRuleOut.model_validate(dict(row)) for row in rows]
    return Page(items=items, next_cursor=next_cursor)


@router.post("", status_code=201, operation_id="create_assignment_rule")
async def create_assignment_rule(
    body: AssignmentRuleIn, session: SessionDep, _: LeadConfigurer, response: Response
) -> AssignmentRuleOut:
    """Add an assignment rule."""
    async with session.begin():
        row = await store.add_rule(session, body.model_dump(), utc_now())
    response.headers["Location"] = f"{PATH}/{row['id']}"
    return _out(row, response)


@router.get("/{rule_id}", operation_id="get_assignment_rule")
async def get_assignment_rule(
    rule_id: RuleId, _: LeadReader, session: ReadSession, response: Response
) -> AssignmentRuleOut:
    """One assignment rule."""
    row = await store.get_rule(session, rule_id)
    if row is None:
        raise not_found("Assignment rule")
    return _out(row, response)


@router.patch("/{rule_id}", operation_id="update_assignment_rule")
async def update_assignment_rule(
    rule_id: RuleId,
    body: AssignmentRulePatch,
    session: SessionDep,
    _: LeadConfigurer,
    if_match: IfMatch,
    response: Response,
) -> AssignmentRuleOut:
    """Apply a JSON merge patch; the rule keeps its place in the round-robin turn."""
    async with session.begin():
        row = await store.get_rule(session, rule_id, lock=True)
        if row is None:
            raise not_found("Assignment rule")
        check_version(if_match, row["version"])
        values = merged(AssignmentRuleIn, _editable(row), body).model_dump()
        if any(values[name] != row[name] for name in values):
            row = await store.save_rule(session, rule_id, values, utc_now())
    return _out(row, response)


@router.delete("/{rule_id}", status_code=204, operation_id="delete_assignment_rule")
async def delete_assignment_rule(
    rule_id: RuleId, session: SessionDep, _: LeadConfigurer, if_match: IfMatch
) -> None:
    """Delete an assignment rule."""
    async with session.begin():
        row = await store.get_rule(session, rule_id, lock=True)
        if row is None:
            raise not_found("Assignment rule")
        check_version(if_match, row["version"])
        await store.delete_rule(session, rule_id)
