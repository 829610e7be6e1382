"""Scoring leads inside a write: the current ruleset and the leads' engagement counts."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.lead_tables import lead_engagements
from crm_sales.adapters.scoring_store import load_ruleset
from crm_sales.domain.lead import Lead
from crm_sales.domain.scoring import ScoreField
from crm_sales.domain.scoring_ruleset import Ruleset

SCORED_FIELDS = tuple(field.value for field in ScoreField)


async def engagement_counts(
    session: AsyncSession, lead_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[str, int]]:
    """For each lead, how many engagements of each type it has had."""
    counts: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    if not lead_ids:
        return counts
    stmt = select(lead_engagements.c.lead_id, lead_engagements.c.type, lead_engagements.c.count)
    for lead_id, kind, count in await session.execute(
        stmt.where(lead_engagements.c.lead_id.in_(lead_ids))
    ):
        counts[lead_id][kind] = count
    return counts


class Scorer:
    """Scores leads with the ruleset read at the start of the caller's transaction."""

    def __init__(self, session: AsyncSession, ruleset: Ruleset) -> None:
        self.session = session
        self.ruleset = ruleset

    @classmethod
    async def load(cls, session: AsyncSession) -> Scorer:
        """A scorer with the current ruleset."""
        return cls(session, await load_ruleset(session))

    async def rescore(self, batch: Sequence[Lead]) -> dict[uuid.UUID, list[str]]:
        """Give every lead of `batch` its score; the score fields that changed, by lead."""
        counts = await engagement_counts(self.session, [lead.id for lead in batch])
        changed = {}
        for lead in batch:
            fields = {name: getattr(lead, name) for name in SCORED_FIELDS}
            score = self.ruleset.score(fields, counts.get(lead.id, {}))
            changed[lead.id] = lead.rescore(score, rules_version=self.ruleset.version)
        return changed

    async def rescore_one(self, lead: Lead) -> list[str]:
        """Give `lead` its score; the score fields that changed."""
        return (await self.rescore([lead]))[lead.id]
