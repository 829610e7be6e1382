"""Engagement points (`/leads/engagement-points`): what each marketing engagement type is
worth. Managers change them; a change rescores every lead, like a fit rule change."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy import RowMapping

from crm_sales.adapters import scoring_store as store
from crm_sales.adapters.rescoring_worker import settle_scores
from crm_sales.api.deps import API_PREFIX, ReadSession, utc_now
from crm_sales.api.lead_deps import LeadConfigurer, LeadReader
from crm_sales.api.lead_loading import etag
from crm_sales.api.lead_scoring_schemas import EngagementPointsOut, EngagementPointsPatch
from crm_sales.domain.scoring_engagement import check_points
from crm_shared.db import SessionDep
from crm_shared.patching import apply_merge_patch
from crm_shared.problems import PROBLEM_RESPONSES
from crm_shared.versioning import IfMatch, check_version

router = APIRouter(
    prefix=f"{API_PREFIX}/leads/engagement-points",
    tags=["lead scoring"],
    responses=PROBLEM_RESPONSES,
)


def _out(row: RowMapping, response: Response) -> EngagementPointsOut:
    response.headers["ETag"] = etag(row["engagement_version"])
    return EngagementPointsOut(
        points=row["engagement_points"],
        version=row["engagement_version"],
        updated_at=row["updated_at"],
    )


@router.get("", operation_id="get_engagement_points")
async def get_engagement_points(
    _: LeadReader, session: ReadSession, response: Response
) -> EngagementPointsOut:
    """Points per engagement type; types not listed score nothing and are not counted."""
    return _out(await store.get_points(session), response)


@router.patch("", operation_id="update_engagement_points")
async def update_engagement_points(
    body: EngagementPointsPatch,
    session: SessionDep,
    _: LeadConfigurer,
    if_match: IfMatch,
    request: Request,
    response: Response,
) -> EngagementPointsOut:
    """Merge-patch the points (null stops scoring a type); every lead is rescored with
    the new points (its counted engagements times the points now)."""
    async with session.begin():
        row = await store.get_points(session, lock=True)
        check_version(if_match, row["engagement_version"])
        points = check_points(apply_merge_patch(row["engagement_points"], body.points))
        changed = points != row["engagement_points"]
        if changed:
            row = await store.set_points(session, points, utc_now())
    if changed:
        await settle_scores(request.app)
    return _out(row, response)
