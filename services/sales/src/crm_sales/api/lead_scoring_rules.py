"""Fit scoring rules (`/leads/scoring-rules`): managers write them, lead readers read them.

Every change is a new ruleset version, after which every lead is rescored: before the
answer when at most SALES_RESCORE_INLINE_LIMIT leads are affected, else in the
background (follow it at `/leads/scoring-rules/status`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy import RowMapping

from crm_sales.adapters import scoring_store as store
from crm_sales.adapters.rescoring import count_stale
from crm_sales.adapters.rescoring_worker import settle_scores
from crm_sales.api.deps import API_PREFIX, ReadSession, utc_now
from crm_sales.api.lead_deps import LeadConfigurer, LeadReader, RuleId
from crm_sales.api.lead_loading import etag
from crm_sales.api.lead_scoring_schemas import (
    ScoringRuleIn,
    ScoringRuleOut,
    ScoringRulePatch,
    ScoringStatus,
)
from crm_sales.domain.scoring import check_rule
from crm_shared.db import SessionDep
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.patching import merged
from crm_shared.problems import PROBLEM_RESPONSES, not_found
from crm_shared.versioning import IfMatch, check_version

PATH = f"{API_PREFIX}/leads/scoring-rules"
router = APIRouter(prefix=PATH, tags=["lead scoring"], responses=PROBLEM_RESPONSES)
STATUS_COUNT_CAP = 100_000


def _values(body: ScoringRuleIn) -> dict[str, Any]:
    values = body.model_dump()
    values["value"] = check_rule(body.field, body.operator, body.value)
    return values


def _out(row: RowMapping, response: Response) -> ScoringRuleOut:
    response.headers["ETag"] = etag(row["version"])
    return ScoringRuleOut.model_validate(dict(row))


@router.get("", operation_id="list_scoring_rules")
async def list_scoring_rules(
    _: LeadReader, session: ReadSession, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[ScoringRuleOut]:
    """Fit rules, oldest first."""
    rows, next_cursor = await store.list_rules(session, limit=limit, cursor=cursor)
    items = [ScoringRuleOut.model_validate(dict(row)) for row in rows]
    return Page(items=items, next_cursor=next_cursor)


@router.post("", status_code=201, operation_id="create_scoring_rule")
async def create_scoring_rule(
    body: ScoringRuleIn,
    session: SessionDep,
    _: LeadConfigurer,
    request: Request,
    response: Response,
) -> ScoringRuleOut:
    """Add a fit rule; 422 naming `operator` or `value` when they do not fit the field."""
    async with session.begin():
        row = await store.add_rule(session, _values(body), utc_now())
    await settle_scores(request.app)
    response.headers["Location"] = f"{PATH}/{row['id']}"
    return _out(row, response)


@router.get("/status", operation_id="get_scoring_status")
async def get_scoring_status(_: LeadReader, session: ReadSession) -> ScoringStatus:
    """The ruleset version and how many leads still wait to be rescored with it."""
    version = await store.current_version(session)
    return ScoringStatus(
        rules_version=version, stale_leads=await count_stale(session, STATUS_COUNT_CAP)
    )


@router.get("/{rule_id}", operation_id="get_scoring_rule")
async def get_scoring_rule(
    rule_id: RuleId, _: LeadReader, session: ReadSession, response: Response
) -> ScoringRuleOut:
    """One fit rule."""
    row = await store.get_rule(session, rule_id)
    if row is None:
        raise not_found("Scoring rule")
    return _out(row, response)


@router.patch("/{rule_id}", operation_id="update_scoring_rule")
async def update_scoring_rule(
    rule_id: RuleId,
    body: ScoringRulePatch,
    session: SessionDep,
    _: LeadConfigurer,
    if_match: IfMatch,
    request: Request,
    response: Response,
) -> ScoringRuleOut:
    """Apply a JSON merge patch to a fit rule; leads are rescored if it changed."""
    async with session.begin():
        row = await store.get_rule(session, rule_id, lock=True)
        if row is None:
            raise not_found("Scoring rule")
        check_version(if_match, row["version"])
        current = {name: row[name] for name in ScoringRuleIn.model_fields}
        values = _values(merged(ScoringRuleIn, current, body))
        changed = any(values[name] != row[name] for name in values)
        if changed:
            row = await store.save_rule(session, rule_id, values, utc_now())
    if changed:
        await settle_scores(request.app)
    return _out(row, response)


@router.delete("/{rule_id}", status_code=204, operation_id="delete_scoring_rule")
async def delete_scoring_rule(
    rule_id: RuleId, session: SessionDep, _: LeadConfigurer, if_match: IfMatch, request: Request
) -> None:
    """Delete a fit rule; leads are rescored without it."""
    async with session.begin():
        row = await store.get_rule(session, rule_id, lock=True)
        if row is None:
            raise not_found("Scoring rule")
        check_version(if_match, row["version"])
        await store.delete_rule(session, rule_id, utc_now())
    await settle_scores(request.app)
