"""Running `lead.untouched` rules: an open lead nobody worked for the rule's days goes
to the next owner the assignment rules choose, never back to its current owner.

Each batch is one transaction. `FOR UPDATE SKIP LOCKED` hands every idle lead to exactly
one replica; the run row (unique per rule, lead and the time it was last touched) and
the reassignment commit together, and the reassignment touches the lead, so a lead is
reassigned at most once per idle spell. A lead nobody else can take is left with its
owner and recorded as `skipped`, so it is not looked at again until it is touched.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import Select, and_, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_sales.adapters.assignment_store import choose_owner
from crm_sales.adapters.automation_runs import claim_run
from crm_sales.adapters.automation_store import get_rule, rule_from_row, rules_of
from crm_sales.adapters.automation_tables import automation_runs
from crm_sales.adapters.lead_rows import COLUMNS, lead_from_row
from crm_sales.adapters.lead_store import LeadStore
from crm_sales.adapters.lead_tables import leads
from crm_sales.domain.automation import AutomationRule, TriggerType, actor_of
from crm_sales.domain.lead_status import INITIAL
from crm_sales.events.topics import LeadAction
from crm_shared.db import Database

IDLE = TriggerType.LEAD_UNTOUCHED
_log = structlog.get_logger("crm.sales.automation")


def _idle_leads(rule: AutomationRule, now: datetime, batch: int) -> Select[Any]:
    already = exists().where(
        and_(
            automation_runs.c.rule_id == rule.id,
            automation_runs.c.lead_id == leads.c.id,
            automation_runs.c.lead_touched_at == leads.c.touched_at,
        )
    )
    return (
        select(*COLUMNS)
        .where(
            leads.c.status.in_(sorted(INITIAL)),
            leads.c.owner_id.is_not(None),
            leads.c.touched_at <= rule.idle_cutoff(now),
            ~already,
        )
        .order_by(leads.c.touched_at)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )


async def reassign_batch(
    session: AsyncSession, rule: AutomationRule, *, now: datetime, batch: int
) -> int:
    """Reassign up to `batch` of the rule's idle leads that nobody else holds, in the
    caller's transaction; how many leads it looked at."""
    rows = (await session.execute(_idle_leads(rule, now, batch))).mappings().all()
    store = LeadStore(session, actor=actor_of(rule.id))
    for row in rows:
        lead = lead_from_row(row)
        assignment = await choose_owner(session, lead.country, exclude=lead.owner_id)
        claimed = await claim_run(
            session,
            rule,
            outcome="reassigned" if assignment else "skipped",
            lead_id=lead.id,
            lead_touched_at=lead.touched_at,
            from_owner_id=lead.owner_id,
            to_owner_id=assignment.user_id if assignment else None,
            created_at=now,
        )
        if not claimed:
            continue
        if assignment is None:
            _log.info("idle lead has nobody else to go to; left", lead_id=str(lead.id))
            continue
        changed = lead.assign(assignment.user_id)
        lead.touch(now)
        extra = {"assignment": assignment.describe(), "automation": rule.describe()}
        await store.save(lead, LeadAction.ASSIGNED, changed=changed, extra=extra)
    return len(rows)


async def reassign_idle_leads(db: Database, *, now: datetime, batch: int) -> int:
    """Run every active `lead.untouched` rule over the leads idle for its days, batch by
    batch until none is left (or only rows other replicas hold); leads looked at."""
    async with db.sessions() as session:
        rules = await rules_of(session, IDLE)
    total = 0
    for rule in rules:
        while True:
            async with db.sessions() as session, session.begin():
                row = await get_rule(session, rule.id)  # changed or deleted meanwhile?
                fresh = rule_from_row(row) if row else None
                if fresh is None or not fresh.active or fresh.trigger_type is not IDLE:
                    break
                seen = await reassign_batch(session, fresh, now=now, batch=batch)
            total += seen
            if seen < batch:
                break
    return total
