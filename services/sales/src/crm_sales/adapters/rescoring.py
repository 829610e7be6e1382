"""Rescoring after the scoring rules change: in batches, resumable, safe with replicas.

A lead whose `scored_version` is below the current ruleset version is stale. Each batch
locks up to SALES_RESCORE_BATCH stale leads (`FOR UPDATE SKIP LOCKED`: replicas and
writers never wait on each other), rescores them, and in one transaction writes the
changed scores with their `scored` events and marks the rest as scored. A crash loses
nothing: what was not committed is still stale and is picked up again.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from sqlalchemy import bindparam, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.lead_publisher import lead_event
from crm_sales.adapters.lead_rows import COLUMNS, lead_from_row
from crm_sales.adapters.lead_scorer import Scorer
from crm_sales.adapters.lead_tables import leads
from crm_sales.adapters.scoring_store import current_version
from crm_sales.domain.lead import Lead
from crm_sales.events.topics import LEAD_TOPIC, LeadAction
from crm_shared import outbox
from crm_shared.db import Database

BATCH = int(os.environ.get("SALES_RESCORE_BATCH", "500"))
ACTOR = "crm/sales:scoring"

_WRITE_SCORE = (
    update(leads)
    .where(leads.c.id == bindparam("b_lead_id"))
    .values(
        score=bindparam("b_score"),
        fit_score=bindparam("b_fit_score"),
        engagement_score=bindparam("b_engagement_score"),
        scored_version=bindparam("b_scored_version"),
        version=bindparam("b_version"),
        updated_at=bindparam("b_updated_at"),
    )
)


async def count_stale(session: AsyncSession, cap: int) -> int:
    """How many leads wait for rescoring, counting no further than `cap`."""
    version = await current_version(session)
    stale = select(literal(1)).where(leads.c.scored_version < version).limit(cap).subquery()
    return int((await session.execute(select(func.count()).select_from(stale))).scalar_one())


async def rescore_batch(db: Database, *, batch: int = BATCH) -> int:
    """Rescore one batch of stale leads in one transaction; how many it took."""
    async with db.sessions() as session, session.begin():
        scorer = await Scorer.load(session)
        stmt = (
            select(*COLUMNS)
            .where(leads.c.scored_version < scorer.ruleset.version)
            .order_by(leads.c.id)
            .limit(batch)
            .with_for_update(skip_locked=True)
        )
        found = [lead_from_row(row) for row in (await session.execute(stmt)).mappings()]
        if not found:
            return 0
        changes = await scorer.rescore(found)
        now = datetime.now(UTC)
        events = []
        for lead in found:
            if changes[lead.id]:
                lead.touch(now)
                cause = {"rules_version": scorer.ruleset.version}
                _, event = lead_event(
                    lead,
                    LeadAction.SCORED,
                    actor=ACTOR,
                    changed=changes[lead.id],
                    extra={"cause": cause},
                )
                events.append((event, LEAD_TOPIC, str(lead.id)))
        await session.execute(_WRITE_SCORE, [_score_row(lead) for lead in found])
        await outbox.add_many(session, events)
    return len(found)


async def rescore_all(db: Database) -> int:
    """Rescore batches until no stale lead is left unlocked; how many were rescored."""
    total = 0
    while taken := await rescore_batch(db):
        total += taken
    return total


def _score_row(lead: Lead) -> dict[str, object]:
    return {
        "b_lead_id": lead.id,
        "b_score": lead.score,
        "b_fit_score": lead.fit_score,
        "b_engagement_score": lead.engagement_score,
        "b_scored_version": lead.scored_version,
        "b_version": lead.version,
        "b_updated_at": lead.updated_at,
    }
