"""Loading and saving pipelines with their stages; every save writes its event in the
caller's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Literal

from sqlalchemy import ColumnElement, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.deal_paging import created_key, cut_page, oldest_first
from crm_sales.adapters.deal_publisher import publish_pipeline
from crm_sales.adapters.deal_rows import PIPELINE_COLUMNS, pipeline_from_rows, stage_to_row
from crm_sales.adapters.deal_tables import deals, pipeline_stages, pipelines
from crm_sales.domain.pipeline import Pipeline, Stage
from crm_sales.events.pipeline_schemas import PipelineData
from crm_sales.events.topics import PipelineAction

# "update": a pipeline edit. "share": a deal entering one of its stages, which must not
# meet an edit of those stages halfway (FOR KEY SHARE only waits for FOR UPDATE).
Lock = Literal["update", "share"] | None


class PipelineStore:
    """Pipelines of one database session, changed on behalf of `actor`."""

    def __init__(self, session: AsyncSession, *, actor: str | None) -> None:
        self.session = session
        self.actor = actor

    async def get(self, pipeline_id: uuid.UUID | None, *, lock: Lock = None) -> Pipeline | None:
        """The pipeline (the default one for None), or None if there is no such pipeline."""
        condition: ColumnElement[bool] = (
            pipelines.c.is_default if pipeline_id is None else pipelines.c.id == pipeline_id
        )
        stmt = select(*(pipelines.c[name] for name in PIPELINE_COLUMNS)).where(condition)
        if lock == "update":
            stmt = stmt.with_for_update()
        elif lock == "share":
            stmt = stmt.with_for_update(read=True, key_share=True)
        row = (await self.session.execute(stmt)).mappings().first()
        if row is None:
            return None
        stages = select(pipeline_stages).where(pipeline_stages.c.pipeline_id == row["id"])
        return pipeline_from_rows(row, (await self.session.execute(stages)).mappings().all())

    async def add(self, pipeline: Pipeline) -> PipelineData:
        """Insert a new pipeline, its stages and its `created` event."""
        row = {name: getattr(pipeline, name) for name in PIPELINE_COLUMNS}
        await self.session.execute(insert(pipelines).values(row))
        await self._insert_stages(pipeline, pipeline.stages)
        return await publish_pipeline(
            self.session, pipeline, PipelineAction.CREATED, actor=self.actor
        )

    async def save(
        self, pipeline: Pipeline, changed: list[str], *, previous: Sequence[uuid.UUID] = ()
    ) -> PipelineData:
        """Write a changed pipeline (stages no longer listed are deleted; `previous` are
        the stage ids it had) and its `updated` event."""
        row = {name: getattr(pipeline, name) for name in PIPELINE_COLUMNS}
        del row["id"], row["created_at"]
        await self.session.execute(
            update(pipelines).where(pipelines.c.id == pipeline.id).values(row)
        )
        if "stages" in changed:
            await self._replace_stages(pipeline, previous)
        return await publish_pipeline(
            self.session, pipeline, PipelineAction.UPDATED, actor=self.actor, changed=changed
        )

    async def stages_with_deals(self, stage_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
        """Which of `stage_ids` have at least one deal in them."""
        if not stage_ids:
            return []
        stmt = select(deals.c.stage_id).where(deals.c.stage_id.in_(stage_ids)).distinct()
        return list((await self.session.execute(stmt)).scalars())

    async def _replace_stages(self, pipeline: Pipeline, previous: Sequence[uuid.UUID]) -> None:
        kept = {stage.id for stage in pipeline.stages}
        gone = [stage_id for stage_id in previous if stage_id not in kept]
        if gone:
            await self.session.execute(
                delete(pipeline_stages).where(pipeline_stages.c.id.in_(gone))
            )
        known = set(previous)
        for stage in pipeline.stages:  # at most 30; positions are checked at commit (deferred)
            if stage.id in known:
                await self.session.execute(
                    update(pipeline_stages)
                    .where(pipeline_stages.c.id == stage.id)
                    .values(stage_to_row(pipeline, stage))
                )
        await self._insert_stages(pipeline, [s for s in pipeline.stages if s.id not in known])

    async def _insert_stages(self, pipeline: Pipeline, stages: Sequence[Stage]) -> None:
        if stages:
            rows = [stage_to_row(pipeline, stage) for stage in stages]
            await self.session.execute(insert(pipeline_stages).values(rows))


async def list_pipelines(
    session: AsyncSession, *, limit: int, cursor: str | None
) -> tuple[list[Pipeline], str | None]:
    """One page of pipelines, oldest first (the default one was made by the migration)."""
    columns = [pipelines.c[name] for name in PIPELINE_COLUMNS]
    stmt = oldest_first(pipelines, columns, [], cursor).limit(limit + 1)
    rows, next_cursor = cut_page((await session.execute(stmt)).mappings().all(), limit, created_key)
    ids = [row["id"] for row in rows]
    stage_rows = (
        (
            await session.execute(
                select(pipeline_stages).where(pipeline_stages.c.pipeline_id.in_(ids))
            )
        )
        .mappings()
        .all()
    )
    return [
        pipeline_from_rows(row, [s for s in stage_rows if s["pipeline_id"] == row["id"]])
        for row in rows
    ], next_cursor
