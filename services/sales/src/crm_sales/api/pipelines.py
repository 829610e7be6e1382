"""Pipelines and their stages; ROUTERS also lists the deal, target and forecast routers."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy.exc import IntegrityError

from crm_sales.adapters.pipeline_store import PipelineStore, list_pipelines
from crm_sales.api import deal_history, deal_list, deals, forecast, targets
from crm_sales.api.deal_loading import created_headers, etag
from crm_sales.api.deal_problems import conflict_problem
from crm_sales.api.deps import API_PREFIX, PipelineId, Reader, ReadSession, SalesAdmin, utc_now
from crm_sales.api.pipeline_schemas import PipelineIn, PipelinePatch
from crm_sales.domain.deal_errors import InvalidDealError, StageInUseError
from crm_sales.domain.pipeline import Pipeline
from crm_sales.domain.pipeline_stages import plan_stages, stages_in_use_changed
from crm_sales.events.pipeline_schemas import PipelineData
from crm_shared.db import SessionDep
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.patching import merged
from crm_shared.problems import PROBLEM_RESPONSES, not_found
from crm_shared.versioning import IfMatch, check_version

router = APIRouter(
    prefix=f"{API_PREFIX}/pipelines", tags=["pipelines"], responses=PROBLEM_RESPONSES
)


async def _take_default(store: PipelineStore, pipeline: Pipeline) -> None:
    """Make the current default pipeline (if another) stop being it, with its event."""
    current = await store.get(None, lock="update")
    if current is not None and current.id != pipeline.id:
        current.revise(current.name, current.stages, False, now=utc_now())
        await store.save(current, ["is_default"])


@router.post("", status_code=201, operation_id="create_pipeline")
async def create_pipeline(
    body: PipelineIn, session: SessionDep, principal: SalesAdmin, response: Response
) -> PipelineData:
    """Create a pipeline (admins and managers). 409 if the name is taken."""
    store = PipelineStore(session, actor=principal.subject)
    stages = plan_stages([stage.spec() for stage in body.stages])
    pipeline = Pipeline.register(body.name, stages, now=utc_now())
    pipeline.is_default = body.is_default
    try:
        async with session.begin():
            if pipeline.is_default:
                await _take_default(store, pipeline)
            resource = await store.add(pipeline)
    except IntegrityError as exc:
        raise conflict_problem(exc) from exc
    response.headers.update(created_headers("pipelines", pipeline.id, pipeline.version))
    return resource


@router.get("", operation_id="list_pipelines")
async def list_pipelines_route(
    _: Reader, session: ReadSession, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[PipelineData]:
    """Pipelines with their stages, oldest first."""
    found, next_cursor = await list_pipelines(session, limit=limit, cursor=cursor)
    return Page(items=[PipelineData.of(p) for p in found], next_cursor=next_cursor)


@router.get("/{pipeline_id}", operation_id="get_pipeline")
async def get_pipeline(
    pipeline_id: PipelineId, _: Reader, session: ReadSession, response: Response
) -> PipelineData:
    """One pipeline with its stages in order."""
    pipeline = await PipelineStore(session, actor=None).get(pipeline_id)
    if pipeline is None:
        raise not_found("Pipeline")
    response.headers["ETag"] = etag(pipeline.version)
    return PipelineData.of(pipeline)


@router.patch("/{pipeline_id}", operation_id="update_pipeline")
async def update_pipeline(
    pipeline_id: PipelineId,
    body: PipelinePatch,
    session: SessionDep,
    principal: SalesAdmin,
    if_match: IfMatch,
    response: Response,
) -> PipelineData:
    """Apply a JSON merge patch (admins and managers). `stages` replaces the list: keep a
    stage's `id` to keep it. 409 (`stage_ids`) when a stage that deals are in would be
    removed or change its kind; `"is_default": true` makes it the default pipeline."""
    store = PipelineStore(session, actor=principal.subject)
    try:
        async with session.begin():
            pipeline = await store.get(pipeline_id, lock="update")
            if pipeline is None:
                raise not_found("Pipeline")
            check_version(if_match, pipeline.version)
            document = merged(PipelineIn, pipeline.editable(), body)
            planned = plan_stages([s.spec() for s in document.stages], pipeline.stages)
            removed, rekinded = stages_in_use_changed(pipeline.stages, planned)
            busy = await store.stages_with_deals([*removed, *rekinded])
            if busy:
                raise StageInUseError(busy, "remove the stage or change its kind")
            if pipeline.is_default and not document.is_default:
                msg = "there is always a default pipeline: make another one the default"
                raise InvalidDealError(msg, field="is_default")
            if document.is_default and not pipeline.is_default:
                await _take_default(store, pipeline)
            previous = [stage.id for stage in pipeline.stages]
            changed = pipeline.revise(document.name, planned, document.is_default, now=utc_now())
            resource = PipelineData.of(pipeline)
            if changed:
                resource = await store.save(pipeline, changed, previous=previous)
    except IntegrityError as exc:
        raise conflict_problem(exc) from exc
    response.headers["ETag"] = etag(pipeline.version)
    return resource


ROUTERS: tuple[APIRouter, ...] = (
    router,
    deal_list.router,
    deal_history.router,
    deals.router,
    targets.router,
    forecast.router,
)
