"""Running `deal.stage_entered` rules: a task for a deal that entered a rule's stage.

A run row is claimed before the task is logged, with a unique key (rule, event id):
a redelivered or replayed event finds the row taken and logs nothing, even if the inbox
forgot the event. The task and its `crm.sales.activity.created` event commit with the
run, in the caller's transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.activity_store import ActivityStore
from crm_sales.adapters.automation_store import stage_rules
from crm_sales.adapters.automation_tables import automation_runs
from crm_sales.adapters.deal_store import DealStore
from crm_sales.domain.activity import Activity
from crm_sales.domain.automation import AutomationRule, actor_of

_log = structlog.get_logger("crm.sales.automation")


async def claim_run(session: AsyncSession, rule: AutomationRule, **values: Any) -> bool:
    """Record that `rule` acts on this cause (event id, or lead and idle time); False
    if it already did (the unique keys of automation_runs)."""
    stmt = (
        insert(automation_runs)
        .values(id=uuid.uuid4(), rule_id=rule.id, **values)
        .on_conflict_do_nothing()
        .returning(automation_runs.c.id)
    )
    return (await session.execute(stmt)).scalar() is not None


async def run_stage_rules(
    session: AsyncSession,
    *,
    deal_id: uuid.UUID,
    stage_id: uuid.UUID,
    event_id: str,
    entered_at: datetime,
    now: datetime,
) -> int:
    """Log each active rule's task for a deal that entered `stage_id` (event `event_id`,
    at `entered_at`); how many tasks it logged. A deal deleted since is skipped."""
    rules = await stage_rules(session, stage_id, entered_at)
    if not rules:
        return 0
    deal = await DealStore(session, actor=None).get(deal_id)
    if deal is None:
        _log.info("deal gone before its automation ran; skipped", deal_id=str(deal_id))
        return 0
    logged = 0
    for rule in rules:
        edits = rule.task_for(deal.id, deal.owner_id, entered_at)
        task = Activity.log(edits, completed=False, now=now)
        claimed = await claim_run(
            session,
            rule,
            outcome="task_created",
            event_id=event_id,
            deal_id=deal.id,
            activity_id=task.id,
            created_at=now,
        )
        if claimed:
            await ActivityStore(session, actor=actor_of(rule.id)).add(task)
            logged += 1
    return logged
